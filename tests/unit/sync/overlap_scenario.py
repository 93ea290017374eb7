"""A sequence of exports that goes through every path of the importer, and
the table contents it leaves: used to hold the import that prepares batches
in a thread ahead (``sync/ahead.py``) to the one that does not.

Export 1: the sample export (every synced type, bad lines of each kind, a
record deleted further down) plus visits and a message for a request the
portal does not know. Export 2: an installation moved to another client (its
seller is mailed), a document retitled, a client renamed, a document deleted,
a bad line, the rest unchanged. Export 3: export 2 again under a new sequence
(every line unchanged: the re-import path, lines never parsed; its counts
hold the hashes to what they must be).
"""

from functools import cache

from django.db.models import ForeignKey

from aquatiris_portal.models import DocumentTheme
from aquatiris_portal.notifications.models import OutgoingMail
from aquatiris_portal.sync.importer import import_source
from aquatiris_portal.sync.mapping import FIELDS, GUARDS, MODELS
from aquatiris_portal.sync.models import ImportedExport, ImportRun, QuarantinedRecord
from tests.exports import sample_records, write_export

RUN_COLUMNS = (
    "sequence",
    "state",
    "error",
    "created_count",
    "updated_count",
    "unchanged_count",
    "deleted_count",
    "quarantined_count",
    "files_copied",
    "steps_done",
)


def _visit(vid, **fields):
    return {
        "type": "visit",
        "id": vid,
        "installation": "I-1",
        "kind": "maintenance",
        "planned_for": "2027-03-04",
        "slot": "morning",
        "visible_to": ["client", "spanc"],
        **fields,
    }


@cache
def exports():
    """[(lines, files)] of the three exports (made once: a DOCX made again a
    second later is other bytes, its zip entries being dated)."""
    lines, files = sample_records(bad=True)
    first = [
        *lines,
        _visit("V-1"),
        _visit("V-2", planned_for=None, done_on="2026-05-02", report_document="D-1", summary="Vidange"),
        _visit("V-BAD", planned_for=None),  # neither date: quarantined
        {
            "type": "message",
            "id": "M-1",
            "request": "DEM-UNKNOWN",
            "author": {"role": "franchisee", "name": "Luc Martin"},
            "body": "Bonjour",
            "sent_at": "2026-12-02T09:00:00Z",
        },
    ]
    by_id = {line.get("id"): line for line in first if isinstance(line, dict)}
    moved = {**by_id["I-1"], "client": "C-2"}
    second = [
        line
        for line in first
        if not isinstance(line, dict) or line.get("id") not in ("I-1", "D-3", "C-3", "D-5", "M-1")
    ]
    second += [
        moved,
        {**by_id["D-3"], "title": "Plan révisé"},
        {**by_id["C-3"], "last_name": "Renommé"},
        {"type": "delete", "of": "document", "id": "D-4"},
        '{"type": "client", "id": "C-TRUNCATED", ',
    ]
    return [(first, files), (second, files), (second, files)]


def run_exports(root, *, overlap, batch_size=2):
    """Write the exports under ``root`` one by one and import each; returns the runs."""
    found = []
    for sequence, (lines, files) in enumerate(exports(), start=1):
        write_export(root / "exports", sequence, lines, files)
        found += import_source(root / "exports", batch_size=batch_size, overlap=overlap).runs
    return found


def _external_ids(model):
    return dict(model.objects.values_list("pk", "external_id"))


def table_contents():
    """Every synced table (the columns the import writes, references by
    external id, not pk), the quarantine, the runs, the mails and themes."""
    contents = {}
    for name, model in MODELS.items():
        references = {}
        for field in model._meta.concrete_fields:
            if isinstance(field, ForeignKey) and field.attname in FIELDS[name]:
                target = field.related_model
                references[field.attname] = (
                    dict(target.objects.values_list("pk", "slug")) if target is DocumentTheme else _external_ids(target)
                )
        rows = []
        for row in model.objects.values("external_id", "sync_hash", *FIELDS[name]):
            for column, names in references.items():
                row[column] = names.get(row[column])
            for column in ("deleted_at", "cancelled_at"):  # when: the clock's
                if column in row:
                    row[column] = row[column] is None
            if row.get("file"):  # under a folder named at random
                row["file"] = row["file"].rsplit("/", 1)[-1]
            if name in GUARDS:  # hashes pks, which PostgreSQL's sequences do not give back
                row["sync_hash"] = bool(row["sync_hash"])
            rows.append(tuple(sorted(row.items())))
        contents[name] = sorted(rows, key=repr)  # (None among dates)
    contents["quarantined"] = sorted(
        QuarantinedRecord.objects.values_list(
            "run__sequence", "line_number", "record_type", "record_id", "reason", "raw_line", "resolved_by__sequence"
        ),
        key=repr,
    )
    contents["runs"] = list(ImportRun.objects.order_by("sequence").values_list(*RUN_COLUMNS))
    contents["imported"] = sorted(ImportedExport.objects.values_list("sequence", flat=True))
    # (The key names pks, which two databases need not share.)
    contents["mails"] = sorted(OutgoingMail.objects.values_list("to", "subject", "body_text"))
    contents["themes"] = sorted(DocumentTheme.objects.values_list("slug", "name"))
    return contents
