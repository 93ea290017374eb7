"""Import of exports: quarantine, idempotence, crash safety."""

import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import translation

from aquatiris_portal.models import Client, DocumentTheme, Franchisee, Installation, PortalDocument, Spanc
from aquatiris_portal.records.signals import email_changed
from aquatiris_portal.storage import private_storage
from aquatiris_portal.sync import lock, runs
from aquatiris_portal.sync.importer import import_source
from aquatiris_portal.sync.models import ImportedExport, ImportRun, QuarantinedRecord
from aquatiris_portal.sync.retention import purge_deleted_files
from aquatiris_portal.sync.validation import check_line, schema, validator_for
from tests.exports import BAD_REASONS, EXPECTED, sample_export, sample_records, write_export

pytestmark = pytest.mark.django_db


def files_on_storage():
    root = private_storage.path("")
    import os

    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _dirs, fs in os.walk(root) for f in fs)


def snapshot():
    """The end state that matters: every synced row, its values and file."""
    return {
        "franchisees": sorted(Franchisee.objects.values_list("external_id", "company", "email")),
        "spancs": sorted(Spanc.objects.values_list("external_id", "code", "email", "city")),
        "clients": sorted(Client.objects.values_list("external_id", "code", "email", "last_name", "city")),
        "installations": sorted(
            Installation.objects.values_list(
                "external_id",
                "client__external_id",
                "franchisee__external_id",
                "spanc__external_id",
                "reference",
                "installed_on",
                "stage",
            )
        ),
        "documents": sorted(
            (*row[:-1], row[-1] is None)
            for row in PortalDocument.objects.values_list(
                "external_id",
                "installation__external_id",
                "theme__slug",
                "title",
                "file",
                "sha256",
                "content_type",
                "visible_to_client",
                "visible_to_spanc",
                "deleted_at",
            )
        ),
        "quarantined": sorted(QuarantinedRecord.objects.values_list("line_number", "record_id", "reason")),
        "files": files_on_storage(),
    }


def test_schema_ships_with_the_package_and_validates_the_design_example():
    assert schema()["$defs"]["document"]["required"] == ["id", "installation", "title"]
    line = (
        '{"type":"document","id":"D-900001","installation":"I-5001","theme":"etude-de-sol","title":"Étude de sol",'
        '"file":"files/D-900001.pdf","sha256":"' + "a" * 64 + '","issued_on":"2019-02-01",'
        '"visible_to":["client","spanc"],"a_field_from_the_future":1}'
    )
    assert check_line(line)["id"] == "D-900001"
    assert list(validator_for("delete").iter_errors({"type": "delete", "of": "document"}))


def test_sample_export_imports_good_records_and_quarantines_each_bad_one(tmp_path):
    sample_export(tmp_path / "exports", 1)

    # BAD_REASONS holds words of the English msgids: import in English here
    # (reasons are stored in the active language, French in production).
    with translation.override("en"):
        result = import_source(tmp_path / "exports")

    [run] = result.runs
    assert run.state == ImportRun.State.SUCCEEDED
    assert run.counts == EXPECTED
    assert run.duration is not None
    assert ImportedExport.objects.filter(sequence=1, run=run).exists()
    # Good records are in, emails lower-cased, unknown fields ignored.
    assert Client.objects.get(external_id="C-1").email == "anne.durand@example.org"
    assert Spanc.objects.get(external_id="S-1").email == "spanc@example.org"
    assert Franchisee.objects.get(external_id="F-1").email == "luc.martin@example.org"
    i1 = Installation.objects.get(external_id="I-1")
    assert (i1.client.external_id, i1.franchisee.external_id, i1.spanc.external_id) == ("C-1", "F-1", "S-1")
    assert str(i1.installed_on) == "2019-05-14"
    assert Installation.objects.get(external_id="I-2").spanc is None
    # Documents: files on the private storage, checked by content.
    d1 = PortalDocument.objects.get(external_id="D-1")
    assert d1.content_type == "application/pdf" and d1.visible_to_client and d1.visible_to_spanc
    with private_storage.open(d1.file.name) as handle:
        assert handle.read().startswith(b"%PDF-")
    d2 = PortalDocument.objects.get(external_id="D-2")
    assert d2.content_type.endswith("wordprocessingml.document") and d2.filename.endswith(".docx")
    assert not PortalDocument.objects.get(external_id="D-3").visible_to_client
    assert not PortalDocument.objects.get(external_id="D-4").file
    # Unknown theme slugs become themes an editor can rename.
    assert DocumentTheme.objects.get(slug="contrats-speciaux").name == "Contrats speciaux"
    # A document deleted further down the same export never appears.
    assert not PortalDocument.objects.filter(external_id="D-5").exists()
    assert len(files_on_storage()) == 3
    # Each bad record is quarantined once, with a reason a person can read.
    quarantined = {q.record_id: q for q in QuarantinedRecord.objects.filter(run=run)}
    assert set(quarantined) == set(BAD_REASONS)
    for record_id, word in BAD_REASONS.items():
        assert word.lower() in quarantined[record_id].reason.lower(), (record_id, quarantined[record_id].reason)
        assert quarantined[record_id].line_number > 12 and quarantined[record_id].raw_line
    assert quarantined["X-1"].record_type == "invoice"
    for bad_id in ("C-NONAME", "I-ORPHAN", "D-BADSHA", "D-NOFILE", "D-HTML", "I-BADDATE", "C-BADMAIL"):
        for model in (Client, Installation, PortalDocument):
            assert not model.objects.filter(external_id=bad_id).exists()


