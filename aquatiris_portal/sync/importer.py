"""Import exports of the internal system (docs/exchange-format.md).

``import_source(SOURCE)`` takes the import lock (``lock.py``), then imports
every export of SOURCE not yet imported, in ``sequence`` order. Each export:

1. is staged (``staging.py``): every line set down by type and id in a
   temporary SQLite file; a line that is not JSON, of no known type or
   without id becomes a reject;
2. is applied in dependency order (franchisee, spanc, client, then
   installation, then document, then delete), in batches. A line whose
   hash the portal's row holds (``sync_hash``: the same line was applied
   and nothing moved the row since) is unchanged and not even parsed again;
   the others are checked (``validation.check_line``, else quarantined),
   turned into column values (``mapping.py``), their files copied
   (``files.py``) before the rows that reference them, and written without
   model instances (``rows.py``). Each batch is one transaction that also
   counts itself in its run (``runs.py``), so a run killed in the middle
   resumes after the last committed batch and ends with the same rows and
   counts as a clean run. Each batch is first prepared (``Applier.prepare``:
   read, parsed, checked, built when that needs no database), then written
   (``Applier.apply``), in the calling thread; on PostgreSQL the next batch
   is prepared while the server inserts the rows of the current one's COPY
   (``Ahead``), as sequential as before for everything else;
3. is marked imported in the transaction that ends the run: it is never
   imported again.
"""

import logging
from collections import defaultdict
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import Exists
from django.utils import timezone
from django.utils.translation import gettext as _

from . import runs
from .files import NO_FILE, file_values
from .lock import import_lock
from .mapping import (
    FIELDS,
    GUARDS,
    MODELS,
    TYPES,
    after_write,
    delete_records,
    document,
    document_references,
    finish_hash,
    guard_getter,
    handler_for,
    line_digest,
    line_hash,
    text,
    themes,
    unique_codes,
)
from .models import QuarantinedRecord
from .record_types import APPLIED_ELSEWHERE
from .retention import delete_files
from .rows import RowWriter, by_external_id, max_lengths, pks_by_external_id
from .sources import open_source
from .staging import PHASES, REJECTS, Staging, decode_raw
from .validation import Rejected, check_line

logger = logging.getLogger(__name__)

HANDLED_ELSEWHERE = APPLIED_ELSEWHERE  # staged phases whose records a registered handler applies


def import_source(spec, *, batch_size=None):
    """Import every not-yet-imported export of SOURCE, in sequence order.

    Stops at the first export that fails (later ones wait: order matters).
    Returns a SyncResult; ``busy`` when another importer holds the lock."""
    source = open_source(spec)
    result = runs.SyncResult()
    with import_lock() as got:
        if not got:
            logger.info("Another importer is running; %s left to it", spec)
            result.busy = True
            return result
        exports = source.exports()
        done = runs.imported_sequences([export.sequence for export in exports])
        for export in exports:
            if export.sequence in done:
                continue
            run = import_export(export, batch_size=batch_size)
            result.runs.append(run)
            if run.state != run.State.SUCCEEDED:
                break
    return result


