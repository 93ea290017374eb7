"""Re-imports recognise unchanged lines by ``sync_hash``:
an unchanged line is not parsed again, but a row that something else moved
since (a serial number typed by a client, a link cut by a deletion, a
document deleted, a file purged) is not taken for unchanged."""

import datetime

import pytest
from django.utils import timezone

from aquatiris_portal.models import DocumentTheme, Franchisee, Installation, PortalDocument
from aquatiris_portal.storage import private_storage
from aquatiris_portal.sync import importer
from aquatiris_portal.sync.importer import import_source
from aquatiris_portal.sync.models import ImportRun
from aquatiris_portal.sync.retention import purge_deleted_files
from tests.exports import EXPECTED, sample_records, write_export

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(tmp_path):
    """The sample export (good records only) imported; returns a function
    that imports the same lines (plus ``extra``) as the next export."""
    lines, files = sample_records(bad=False)
    exports = tmp_path / "exports"
    sequence = iter(range(1, 100))

    def again(extra=(), replace=None):
        body = [replace.get(line.get("id"), line) if replace and isinstance(line, dict) else line for line in lines]
        write_export(exports, next(sequence), [*body, *extra], files)
        [run] = import_source(exports).runs
        assert run.state == ImportRun.State.SUCCEEDED, run.error
        return run

    first = again()
    assert first.created_count == EXPECTED["created"]
    return again


def parsed_lines(monkeypatch):
    """Record ids of the lines the importer parses and checks."""
    seen = []
    real = importer.check_line

    def spy(raw):
        record = real(raw)
        seen.append(record.get("id"))
        return record

    monkeypatch.setattr(importer, "check_line", spy)
    return seen


def test_unchanged_lines_are_skipped_without_being_parsed(imported, monkeypatch):
    seen = parsed_lines(monkeypatch)
    run = imported()
    assert (run.created_count, run.updated_count, run.unchanged_count) == (0, 0, EXPECTED["created"] + 1)
    assert seen == ["D-5"]  # only the delete is applied as before; every record line was recognised
    # One changed line: only it is parsed, and it is updated.
    seen.clear()
    run = imported(
        replace={
            "C-2": {
                "type": "client",
                "id": "C-2",
                "code": "CLI-2",
                "first_name": "Paul",
                "last_name": "Le Goff-Martin",
                "email": "paul@example.org",
            }
        }
    )
    assert (run.updated_count, run.unchanged_count) == (1, EXPECTED["created"])
    assert "C-2" in seen and "C-1" not in seen


def test_serial_number_typed_by_a_client_is_kept_then_overwritten_by_the_internal_systems(imported):
    Installation.objects.filter(external_id="I-1").update(serial_number="SN-CLIENT")
    run = imported()
    # The line has no serial number: the portal's is kept, nothing counted as written.
    assert Installation.objects.get(external_id="I-1").serial_number == "SN-CLIENT"
    assert (run.created_count, run.updated_count) == (0, 0)
    lines, _files = sample_records(bad=False)
    i1 = {**lines[0], "serial_number": "SN-INTERNAL"}
    Installation.objects.filter(external_id="I-1").update(serial_number="SN-OTHER")
    run = imported(replace={"I-1": i1})
    assert Installation.objects.get(external_id="I-1").serial_number == "SN-INTERNAL"
    assert run.updated_count == 1
    # The same line once more after a client changed it again: the export wins, as without hashes.
    Installation.objects.filter(external_id="I-1").update(serial_number="SN-AGAIN")
    assert imported(replace={"I-1": i1}).updated_count == 1
    assert Installation.objects.get(external_id="I-1").serial_number == "SN-INTERNAL"


def test_link_cut_by_a_deletion_is_restored_when_the_record_comes_back(imported):
    imported(extra=[{"type": "delete", "of": "franchisee", "id": "F-1"}])
    assert not Franchisee.objects.filter(external_id="F-1").exists()
    assert Installation.objects.get(external_id="I-1").franchisee is None
    # The franchisee comes back with the same, unchanged installation lines.
    run = imported()
    assert Installation.objects.get(external_id="I-1").franchisee.external_id == "F-1"
    assert Installation.objects.get(external_id="I-2").franchisee.external_id == "F-1"
    assert (run.created_count, run.updated_count) == (1, 2)


def test_deleted_document_and_deleted_theme_come_back_with_their_unchanged_lines(imported):
    imported(extra=[{"type": "delete", "of": "document", "id": "D-4"}])
    assert PortalDocument.objects.get(external_id="D-4").deleted_at is not None
    DocumentTheme.objects.filter(slug="plans").delete()
    assert PortalDocument.objects.get(external_id="D-3").theme is None
    run = imported()
    assert PortalDocument.objects.get(external_id="D-4").deleted_at is None
    assert PortalDocument.objects.get(external_id="D-3").theme.slug == "plans"
    assert run.updated_count == 2


def test_purged_file_is_copied_again_when_its_unchanged_line_comes_back(imported):
    imported(extra=[{"type": "delete", "of": "document", "id": "D-1"}])
    PortalDocument.objects.filter(external_id="D-1").update(deleted_at=timezone.now() - datetime.timedelta(days=400))
    assert purge_deleted_files(days=30) == 1
    assert not PortalDocument.objects.get(external_id="D-1").file
    run = imported()
    d1 = PortalDocument.objects.get(external_id="D-1")
    assert d1.deleted_at is None and d1.file and private_storage.exists(d1.file.name)
    assert (run.updated_count, run.files_copied) == (1, 1)