def test_reimport_changes_nothing_and_copies_no_file(tmp_path, monkeypatch):
    lines, files = sample_records(bad=True)
    write_export(tmp_path / "exports", 1, lines, files)
    import_source(tmp_path / "exports")
    before = snapshot()
    # The same export again: skipped, it was imported.
    assert import_source(tmp_path / "exports").runs == []
    # The same records as a new export: all unchanged, no file read.
    write_export(tmp_path / "exports", 2, lines, files)
    copies = []
    monkeypatch.setattr(private_storage, "save", lambda *a, **k: copies.append(a))
    [run] = import_source(tmp_path / "exports").runs
    assert run.state == ImportRun.State.SUCCEEDED
    assert (run.created_count, run.updated_count, run.deleted_count, run.files_copied) == (0, 0, 0, 0)
    assert run.unchanged_count == EXPECTED["created"] + EXPECTED["unchanged"]
    assert copies == []
    after = snapshot()
    # The bad records are still bad: quarantined again by the new run, nothing else moved.
    after["quarantined"] = sorted(
        QuarantinedRecord.objects.exclude(run=run).values_list("line_number", "record_id", "reason")
    )
    assert run.quarantined_count == EXPECTED["quarantined"]
    assert after == before


def test_fixed_record_in_a_later_export_goes_in_and_resolves_its_quarantine(tmp_path):
    sample_export(tmp_path / "exports", 1)
    import_source(tmp_path / "exports")
    assert not Client.objects.filter(external_id="C-BADMAIL").exists()
    write_export(
        tmp_path / "exports",
        2,
        [
            {
                "type": "client",
                "id": "C-BADMAIL",
                "code": "CLI-BADMAIL",
                "last_name": "Mail",
                "email": "Fixed@Example.org",
            },
            {"type": "installation", "id": "I-ORPHAN", "client": "C-BADMAIL", "reference": "AQ-X"},
        ],
    )
    [run] = import_source(tmp_path / "exports").runs
    assert run.created_count == 2 and run.quarantined_count == 0
    assert Client.objects.get(external_id="C-BADMAIL").email == "fixed@example.org"
    resolved = QuarantinedRecord.objects.filter(record_id__in=["C-BADMAIL", "I-ORPHAN"])
    assert resolved.count() == 2
    assert all(q.resolved_by_id == run.pk and q.resolved_at for q in resolved)
    assert QuarantinedRecord.objects.filter(resolved_at__isnull=True).count() == EXPECTED["quarantined"] - 2


