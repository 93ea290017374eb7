"""Import exports of the internal system (DESIGN.md §4).

``import_source(SOURCE)`` takes the import lock (a PostgreSQL advisory
lock: one importer at a time across every machine; a no-op on SQLite),
then imports every export of SOURCE not yet imported, in ``sequence``
order. Each export:

1. is staged (``staging.py``): every line set down by type and id in a
   temporary SQLite file; a line that is not JSON, of no known type or
   without id becomes a reject;
2. is applied in dependency order (franchisee, spanc, client, then
   installation, then document, then delete), in batches. A line whose
   hash the portal's row holds (``sync_hash``: the same line was applied
   and nothing moved the row since) is unchanged and not even parsed again;
   the others are checked against the JSON Schema and the rules of
   ``validation.check_line`` (else quarantined), then written without model
   instances (``RowWriter``: COPY and INSERT ... ON CONFLICT on PostgreSQL).
   Each batch is one
   transaction that also adds its counts to the ImportRun and moves its
   ``steps_done`` on, so a run killed in the middle resumes after the last
   committed batch and ends with the same rows and counts as a clean run;
   files are written to the storage (under a name derived from the record
   and the file's sha256) before the rows that reference them;
3. is marked imported (ImportedExport, unique sequence) in the transaction
   that ends the run: it is never imported again.
"""

import datetime
import hashlib
import logging
import posixpath
import tempfile
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial

from django.core.files import File
from django.db import IntegrityError, connection, transaction
from django.db.models import F, ProtectedError
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ..records.names import folder_columns
from ..uploads import KINDS, safe_filename, sniff
from .sources import BadFilePath, ExportError, open_source
from .staging import PHASES, REJECTS, Staging, decode_raw
from .validation import Rejected, check_line

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 5000
LOCK_KEY = 0x41515053594E43  # "AQPSYNC": the advisory lock of the importer
ACCEPTED_FILE_KINDS = ("pdf", "docx")


def _after_batch(run, step):
    """Called after each committed batch (tests inject a crash here)."""


# The portal's columns each record type sets (what "unchanged" compares).
_ADDRESS = ["address_line1", "address_line2", "postcode", "city"]
FIELDS = {
    "franchisee": ["company", "first_name", "last_name", "email", "phone"],
    "spanc": ["code", "name", "email", "phone", *_ADDRESS],
    "client": ["code", "first_name", "last_name", "email", "phone", *_ADDRESS],
    "installation": ["client_id", "franchisee_id", "spanc_id", "reference", "label", "installed_on", "stage",
                     "serial_number", *_ADDRESS, "client_sort_name", "search_words"],
    "document": ["installation_id", "theme_id", "title", "issued_on", "visible_to_client", "visible_to_spanc",
                 "deleted_at", "source", "file", "filename", "content_type", "size", "sha256"],
}
# Values of a synced row that something else than its line can change: a
# client's serial number, links set to NULL when a franchisee, a SPANC or a
# theme is deleted, a document deleted, a file purged. They go into the hash
# with the line, so a row they moved is not taken for unchanged.
GUARDS = {
    "installation": ("client_id", "franchisee_id", "spanc_id", "serial_number"),
    "document": ("installation_id", "theme_id", "file", "deleted_at"),
}


def guard_values(values, guards):
    return tuple(values[name] is None if name == "deleted_at" else values[name] for name in guards)


def line_hash(raw, guarded=()):
    """``sync_hash`` of a row written from the line ``raw`` (bytes) whose
    guard columns hold ``guarded`` (see ``guard_values``)."""
    digest = hashlib.blake2b(raw, digest_size=16)
    if guarded:
        digest.update(b"\0" + repr(guarded).encode())
    return digest.hexdigest()


# --------------------------------------------------------------------------- lock