def import_export(export, *, batch_size=None):
    """Import one export (call with the lock held). Resumes an unfinished run."""
    run = runs.start_or_resume(export, batch_size)
    size = run.batch_size or runs.DEFAULT_BATCH_SIZE
    try:
        with Staging() as staging:
            staging.load(export.lines())
            # The batches left, in order: those a resumed run committed are skipped.
            plan, step = [], 0
            for phase in (REJECTS, *PHASES):
                count = -(-staging.count(phase) // size)
                if count and step + count > run.steps_done:  # a phase without a line has no batch
                    plan.append((phase, max(0, run.steps_done - step)))
                step += count
            applier = Applier(run, export, phases={phase for phase, _skip in plan})

            step = run.steps_done
            batches = ((phase, rows) for phase, skip in plan for rows in staging.batches(phase, size, skip=skip))
            ahead = Ahead(applier.prepare, batches)
            applier.meanwhile = ahead.advance
            for phase, items in ahead:
                with transaction.atomic():
                    runs.add_batch(run, applier.apply(phase, items))
                step += 1
                runs.batch_committed(run, step)
        runs.succeed(run)
    except Exception as error:  # the run fails; the next one resumes it
        logger.exception("Import of export #%s failed", export.sequence)
        runs.fail(run, error)
    run.refresh_from_db()
    return run


class Ahead:
    """The batches (phase, prepared items), each prepared one step ahead
    when ``advance`` is called: the writer calls it once a COPY's rows are
    sent, so the next batch is read, checked and built while PostgreSQL
    inserts the rows (one thread: no lock to wait for). ``prepare`` touches
    no database; an error it raises is raised when its batch comes up, as
    if it had been prepared then."""

    def __init__(self, prepare, batches):
        self.prepare, self.batches = prepare, batches
        self.next = self.error = None
        self.done = False

    def advance(self):
        if self.next is not None or self.error is not None or self.done:
            return
        try:
            batch = next(self.batches, None)
            if batch is None:
                self.done = True
            else:
                self.next = (batch[0], self.prepare(batch))
        except Exception as error:  # noqa: BLE001  raised in turn by __iter__
            self.error = error

    def __iter__(self):
        while True:
            self.advance()
            if self.error is not None:
                raise self.error
            if self.next is None:
                return
            batch, self.next = self.next, None
            yield batch


_NO_INSTALLATION = {"installation": None}


class Item:
    """One staged line of a batch; once checked, its record (``record``,
    ``rid`` its id). Prepared (``Applier.prepare``), it may also hold
    the check's refusal (``rejected``), the line's hash so far (``digest``),
    and for a type built without the database its ``values``, ``too_long``
    and ``hash``."""

    __slots__ = ("digest", "hash", "key", "line", "raw", "record", "rejected", "rid", "too_long", "values")

    def __init__(self, line, raw, record=None, key=None):
        self.line, self.raw, self.record, self.key = line, raw, record, key
        self.rid = None if record is None else record["id"]
        self.rejected = self.digest = self.hash = self.values = self.too_long = None


def _have_rows(run, querysets):
    """{name: whether the queryset has a row}, in one query (the run's row
    carries the EXISTS subqueries; each stops at its first row); no query
    for none."""
    if not querysets:
        return {}
    names = list(querysets)
    exists = {f"has_{number}": Exists(querysets[name]) for number, name in enumerate(names)}
    found = type(run).objects.filter(pk=run.pk).annotate(**exists).values_list(*exists).get()
    return dict(zip(names, found, strict=True))


class Applier:
    """Applies the batches of one run: checks, quarantines, upserts, counts."""

    def __init__(self, run, export, phases=None):
        """``phases``: those the run has batches of (None: every one); the
        tables of the others are not looked at."""
        self.run, self.export = run, export
        # The limited columns a record's values set (``FIELDS``: what ``build``
        # returns); the others (external_id, sync_hash...) are never in them.
        self.lengths = {
            name: tuple((column, limit) for column, limit in max_lengths(model).items() if column in FIELDS[name])
            for name, model in MODELS.items()
        }
        self.writers = {name: RowWriter(model, FIELDS[name], self._meanwhile) for name, model in MODELS.items()}
        self.meanwhile = None  # what to do while the server writes a batch (``Ahead.advance``)
        self.existing = {}
        types = [name for name in MODELS if phases is None or name in phases]
        # What the run starts from, in one query (a small import's set-up
        # was one query per table); none for an export of rejects alone.
        lookups = {name: MODELS[name].objects.all() for name in types}
        if phases is None or set(phases) - {REJECTS}:  # records applied here may resolve earlier quarantines
            lookups["earlier_quarantines"] = QuarantinedRecord.objects.filter(resolved_at__isnull=True).exclude(run=run)
        found = _have_rows(run, lookups)
        # Records quarantined by earlier runs, which records of this run may
        # resolve; none (the usual case): no look-up per batch.
        self.earlier_quarantines = found.get("earlier_quarantines", False)
        # Record type -> whether ``prepare`` checks its lines: yes into
        # an empty table, then as long as most lines of a batch are new or
        # changed; not while most are found unchanged (a re-import): those
        # are never parsed at all.
        self.precheck = {name: not found[name] for name in types}
        # Tables without a row when the run started (a first full import):
        # the staging holds each id once, so no id of a batch is there yet
        # and the look-up of existing rows is skipped. Should one be there
        # after all (written by someone else meanwhile), the COPY's unique
        # violation has the batch upserted row by row.
        self.empty = dict(self.precheck)

    def _meanwhile(self):
        if self.meanwhile is not None:
            self.meanwhile()

    def prepare(self, batch):
        """``batch`` (phase, staged rows) as Items, checked and, for types
        built from the record alone, built (no database)."""
        phase, rows = batch
        if phase == REJECTS:
            return rows
        items = [Item(line, raw, key=key) for line, key, raw in rows]
        if not self.precheck.get(phase, True):
            return items
        spec = TYPES.get(phase)
        built = spec is not None and spec.standalone
        # A file-less document into a table empty at the start (no current
        # row): its values but its references (``document_references``).
        documents = phase == "document" and self.empty["document"]
        guarded = bool(GUARDS.get(phase))
        for item in items:
            try:
                record = check_line(item.raw)
            except Rejected as rejected:
                item.rejected = rejected
                continue
            item.record, item.rid = record, record["id"]
            if spec is None:
                continue
            digest = line_digest(item.raw)
            if guarded:
                item.digest = digest
            else:
                item.hash = digest.hexdigest()
            if built:
                item.values = values = spec.build(record, {}, None)
                item.too_long = self._too_long(phase, values)
            elif documents and not record.get("file"):
                item.values = values = document(record, _NO_INSTALLATION, None)
                values.update(NO_FILE)  # file_values of a record without file
                item.too_long = self._too_long(phase, values)  # references are not text
        return items

    def apply(self, phase, items):
        """Apply one batch (``prepare``'s Items, or staged rejects); returns its counts."""
        self.counts = {"created": 0, "updated": 0, "unchanged": 0, "deleted": 0, "quarantined": 0, "files": 0}
        self.quarantined = []
        self.ok = defaultdict(list)  # record type -> ids applied (resolve earlier quarantines)
        if phase == REJECTS:
            for line, rtype, rid, reason, raw in items:
                self._set_aside(line, rtype or "", rid or "", reason, raw)
        elif phase == "delete":
            self._apply_deletes(self._checked(items))
        elif phase in HANDLED_ELSEWHERE:
            self._apply_elsewhere(phase, self._checked(items))
        else:
            items = self._checked(self._skip_unchanged(phase, items))
            if items:
                self._apply_records(phase, items)
        self._finish_batch()
        return self.counts

    # -- record types another room applies (mapping.handler_for)

    def _apply_elsewhere(self, record_type, items):
        handler = handler_for(record_type)
        if handler is None:
            for item in items:
                self._quarantine(
                    item, _("Records of type “%(type)s” cannot be applied by this site.") % {"type": record_type}
                )
            return
        if items:
            handler(items, self)

    def quarantine(self, item, reason):
        self._quarantine(item, reason)

    def count(self, name, number=1):
        self.counts[name] += number

    def applied(self, record_type, rid):
        self.ok[record_type].append(rid)

    # -- checks and quarantine

    def _checked(self, items):
        """The items whose lines pass every rule (checked now if ``prepare``
        did not); the others are quarantined."""
        checked = []
        append = checked.append
        for item in items:
            if item.record is None and item.rejected is None:
                try:
                    item.record = check_line(item.raw)
                    item.rid = item.record["id"]
                except Rejected as rejected:
                    item.rejected = rejected
            rejected = item.rejected
            if rejected is None:
                append(item)
            else:
                self._set_aside(
                    item.line, rejected.record_type, rejected.record_id, rejected.reason, decode_raw(item.raw)
                )
        return checked

    def _set_aside(self, line, record_type, record_id, reason, raw_line):
        # NUL cannot be stored in a PostgreSQL text column.
        self.quarantined.append(
            QuarantinedRecord(
                run=self.run,
                line_number=line,
                record_type=record_type[:40].replace("\x00", ""),
                record_id=record_id[:200].replace("\x00", ""),
                reason=reason.replace("\x00", "\\0"),
                raw_line=raw_line.replace("\x00", "\\0"),
            )
        )

    def _quarantine(self, item, reason):
        record = item.record
        self._set_aside(item.line, text(record.get("type")), text(record.get("id")), reason, decode_raw(item.raw))

    def _finish_batch(self):
        if self.quarantined:
            QuarantinedRecord.objects.bulk_create(self.quarantined, ignore_conflicts=True)
            self.counts["quarantined"] += len(self.quarantined)
        if not self.earlier_quarantines:
            return
        now = timezone.now()
        for record_type, ids in self.ok.items():
            QuarantinedRecord.objects.filter(
                resolved_at__isnull=True, record_type=record_type, record_id__in=ids
            ).exclude(run=self.run).update(resolved_at=now, resolved_by=self.run)

    # -- unchanged lines

    def _skip_unchanged(self, record_type, items):
        """Count as unchanged, without parsing them, the lines whose hash the
        portal's row holds (the same line was applied and nothing moved the
        row since); return the other items. The current values of the rows
        that exist and changed are fetched for the rest of the batch
        (``self.existing``)."""
        if self.empty[record_type]:
            self.existing = {}
            return items
        model = MODELS[record_type]
        guards = GUARDS.get(record_type, ())
        found = {
            row[0]: row
            for row in by_external_id(model, [item.key for item in items], ["external_id", "sync_hash", *guards])
        }
        deleted_at = guards.index("deleted_at") if "deleted_at" in guards else None
        kept, changed, skipped = [], [], self.ok[record_type]
        for item in items:
            current = found.get(item.key)
            if current is None:
                kept.append(item)
                continue
            guarded = current[2:]
            if deleted_at is not None:  # as guard_values gives it
                guarded = (*guarded[:deleted_at], guarded[deleted_at] is None, *guarded[deleted_at + 1 :])
            if current[1] and current[1] == self._hash(item, guarded):
                skipped.append(item.key)
            else:
                kept.append(item)
                changed.append(item.key)
        unchanged = len(items) - len(kept)
        self.counts["unchanged"] += unchanged
        self.precheck[record_type] = 2 * unchanged < len(items)
        names = ["pk", "external_id", "sync_hash", *FIELDS[record_type]]
        self.existing = {
            row[1]: dict(zip(names, row, strict=True))
            for row in by_external_id(model, changed, [model._meta.pk.column, *names[1:]])
        }
        return kept

    @staticmethod
    def _hash(item, guarded):
        """The line's ``sync_hash`` (``mapping.line_hash``), from what ``prepare`` hashed."""
        if item.hash is not None:
            return item.hash
        if item.digest is not None:
            return finish_hash(item.digest, guarded)
        return line_hash(item.raw, guarded)

    # -- records

    def _apply_records(self, record_type, items):
        spec = TYPES[record_type]
        if spec.unique_code:
            items, refused = unique_codes(MODELS[record_type], items)
            for item, reason in refused:
                self._quarantine(item, reason)
        refs = self._references(spec, items)
        theme_pks = themes([item.record for item in items]) if record_type == "document" else {}
        prepared, build, existing = [], spec.build, self.existing
        # (field, {id: pk}) of each reference, looked up once per batch.
        references = [(ref.field, refs[ref.field], ref.record_type) for ref in spec.references]
        for item in items:
            record, item_refs = item.record, {}
            for name, found, kind in references:
                rid = record.get(name)
                if not rid:
                    continue
                pk = found.get(rid)
                if pk is None:  # pks and (pk, *columns) are never None
                    self._quarantine(item, self._unknown(kind, rid))
                    break
                item_refs[name] = pk
            else:
                current = existing.get(item.rid)
                if record_type == "document":
                    item_refs["theme"] = theme_pks.get(record["theme"])
                values = item.values
                if values is None:
                    values = build(record, item_refs, current)
                elif record_type == "document":  # built by ``prepare``, file-less
                    document_references(values, item_refs)
                    prepared.append((item, values))
                    continue
                if spec.has_file:
                    try:
                        files, copied = file_values(self.export, record, current)
                    except Rejected as rejected:
                        self._quarantine(item, rejected.reason)
                        continue
                    values.update(files)
                    self.counts["files"] += copied
                prepared.append((item, values))
        written = self._upsert(record_type, prepared)
        after_write(record_type, prepared, self.existing, set(written))

    def _references(self, spec, items):
        """{field: {id: pk or (pk, *columns)}} of the records ``items`` refer to, in one query per field."""
        refs = {}
        for ref in spec.references:
            ids = [item.record.get(ref.field) for item in items]
            model = MODELS[ref.record_type]
            if ref.columns:
                found = by_external_id(model, list({i for i in ids if i}), ["external_id", "id", *ref.columns])
                refs[ref.field] = {row[0]: row[1:] for row in found}
            else:
                refs[ref.field] = pks_by_external_id(model, ids)
        return refs

    @staticmethod
    def _unknown(kind, rid):
        return _("Unknown %(kind)s “%(id)s”: no such record in the portal or in this export.") % {
            "kind": MODELS[kind]._meta.verbose_name,
            "id": rid,
        }

    def _too_long(self, record_type, values):
        for name, limit in self.lengths[record_type]:
            value = values.get(name)
            if value.__class__ is str and len(value) > limit:
                return _("Field “%(field)s” is longer than %(limit)s characters.") % {"field": name, "limit": limit}
        return None

    def _upsert(self, record_type, prepared):
        """``prepared``: [(item, values)]. Creates, updates only what differs,
        counts; an unchanged row whose hash is stale gets the new one.
        Returns the ids written or found unchanged."""
        fields, guards, existing = FIELDS[record_type], GUARDS.get(record_type, ()), self.existing
        creates, updates, rehash = [], [], []
        too_long, guarded, hash_of = self._too_long, guard_getter(guards), self._hash
        for item, values in prepared:
            reason = item.too_long if values is item.values else too_long(record_type, values)
            if reason:
                self._quarantine(item, reason)
                continue
            row = values.copy()
            row["external_id"] = item.rid
            row["sync_hash"] = hash_of(item, guarded(values))
            current = existing.get(item.rid)
            if current is None:
                creates.append((item, row))
            elif any(current[name] != values[name] for name in fields):
                updates.append((item, row))
            else:
                self.counts["unchanged"] += 1
                self.ok[record_type].append(item.rid)
                if current["sync_hash"] != row["sync_hash"]:
                    rehash.append(row)
        writer = self.writers[record_type]
        # Rows no id of which the table held (looked up in this transaction,
        # under the import lock) go straight in; should one be there after
        # all, the batch is written again one row at a time by upsert.
        written = self._write(record_type, creates, "created", writer.create, writer.write)
        written += self._write(record_type, updates, "updated", writer.write, writer.write)
        if rehash:
            writer.set_hashes([(row["external_id"], row["sync_hash"]) for row in rehash])
        return written + [row["external_id"] for row in rehash]

    def _write(self, record_type, pairs, counter, write, write_one):
        if not pairs:
            return []
        try:
            with transaction.atomic():
                write([row for _item, row in pairs])
            written = pairs
        except IntegrityError:
            # A conflict (e.g. a code used twice): one by one, to set aside only the culprit.
            written = []
            for item, row in pairs:
                try:
                    with transaction.atomic():
                        write_one([row])
                    written.append((item, row))
                except IntegrityError as error:
                    self._quarantine(
                        item,
                        _("The record conflicts with another record in the portal (%(error)s).")
                        % {"error": str(error).splitlines()[0][:300]},
                    )
        ids = [item.rid for item, _row in written]
        self.counts[counter] += len(ids)
        self.ok[record_type].extend(ids)
        return ids

    # -- deletes

    def _apply_deletes(self, items):
        by_kind = defaultdict(list)
        for item in items:
            by_kind[item.record["of"]].append(item)
        for kind, group in by_kind.items():
            outcome = delete_records(kind, [item.rid for item in group])
            for item in group:
                if item.rid in outcome.refused:
                    self._quarantine(item, outcome.refused[item.rid])
            self.counts["deleted"] += len(outcome.deleted)
            self.counts["unchanged"] += len(outcome.absent)
            self.ok["delete"].extend([*outcome.deleted, *outcome.absent])
            if outcome.files:
                transaction.on_commit(partial(delete_files, outcome.files))