def test_updates_are_counted_and_email_change_is_signalled_after_commit(tmp_path, django_capture_on_commit_callbacks):
    sample_export(tmp_path / "exports", 1)
    import_source(tmp_path / "exports")
    received = []

    def receiver(sender, record, old_email, new_email, **kwargs):
        received.append((record.external_id, old_email, new_email))

    email_changed.connect(receiver)
    try:
        write_export(
            tmp_path / "exports",
            2,
            [
                {
                    "type": "client",
                    "id": "C-1",
                    "code": "CLI-7H2M9",
                    "first_name": "Anne",
                    "last_name": "Durand",
                    "email": "ANNE@new.example.org",
                    "phone": "06 00 00 00 01",
                    "address": {"line1": "12 rue des Roseaux", "line2": "", "postcode": "35400", "city": "Saint-Malo"},
                },
                {
                    "type": "client",
                    "id": "C-2",
                    "code": "CLI-2",
                    "first_name": "Paul",
                    "last_name": "Le Goff",
                    "email": "paul@example.org",
                    "phone": "",
                    "address": {"line1": "1 rue du Port", "postcode": "29200", "city": "Brest"},
                },
            ],
        )
        with django_capture_on_commit_callbacks(execute=True):
            [run] = import_source(tmp_path / "exports").runs
    finally:
        email_changed.disconnect(receiver)
    assert (run.updated_count, run.unchanged_count) == (1, 1)
    assert received == [("C-1", "anne.durand@example.org", "anne@new.example.org")]


def test_renamed_client_renames_the_pro_space_copy_on_its_installations(tmp_path):
    sample_export(tmp_path / "exports", 1)
    import_source(tmp_path / "exports")
    installation = Installation.objects.filter(client__external_id="C-1").first()
    assert installation.client_sort_name == "DURAND ANNE"
    assert " DURAND ANNE " in installation.search_words
    # Only the client's line changes: the installation's line is the same.
    write_export(
        tmp_path / "exports",
        2,
        [
            {
                "type": "client",
                "id": "C-1",
                "code": "CLI-7H2M9",
                "first_name": "Anne",
                "last_name": "Lefèvre",
                "email": "anne.durand@example.org",
                "phone": "06 00 00 00 01",
                "address": {"line1": "12 rue des Roseaux", "line2": "", "postcode": "35400", "city": "Saint-Malo"},
            },
        ],
    )
    [run] = import_source(tmp_path / "exports").runs
    assert run.updated_count == 1
    installation.refresh_from_db()
    assert installation.client_sort_name == "LEFEVRE ANNE"
    assert " LEFEVRE ANNE " in installation.search_words and "DURAND" not in installation.search_words
    # GUARDS rule: the copied name was written by the portal, so the hash is
    # cleared and the next import re-reads the installation's line.
    assert installation.sync_hash == ""


def test_exports_are_imported_in_sequence_order(tmp_path):
    write_export(
        tmp_path / "exports",
        7,
        [{"type": "client", "id": "C-9", "code": "K9", "last_name": "B", "email": "second@example.org"}],
        name="a-late",
    )
    write_export(
        tmp_path / "exports",
        3,
        [{"type": "client", "id": "C-9", "code": "K9", "last_name": "A", "email": "first@example.org"}],
        name="z-early",
    )
    runs = import_source(tmp_path / "exports").runs
    assert [run.sequence for run in runs] == [3, 7]
    assert Client.objects.get(external_id="C-9").email == "second@example.org"


def test_bad_manifest_fails_the_run_and_the_command_exits_non_zero(tmp_path, capsys):
    folder = write_export(tmp_path / "exports", 1, [])
    (folder / "manifest.json").write_text(json.dumps({"format": "other/9", "sequence": 1}))
    with pytest.raises(SystemExit) as exit_info:
        call_command("portal_sync", str(tmp_path / "exports"))
    assert exit_info.value.code != 0


def test_command_prints_counts_per_export(tmp_path, capsys):
    sample_export(tmp_path / "exports", 4)
    call_command("portal_sync", str(tmp_path / "exports"))
    out = capsys.readouterr().out
    assert "#4" in out and f"created {EXPECTED['created']}" in out and "quarantined 9" in out


class Crash(BaseException):
    """Stands for a worker killed mid-import: nothing catches it."""