@contextmanager
def import_lock():
    """True if this process holds the importer lock. Session-level advisory
    lock: it spans the many transactions of an import and is released by
    PostgreSQL if the worker dies."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
        got = cursor.fetchone()[0]
    try:
        yield got
    finally:
        if got:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
            except Exception:  # connection broken: PostgreSQL released it already
                logger.warning("Could not release the import lock explicitly", exc_info=True)


# --------------------------------------------------------------------------- entry points


@dataclass
class SyncResult:
    busy: bool = False
    runs: list = field(default_factory=list)

    @property
    def failed(self):
        return [run for run in self.runs if run.state == run.State.FAILED]


def import_source(spec, *, batch_size=None):
    """Import every not-yet-imported export of SOURCE, in sequence order.

    Stops at the first export that fails (later ones wait: order matters).
    Returns a SyncResult; ``busy`` when another importer holds the lock."""
    from .models import ImportedExport

    source = open_source(spec)
    result = SyncResult()
    with import_lock() as got:
        if not got:
            logger.info("Another importer is running; %s left to it", spec)
            result.busy = True
            return result
        exports = source.exports()
        done = set(
            ImportedExport.objects.filter(sequence__in=[export.sequence for export in exports])
            .values_list("sequence", flat=True)
        )
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
    from .models import ImportedExport, ImportRun

    run = ImportRun.objects.filter(sequence=export.sequence).exclude(state=ImportRun.State.SUCCEEDED).order_by("-pk").first()
    if run is None:
        from ..conf import app_settings

        run = ImportRun.objects.create(
            sequence=export.sequence, source=export.location[:500],
            batch_size=batch_size or app_settings.SYNC_BATCH_SIZE or DEFAULT_BATCH_SIZE,
        )
    else:
        # Resumed: same batches as before, whatever batch size is asked now.
        logger.info("Resuming import run %s of export #%s after %s batches", run.pk, run.sequence, run.steps_done)
        ImportRun.objects.filter(pk=run.pk).update(state=ImportRun.State.RUNNING, error="", finished_at=None)
        run.refresh_from_db()
    size = run.batch_size or DEFAULT_BATCH_SIZE
    try:
        with Staging() as staging:
            staging.load(export.lines())
            applier = Applier(run, export)
            step = 0
            for phase in (REJECTS, *PHASES):
                batches = -(-staging.count(phase) // size)
                if step + batches <= run.steps_done:
                    step += batches
                    continue
                skip = max(0, run.steps_done - step)
                step += skip
                for rows in staging.batches(phase, size, skip=skip):
                    with transaction.atomic():
                        counts = applier.apply(phase, rows)
                        ImportRun.objects.filter(pk=run.pk).update(
                            steps_done=F("steps_done") + 1,
                            created_count=F("created_count") + counts["created"],
                            updated_count=F("updated_count") + counts["updated"],
                            unchanged_count=F("unchanged_count") + counts["unchanged"],
                            deleted_count=F("deleted_count") + counts["deleted"],
                            quarantined_count=F("quarantined_count") + counts["quarantined"],
                            files_copied=F("files_copied") + counts["files"],
                        )
                    step += 1
                    _after_batch(run, step)
        with transaction.atomic():
            ImportedExport.objects.create(sequence=run.sequence, run=run)
            ImportRun.objects.filter(pk=run.pk).update(state=ImportRun.State.SUCCEEDED, finished_at=timezone.now())
    except Exception as error:  # the run fails; the next one resumes it
        logger.exception("Import of export #%s failed", export.sequence)
        message = str(error) if isinstance(error, ExportError) else f"{type(error).__name__}: {error}"
        ImportRun.objects.filter(pk=run.pk).update(
            state=ImportRun.State.FAILED, error=message[:5000], finished_at=timezone.now()
        )
    run.refresh_from_db()
    return run


# --------------------------------------------------------------------------- applying batches


def _text(value):
    return "" if value is None else str(value)


def _address(record):
    address = record.get("address") or {}
    return {
        "address_line1": _text(address.get("line1")),
        "address_line2": _text(address.get("line2")),
        "postcode": _text(address.get("postcode")),
        "city": _text(address.get("city")),
    }


def _date(value):
    if isinstance(value, datetime.date) or not value:  # check_line parsed it
        return value or None
    return datetime.date.fromisoformat(value)


def _max_lengths(model):
    return {
        f.attname: f.max_length
        for f in model._meta.concrete_fields
        if getattr(f, "max_length", None) and f.get_internal_type() in ("CharField", "EmailField", "SlugField")
    }


def _by_external_id(model, ids, columns):
    """Rows (tuples of ``columns``) of ``model`` whose external_id is in ``ids``.
    On PostgreSQL one array parameter: thousands of ``IN (%s, ...)``
    placeholders cost more to bind than the query takes."""
    if not ids:
        return []
    if connection.vendor == "postgresql":
        import psycopg

        qn = connection.ops.quote_name
        connection.ensure_connection()
        # A server-side bound, binary cursor on Django's connection (same
        # transaction): Django's client-side binding would spell the whole
        # array into the SQL text, which costs more than the query.
        with psycopg.Cursor(connection.connection) as cursor:
            # Through the unique index: without statistics (a table just filled
            # by an import) the planner scans the whole table for each batch.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(
                f"SELECT {', '.join(qn(c) for c in columns)} FROM {qn(model._meta.db_table)} "
                f"WHERE {qn('external_id')} = ANY(%s)", [list(ids)], binary=True,
            )
            rows = cursor.fetchall()
            cursor.execute("SET LOCAL enable_seqscan TO DEFAULT")
            return rows
    return list(model.objects.filter(external_id__in=ids).values_list(*columns))


class RowWriter:
    """Inserts or updates rows of one synced table by ``external_id``
    without model instances: on PostgreSQL, COPY into a temporary table then
    one INSERT ... ON CONFLICT DO UPDATE; elsewhere the same upsert with
    executemany. Rows are dicts of column values; the columns they lack
    get their field's default (timestamps: now)."""

    def __init__(self, model, fields):
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        names = {f.attname for f in self.fields}
        updated = [*fields, "synced_at", "sync_hash"] + (["updated_at"] if "updated_at" in names else [])
        qn = connection.ops.quote_name
        self.table = model._meta.db_table
        self.temp = f"aqp_sync_{self.table}"
        self.columns = ", ".join(qn(f.column) for f in self.fields)
        column_of = {f.attname: f.column for f in self.fields}
        self.on_conflict = f"ON CONFLICT ({qn(column_of['external_id'])}) DO UPDATE SET " + ", ".join(
            f"{qn(column_of[name])} = EXCLUDED.{qn(column_of[name])}" for name in updated
        )

    def _defaults(self):
        now = timezone.now()
        return {
            f.attname: now if f.attname in ("synced_at", "updated_at") or getattr(f, "auto_now", False)
            else f.get_default()
            for f in self.fields
        }

    def set_hashes(self, pairs):
        """Store new hashes [(external_id, sync_hash)] of unchanged rows."""
        qn = connection.ops.quote_name
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                import psycopg

                with psycopg.Cursor(connection.connection) as raw:
                    raw.execute(
                        f"UPDATE {qn(self.table)} AS t SET {qn('sync_hash')} = v.h "
                        f"FROM unnest(%s::text[], %s::text[]) AS v(id, h) WHERE t.{qn('external_id')} = v.id",
                        [[rid for rid, _h in pairs], [h for _rid, h in pairs]],
                    )
            else:
                cursor.executemany(
                    f"UPDATE {qn(self.table)} SET {qn('sync_hash')} = %s WHERE {qn('external_id')} = %s",
                    [(h, rid) for rid, h in pairs],
                )

    def write(self, rows):
        defaults = self._defaults()
        names = [f.attname for f in self.fields]
        qn = connection.ops.quote_name
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"CREATE TEMP TABLE IF NOT EXISTS {qn(self.temp)} ON COMMIT DELETE ROWS AS "
                    f"SELECT {self.columns} FROM {qn(self.table)} WITH NO DATA"
                )
                cursor.execute(f"DELETE FROM {qn(self.temp)}")
                with cursor.cursor.copy(f"COPY {qn(self.temp)} ({self.columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row([row[name] if name in row else defaults[name] for name in names])
                cursor.execute(
                    f"INSERT INTO {qn(self.table)} ({self.columns}) SELECT {self.columns} FROM {qn(self.temp)} "
                    + self.on_conflict
                )
            else:
                prepared = [
                    tuple(f.get_db_prep_save(row[f.attname] if f.attname in row else defaults[f.attname], connection)
                          for f in self.fields)
                    for row in rows
                ]
                placeholders = ", ".join(["%s"] * len(self.fields))
                cursor.executemany(
                    f"INSERT INTO {qn(self.table)} ({self.columns}) VALUES ({placeholders}) {self.on_conflict}", prepared
                )


class Quarantine(Exception):
    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Item:
    """One staged record in a batch."""

    line: int
    raw: bytes
    record: dict

    @property
    def rid(self):
        return self.record["id"]


class Applier:
    def __init__(self, run, export):
        from ..models import Client, Franchisee, Installation, PortalDocument, Spanc

        self.run, self.export = run, export
        self.models = {
            "franchisee": Franchisee, "spanc": Spanc, "client": Client,
            "installation": Installation, "document": PortalDocument,
        }
        self.lengths = {name: _max_lengths(model) for name, model in self.models.items()}
        self.existing = {}
        self.writers = {name: RowWriter(model, FIELDS[name]) for name, model in self.models.items()}
        from .models import QuarantinedRecord

        # Records quarantined by earlier runs, which records of this run may
        # resolve; none (the usual case): no look-up per batch.
        self.earlier_quarantines = (
            QuarantinedRecord.objects.filter(resolved_at__isnull=True).exclude(run=run).exists()
        )

    # -- entry

    def apply(self, phase, rows):
        self.counts = dict(created=0, updated=0, unchanged=0, deleted=0, quarantined=0, files=0)
        self.quarantined = []
        self.ok = defaultdict(list)  # record type -> ids applied (resolve earlier quarantines)
        if phase == REJECTS:
            self._rejects(rows)
        else:
            if phase in FIELDS:
                rows = self._skip_unchanged(phase, rows)
            items = self._checked(rows)
            if items:
                getattr(self, f"_apply_{phase}")(items)
        self._finish_batch()
        return self.counts

    def _checked(self, rows):
        """Items of the lines that pass every rule; the others are quarantined."""
        from .models import QuarantinedRecord

        items = []
        for line, _rid, raw in rows:
            try:
                items.append(Item(line, raw, check_line(raw)))
            except Rejected as rejected:
                self.quarantined.append(QuarantinedRecord(
                    run=self.run, line_number=line, record_type=rejected.record_type,
                    record_id=rejected.record_id[:200], reason=rejected.reason, raw_line=decode_raw(raw),
                ))
        return items

    def _skip_unchanged(self, record_type, rows):
        """Count as unchanged, without parsing them, the lines whose hash the
        portal's row holds (the same line was applied and nothing moved the
        row since); return the other rows. The current values of the rows
        that exist and changed are fetched for the rest of the batch
        (``self.existing``)."""
        model = self.models[record_type]
        guards = GUARDS.get(record_type, ())
        found = {row[0]: row for row in _by_external_id(model, [row[1] for row in rows],
                                                        ["external_id", "sync_hash", *guards])}
        deleted_at = guards.index("deleted_at") if "deleted_at" in guards else None
        kept, changed, skipped = [], [], self.ok[record_type]
        for row in rows:
            current = found.get(row[1])
            if current is None:
                kept.append(row)
                continue
            guarded = current[2:]
            if deleted_at is not None:  # as guard_values gives it
                guarded = (*guarded[:deleted_at], guarded[deleted_at] is None, *guarded[deleted_at + 1:])
            if current[1] and current[1] == line_hash(row[2], guarded):
                skipped.append(row[1])
            else:
                kept.append(row)
                changed.append(row[1])
        self.counts["unchanged"] += len(rows) - len(kept)
        names = ["pk", "external_id", "sync_hash", *FIELDS[record_type]]
        self.existing = {
            row[1]: dict(zip(names, row))
            for row in _by_external_id(model, changed, [model._meta.pk.column, *names[1:]])
        }
        return kept

    def _quarantine(self, item, reason, record_type=None):
        from .models import QuarantinedRecord

        record = item.record
        self.quarantined.append(QuarantinedRecord(
            run=self.run, line_number=item.line, record_type=record_type or record.get("type", ""),
            record_id=_text(record.get("id"))[:200], reason=reason, raw_line=decode_raw(item.raw),
        ))

    def _rejects(self, rows):
        from .models import QuarantinedRecord

        for line, rtype, rid, reason, raw in rows:
            self.quarantined.append(QuarantinedRecord(
                run=self.run, line_number=line, record_type=rtype or "", record_id=rid or "", reason=reason, raw_line=raw,
            ))

    def _finish_batch(self):
        from .models import QuarantinedRecord

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

    # -- the generic upsert

    def _too_long(self, record_type, values):
        for name, limit in self.lengths[record_type].items():
            value = values.get(name)
            if isinstance(value, str) and len(value) > limit:
                return _("Field “%(field)s” is longer than %(limit)s characters.") % {"field": name, "limit": limit}
        return None

    def _upsert(self, record_type, prepared, existing, fields):
        """``prepared``: [(item, values)], ``existing``: external_id -> dict of
        current values (with "pk" and "sync_hash"). Creates, updates only what
        differs, counts; an unchanged row whose hash is stale gets the new one."""
        guards = GUARDS.get(record_type, ())
        creates, updates, rehash = [], [], []
        for item, values in prepared:
            reason = self._too_long(record_type, values)
            if reason:
                self._quarantine(item, reason)
                continue
            row = {**values, "external_id": item.rid, "sync_hash": line_hash(item.raw, guard_values(values, guards))}
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
        self._write(record_type, creates, "created", writer.write)
        self._write(record_type, updates, "updated", writer.write)
        if rehash:
            writer.set_hashes([(row["external_id"], row["sync_hash"]) for row in rehash])

    def _write(self, record_type, pairs, counter, write):
        if not pairs:
            return
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
                        write([row])
                    written.append((item, row))
                except IntegrityError as error:
                    self._quarantine(item, _("The record conflicts with another record in the portal (%(error)s).")
                                     % {"error": str(error).splitlines()[0][:300]})
        self.counts[counter] += len(written)
        self.ok[record_type].extend(item.rid for item, _row in written)
        return written

    def _existing(self, record_type, ids, fields):
        # Fetched by _skip_unchanged for the whole batch.
        return self.existing

    def _unique_codes(self, record_type, items):
        """Set aside records whose ``code`` another record already has."""
        model = self.models[record_type]
        codes = {}
        kept = []
        for item in items:
            code = item.record["code"]
            if code in codes:
                self._quarantine(item, _("The code “%(code)s” is also used by “%(other)s” in this export.")
                                 % {"code": code, "other": codes[code]})
                continue
            codes[code] = item.rid
            kept.append(item)
        taken = dict(
            model.objects.filter(code__in=list(codes)).exclude(external_id__in=list(codes.values()))
            .values_list("code", "external_id")
        )
        result = []
        for item in kept:
            other = taken.get(item.record["code"])
            if other is not None and other != item.rid:
                self._quarantine(item, _("The code “%(code)s” already belongs to “%(other)s”.")
                                 % {"code": item.record["code"], "other": other})
                continue
            result.append(item)
        return result

    # -- per type

    def _apply_franchisee(self, items):
        fields = ["company", "first_name", "last_name", "email", "phone"]
        prepared = [(item, {
            "company": _text(item.record["company"]),
            "first_name": _text(item.record.get("first_name")),
            "last_name": _text(item.record.get("last_name")),
            "email": _text(item.record.get("email")).strip().lower(),
            "phone": _text(item.record.get("phone")),
        }) for item in items]
        self._upsert("franchisee", prepared, self._existing("franchisee", [i.rid for i in items], fields), fields)

    def _people(self, record_type, items, build):
        items = self._unique_codes(record_type, items)
        prepared = [(item, build(item.record)) for item in items]
        fields = list(prepared[0][1]) if prepared else []
        existing = self._existing(record_type, [item.rid for item in items], fields)
        self._upsert(record_type, prepared, existing, fields)
        written = set(self.ok[record_type])
        changes = [
            (current["pk"], current["email"], values["email"])
            for item, values in prepared
            if (current := existing.get(item.rid)) is not None and current["email"] != values["email"]
            and item.rid in written
        ]
        if changes:
            transaction.on_commit(partial(_send_email_changed, self.models[record_type], changes))
        if record_type == "client":
            renamed = [
                current["pk"] for item, values in prepared
                if (current := existing.get(item.rid)) is not None and item.rid in written
                and (current["last_name"], current["first_name"]) != (values["last_name"], values["first_name"])
            ]
            if renamed:
                from ..records.models import refresh_folder_columns

                refresh_folder_columns(renamed)

    def _apply_spanc(self, items):
        self._people("spanc", items, lambda r: {
            "code": r["code"], "name": r["name"], "email": r["email"].strip().lower(),
            "phone": _text(r.get("phone")), **_address(r),
        })

    def _apply_client(self, items):
        self._people("client", items, lambda r: {
            "code": r["code"], "first_name": _text(r.get("first_name")), "last_name": r["last_name"],
            "email": r["email"].strip().lower(), "phone": _text(r.get("phone")), **_address(r),
        })

    def _refs(self, record_type, ids):
        ids = [i for i in set(ids) if i]
        if not ids:
            return {}
        model = self.models[record_type]
        return dict(_by_external_id(model, ids, ["external_id", model._meta.pk.column]))

    def _unknown(self, item, kind, rid):
        self._quarantine(item, _("Unknown %(kind)s “%(id)s”: no such record in the portal or in this export.")
                         % {"kind": kind, "id": rid})

    def _apply_installation(self, items):
        fields = FIELDS["installation"]
        client_ids = list({i.record["client"] for i in items})
        clients = {
            rid: (pk, last_name, first_name) for rid, pk, last_name, first_name
            in _by_external_id(self.models["client"], client_ids, ["external_id", "id", "last_name", "first_name"])
        }
        franchisees = self._refs("franchisee", [i.record.get("franchisee") for i in items])
        spancs = self._refs("spanc", [i.record.get("spanc") for i in items])
        existing = self._existing("installation", [i.rid for i in items], fields)
        prepared = []
        for item in items:
            r = item.record
            if r["client"] not in clients:
                self._unknown(item, _("client"), r["client"])
                continue
            if r.get("franchisee") and r["franchisee"] not in franchisees:
                self._unknown(item, _("franchisee"), r["franchisee"])
                continue
            if r.get("spanc") and r["spanc"] not in spancs:
                self._unknown(item, _("SPANC"), r["spanc"])
                continue
            current = existing.get(item.rid) or {}
            client_pk, last_name, first_name = clients[r["client"]]
            address = _address(r)
            prepared.append((item, {
                "client_id": client_pk,
                "franchisee_id": franchisees.get(r.get("franchisee")),
                "spanc_id": spancs.get(r.get("spanc")),
                "reference": r["reference"],
                "label": _text(r.get("label")),
                "installed_on": _date(r.get("installed_on")),
                # Absent: keep what the portal has (the stage, or a serial number a client typed).
                "stage": r.get("stage") or current.get("stage") or "study",
                "serial_number": r.get("serial_number") or current.get("serial_number") or "",
                **address,
                **folder_columns(last_name, first_name, address["city"], address["postcode"], r["reference"]),
            }))
        self._upsert("installation", prepared, existing, fields)

    def _themes(self, slugs):
        from ..models import DocumentTheme

        slugs = {s for s in slugs if s}
        themes = dict(DocumentTheme.objects.filter(slug__in=slugs).values_list("slug", "pk"))
        for slug in slugs - set(themes):
            # An unknown slug: a theme an editor can rename and place.
            name = slug.replace("-", " ").replace("_", " ").strip().capitalize() or slug
            theme, _created = DocumentTheme.objects.get_or_create(slug=slug, defaults={"name": name[:120]})
            themes[slug] = theme.pk
        return themes

    def _apply_document(self, items):
        from ..records.models import DocumentSource

        fields = ["installation_id", "theme_id", "title", "issued_on", "visible_to_client", "visible_to_spanc",
                  "deleted_at", "source", "file", "filename", "content_type", "size", "sha256"]
        installations = self._refs("installation", [i.record["installation"] for i in items])
        for item in items:
            theme = item.record.get("theme")
            item.record["theme"] = slugify(theme)[:80] if theme else None
        themes = self._themes(i.record["theme"] for i in items)
        existing = self._existing("document", [i.rid for i in items], fields)
        prepared, replaced_files = [], []
        for item in items:
            r = item.record
            if r["installation"] not in installations:
                self._unknown(item, _("installation"), r["installation"])
                continue
            current = existing.get(item.rid)
            try:
                file_values = self._file_values(item, current)
            except Quarantine as quarantine:
                self._quarantine(item, quarantine.reason)
                continue
            visible_to = r.get("visible_to", ["client"])
            values = {
                "installation_id": installations[r["installation"]],
                "theme_id": themes.get(r["theme"]),
                "title": r["title"],
                "issued_on": _date(r.get("issued_on")),
                "visible_to_client": "client" in visible_to,
                "visible_to_spanc": "spanc" in visible_to,
                "deleted_at": None,
                "source": DocumentSource.SYNC,
                **file_values,
            }
            prepared.append((item, values))
            if current and current["file"] and current["file"] != values["file"]:
                replaced_files.append(current["file"])
        self._upsert("document", prepared, existing, fields)
        if replaced_files:
            transaction.on_commit(partial(_delete_files, replaced_files))

    def _file_values(self, item, current):
        r = item.record
        if not r.get("file"):
            return {"file": "", "filename": "", "content_type": "", "size": 0, "sha256": ""}
        if current and current["file"] and current["sha256"] == r["sha256"]:
            # Same bytes as last time: nothing to copy.
            return {name: current[name] for name in ("file", "filename", "content_type", "size", "sha256")}
        name, kind, size = self._copy_file(r)
        return {
            "file": name,
            "filename": safe_filename(r["title"], kind),
            "content_type": KINDS[kind][0],
            "size": size,
            "sha256": r["sha256"],
        }

    def _copy_file(self, r):
        """Check and copy one file into the private storage; returns (name, kind, size)."""
        from ..storage import private_storage

        path = r["file"]
        try:
            source = self.export.open_file(path)
        except (FileNotFoundError, BadFilePath):
            raise Quarantine(_("The file “%(path)s” is missing from the export.") % {"path": path})
        digest, size = hashlib.sha256(), 0
        with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
            try:
                for chunk in iter(lambda: source.read(1024 * 1024), b""):
                    digest.update(chunk)
                    size += len(chunk)
                    spool.write(chunk)
            finally:
                source.close()
            actual = digest.hexdigest()
            if actual != r["sha256"]:
                raise Quarantine(
                    _("The file “%(path)s” does not match its sha256 (expected %(expected)s, found %(actual)s): "
                      "it may be damaged or incomplete.") % {"path": path, "expected": r["sha256"], "actual": actual}
                )
            spool.seek(0)
            kind = sniff(spool.read(8192))
            if kind not in ACCEPTED_FILE_KINDS:
                raise Quarantine(_("The file “%(path)s” is not a PDF or a Word (DOCX) document (checked by its content).")
                                 % {"path": path})
            # The name depends on the record and the bytes only: a rerun after a
            # crash finds the file it had written instead of writing another.
            key = hashlib.sha256(f"{r['id']}\0{actual}".encode()).hexdigest()[:32]
            name = f"documents/sync/{key[:2]}/{key}/{safe_filename(posixpath.basename(path), kind)}"
            if not private_storage.exists(name):
                spool.seek(0)
                name = private_storage.save(name, File(spool, name=posixpath.basename(name)))
                self.counts["files"] += 1
        return name, kind, size

    def _apply_delete(self, items):
        from ..models import PortalDocument

        by_kind = defaultdict(list)
        for item in items:
            by_kind[item.record["of"]].append(item)
        now = timezone.now()
        for kind, group in by_kind.items():
            ids = [item.rid for item in group]
            if kind == "document":
                live = set(PortalDocument.objects.filter(external_id__in=ids, deleted_at__isnull=True)
                           .values_list("external_id", flat=True))
                # Gone from the portal at once; the file waits for the retention job.
                PortalDocument.objects.filter(external_id__in=live).update(deleted_at=now)
                self.counts["deleted"] += len(live)
                self.counts["unchanged"] += len(ids) - len(live)
            elif kind in ("franchisee", "spanc"):
                model = self.models[kind]
                found = model.objects.filter(external_id__in=ids)
                count = found.count()
                found.delete()  # installations keep going without the link (SET_NULL)
                self.counts["deleted"] += count
                self.counts["unchanged"] += len(ids) - count
            else:
                for item in group:
                    self._delete_one(kind, item)
                    continue
            self.ok["delete"].extend(ids)

    def _delete_one(self, kind, item):
        model = self.models[kind]
        obj = model.objects.filter(external_id=item.rid).first()
        if obj is None:
            self.counts["unchanged"] += 1
            return
        if kind == "client" and obj.installations.exists():
            self._quarantine(item, _("Client “%(id)s” still has installations: delete them first.") % {"id": item.rid})
            return
        if kind == "installation" and obj.documents.filter(deleted_at__isnull=True).exists():
            self._quarantine(item, _("Installation “%(id)s” still has documents: delete them first.") % {"id": item.rid})
            return
        files = []
        if kind == "installation":
            files = [name for name in obj.documents.exclude(file="").values_list("file", flat=True)]
        try:
            with transaction.atomic():
                obj.delete()
        except ProtectedError:
            self._quarantine(item, _("“%(id)s” is kept: requests sent from the portal refer to it.") % {"id": item.rid})
            return
        if files:
            transaction.on_commit(partial(_delete_files, files))
        self.counts["deleted"] += 1


def _send_email_changed(model, changes):
    from ..records.signals import email_changed

    records = model.objects.in_bulk([pk for pk, _old, _new in changes])
    for pk, old, new in changes:
        if pk in records:
            try:
                email_changed.send(sender=model, record=records[pk], old_email=old, new_email=new)
            except Exception:
                logger.exception("A receiver of email_changed failed for %s %s", model.__name__, pk)


def _delete_files(names):
    from ..storage import private_storage

    for name in names:
        try:
            private_storage.delete(name)
        except Exception:
            logger.warning("Could not delete replaced file %s", name, exc_info=True)


# --------------------------------------------------------------------------- retention


def purge_deleted_files(days=None):
    """Remove the files of documents deleted more than ``days`` ago
    (AQUATIRIS_PORTAL_DOCUMENT_RETENTION_DAYS); the rows stay, without file."""
    from ..conf import app_settings
    from ..models import PortalDocument
    from ..storage import private_storage

    days = app_settings.DOCUMENT_RETENTION_DAYS if days is None else days
    cutoff = timezone.now() - datetime.timedelta(days=days)
    purged = 0
    for pk, name in (PortalDocument.objects.filter(deleted_at__lt=cutoff).exclude(file="")
                     .values_list("pk", "file").iterator()):
        # The row first: if deleting the file fails, a file without a row is harmless.
        PortalDocument.objects.filter(pk=pk).update(file="")
        try:
            private_storage.delete(name)
        except Exception:
            logger.warning("Could not delete the file %s of deleted document %s", name, pk, exc_info=True)
        purged += 1
    return purged