@pytest.mark.parametrize("crash_after", [1, 4, 7])
def test_crash_mid_import_then_rerun_gives_the_clean_end_state(tmp_path, monkeypatch, crash_after, settings):
    sample_export(tmp_path / "exports", 1)
    # A clean run in another private root, for comparison.
    settings.AQUATIRIS_PORTAL_PRIVATE_ROOT = str(tmp_path / "clean")
    import_source(tmp_path / "exports", batch_size=2)
    clean = snapshot()
    clean_run = ImportRun.objects.values(
        "created_count", "updated_count", "unchanged_count", "deleted_count", "quarantined_count", "files_copied"
    ).get()
    # Start again from an empty portal.
    for model in (
        QuarantinedRecord,
        ImportedExport,
        ImportRun,
        PortalDocument,
        Installation,
        Client,
        Spanc,
        Franchisee,
        DocumentTheme,
    ):
        model.objects.all().delete()
    settings.AQUATIRIS_PORTAL_PRIVATE_ROOT = str(tmp_path / "crashed")

    def crash(run, step):
        if step == crash_after:
            raise Crash()

    monkeypatch.setattr(runs, "batch_committed", crash)
    with pytest.raises(Crash):
        import_source(tmp_path / "exports", batch_size=2)
    assert ImportRun.objects.get().state == ImportRun.State.RUNNING
    assert not ImportedExport.objects.exists()
    monkeypatch.setattr(runs, "batch_committed", lambda run, step: None)

    [run] = import_source(tmp_path / "exports", batch_size=500).runs

    assert run.state == ImportRun.State.SUCCEEDED and run.batch_size == 2
    assert snapshot() == clean
    assert ImportRun.objects.values(*clean_run).get() == clean_run


def test_retention_removes_files_of_documents_deleted_long_ago(tmp_path):
    sample_export(tmp_path / "exports", 1)
    import_source(tmp_path / "exports")
    write_export(tmp_path / "exports", 2, [{"type": "delete", "of": "document", "id": "D-1"}])
    import_source(tmp_path / "exports")
    d1 = PortalDocument.objects.get(external_id="D-1")
    name = d1.file.name
    # Gone from the portal at once, the file kept for the retention period.
    assert not PortalDocument.objects.live().filter(external_id="D-1").exists()
    assert ImportRun.objects.get(sequence=2).deleted_count == 1
    assert d1.deleted_at and private_storage.exists(name)
    assert purge_deleted_files() == 0  # within the retention period: kept
    assert purge_deleted_files(days=0) == 1
    assert not private_storage.exists(name)
    assert PortalDocument.objects.get(external_id="D-1").file.name == ""


def test_import_lock_is_a_no_op_on_sqlite():
    assert connection.vendor == "sqlite"
    with lock.import_lock() as got:
        assert got


def test_compiled_schema_check_agrees_with_jsonschema():
    """The fast path must never accept what the JSON Schema refuses (nor the reverse)."""
    from aquatiris_portal.sync.validation import fast_check_for

    lines, _files = sample_records(bad=True)
    records = [line for line in lines if isinstance(line, dict)]
    mutations = [None, 1, 1.5, True, "", "x" * 300, [], ["client", "client"], ["other"], {}, {"line1": 3}]
    checked = 0
    for record in records:
        record_type = record["type"]
        if record_type == "invoice":  # no such type: nothing to compare
            continue
        fast, slow = fast_check_for(record_type), validator_for(record_type)
        assert fast is not None
        for key in list(record) + ["address", "visible_to", "of"]:
            for value in mutations:
                variant = {**record, key: value}
                assert fast(variant) == slow.is_valid(variant), (record_type, key, value)
                checked += 1
            variant = {k: v for k, v in record.items() if k != key}
            assert fast(variant) == slow.is_valid(variant), (record_type, "without", key)
    assert checked > 500


def test_each_record_type_builds_exactly_the_columns_of_fields():
    """mapping.FIELDS is the one list of what a type writes (and compares):
    every builder gives exactly those columns, the file's included for documents."""
    from aquatiris_portal.sync import mapping

    lines, _files = sample_records(bad=False)
    lines.append(
        {"type": "visit", "id": "V-1", "installation": "I-1", "kind": "maintenance", "planned_for": "2027-03-04"}
    )
    first = {}
    for line in lines:
        first.setdefault(line["type"], check_line(json.dumps(line)))
    for name, spec in mapping.TYPES.items():
        assert name in first, f"add a sample {name} record to this test"
        refs = {ref.field: (1, "Durand", "Anne") if ref.columns else 1 for ref in spec.references}
        values = spec.build(first[name], refs, None)
        extra = set(mapping.FILE_FIELDS) if spec.has_file else set()
        assert set(values) | extra == set(mapping.FIELDS[name]), name
        assert spec.fields == mapping.FIELDS[name]
