"""Hostile exports: an export reads only its own regular
files, bounded in size; every bad line or record is quarantined with a
reason a person can read, and the rest of the export is imported."""

import json
import os

import pytest
from django.utils import translation

from aquatiris_portal.enquiries.models import PortalRequest
from aquatiris_portal.records.models import Client, Franchisee, Installation, PortalDocument
from aquatiris_portal.storage import private_storage
from aquatiris_portal.sync.importer import import_source
from aquatiris_portal.sync.models import ImportRun, QuarantinedRecord
from tests.exports import make_pdf, sample_records, sha256, write_export

pytestmark = pytest.mark.django_db

SECRET = make_pdf("Someone else's file, outside the export")
CLIENT = {"type": "client", "id": "C-OK", "code": "CLI-OK", "last_name": "Bien", "email": "ok@example.org"}


@pytest.fixture
def exports(tmp_path):
    """Writes export ``sequence`` (the sample's good records plus ``extra``),
    imports it in English and returns (run, {record id: reason})."""
    root = tmp_path / "exports"
    base_lines, base_files = sample_records(bad=False)

    def run(extra=(), files=None, sequence=1, base=True, prepare=None):
        folder = write_export(
            root, sequence, [*(base_lines if base else []), *extra], {**(base_files if base else {}), **(files or {})}
        )
        if prepare:
            prepare(folder)
        with translation.override("en"):
            [result] = import_source(root).runs
        assert result.state == ImportRun.State.SUCCEEDED, result.error
        return result, dict(QuarantinedRecord.objects.filter(run=result).values_list("record_id", "reason"))

    return run


def document(rid, path, content=SECRET, **extra):
    return {
        "type": "document",
        "id": rid,
        "installation": "I-1",
        "title": "Pièce",
        "file": path,
        "sha256": sha256(content),
        **extra,
    }


def assert_rest_imported():
    assert Client.objects.filter(external_id__in=["C-1", "C-2"]).count() == 2
    assert PortalDocument.objects.filter(external_id__in=["D-1", "D-2", "D-3"]).exclude(file="").count() == 3


# --------------------------------------------------------------------------- the export's own files only


def test_a_symbolic_link_to_a_file_outside_the_export_is_not_followed(exports, tmp_path):
    outside = tmp_path / "outside.pdf"
    outside.write_bytes(SECRET)

    def link(folder):
        os.symlink(outside, folder / "files" / "D-LINK.pdf")

    run, quarantined = exports([document("D-LINK", "files/D-LINK.pdf")], prepare=link)

    assert "symbolic link" in quarantined["D-LINK"]
    assert not PortalDocument.objects.filter(external_id="D-LINK").exists()
    assert_rest_imported()


def test_a_symbolic_link_to_a_folder_outside_the_export_is_not_followed(exports, tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "x.pdf").write_bytes(SECRET)

    def link(folder):
        os.symlink(tmp_path / "elsewhere", folder / "linked")

    run, quarantined = exports([document("D-DIRLINK", "linked/x.pdf")], prepare=link)

    assert "symbolic link" in quarantined["D-DIRLINK"]
    assert not PortalDocument.objects.filter(external_id="D-DIRLINK").exists()


def test_a_file_that_is_not_a_regular_file_is_not_opened(exports):
    # A FIFO would block the importer forever if it were opened for reading.
    run, quarantined = exports(
        [document("D-FIFO", "files/D-FIFO.pdf")], prepare=lambda folder: os.mkfifo(folder / "files" / "D-FIFO.pdf")
    )

    assert "not a regular file" in quarantined["D-FIFO"]
    assert_rest_imported()


@pytest.mark.parametrize(
    "path, word",
    [
        ("../outside.pdf", "outside the export"),
        ("files/../../outside.pdf", "outside the export"),
        ("ABSOLUTE", "absolute"),
        ("files\\..\\..\\outside.pdf", "backslash"),
        ("files/D-1.pdf\x00.txt", "NUL"),
    ],
)
def test_a_path_leading_out_of_the_export_is_quarantined_with_its_reason(exports, tmp_path, path, word):
    # A real file with the right sha256 sits where the path leads.
    (tmp_path / "exports").mkdir()
    for folder in (tmp_path, tmp_path / "exports"):
        (folder / "outside.pdf").write_bytes(SECRET)
    if path == "ABSOLUTE":
        path = str(tmp_path / "outside.pdf")

    run, quarantined = exports([document("D-EVIL", path)])

    assert word in quarantined["D-EVIL"], quarantined["D-EVIL"]
    assert not PortalDocument.objects.filter(external_id="D-EVIL").exists()
    assert "\x00" not in quarantined["D-EVIL"]
    assert_rest_imported()


# --------------------------------------------------------------------------- sizes


def test_a_file_above_the_size_limit_is_quarantined_and_the_rest_imported(exports, settings):
    big = make_pdf("Big") + b"%" + b"x" * 20_000 + b"\n"
    settings.AQUATIRIS_PORTAL_SYNC_MAX_FILE_BYTES = 10_000

    run, quarantined = exports([document("D-BIG", "files/D-BIG.pdf", big)], files={"files/D-BIG.pdf": big})

    assert "larger than" in quarantined["D-BIG"] and "10000" in quarantined["D-BIG"].replace(",", "")
    assert not PortalDocument.objects.filter(external_id="D-BIG").exists()
    assert_rest_imported()


def test_a_line_of_10_mb_is_quarantined_and_the_rest_imported(exports):
    huge = {**CLIENT, "id": "C-HUGE", "code": "CLI-HUGE", "padding": "x" * (10 * 1024 * 1024)}

    run, quarantined = exports([huge, CLIENT])

    [(rid, reason)] = [(rid, reason) for rid, reason in quarantined.items() if "bytes" in reason]
    assert rid == "C-HUGE" and "longer than" in reason
    assert not Client.objects.filter(external_id="C-HUGE").exists()
    assert Client.objects.filter(external_id="C-OK").exists()
    assert_rest_imported()
    raw = QuarantinedRecord.objects.get(record_id="C-HUGE").raw_line
    assert len(raw) <= 20_000  # what is kept of it is bounded too


def test_the_line_limit_is_a_setting(exports, settings):
    settings.AQUATIRIS_PORTAL_SYNC_MAX_LINE_BYTES = 1000
    long = {**CLIENT, "id": "C-LONG", "code": "CLI-LONG", "padding": "x" * 1000}
    run, quarantined = exports([long, CLIENT], base=False)
    assert "longer than 1000 bytes" in quarantined["C-LONG"].replace(",", "")
    assert Client.objects.filter(external_id="C-OK").exists()


# --------------------------------------------------------------------------- bad bytes


def test_a_line_that_is_not_utf8_is_quarantined_with_that_reason(exports, tmp_path):
    def corrupt(folder):
        with open(folder / "records.jsonl", "ab") as handle:
            handle.write(
                b'{"type": "client", "id": "C-LATIN1", "code": "CLI-L1", "last_name": "Le Bihan \xe9\xff", '
                b'"email": "l1@example.org"}\n'
            )
            handle.write((json.dumps(CLIENT) + "\n").encode())

    run, quarantined = exports(prepare=corrupt)

    [reason] = list(quarantined.values())
    assert "UTF-8" in reason
    assert not Client.objects.filter(code="CLI-L1").exists()
    assert Client.objects.filter(external_id="C-OK").exists()


def test_a_nul_character_in_a_field_is_quarantined(exports):
    # PostgreSQL cannot store NUL in text: written, it would fail the whole export.
    run, quarantined = exports([{**CLIENT, "id": "C-NUL", "code": "CLI-NUL", "last_name": "Nul\u0000"}, CLIENT])
    assert "NUL" in quarantined["C-NUL"]
    assert not Client.objects.filter(external_id="C-NUL").exists()
    assert Client.objects.filter(external_id="C-OK").exists()


def test_an_id_longer_than_the_limit_is_quarantined(exports):
    long_id = "C-" + "9" * 200
    run, quarantined = exports(
        [{**CLIENT, "id": long_id, "code": "CLI-LONGID"}, {"type": "delete", "of": "client", "id": "X" * 65}, CLIENT]
    )
    assert "id" in quarantined[long_id[:200]] and "64" in quarantined[long_id[:200]]
    assert "X" * 65 in quarantined
    assert not Client.objects.filter(code="CLI-LONGID").exists()
    assert Client.objects.filter(external_id="C-OK").exists()


# --------------------------------------------------------------------------- duplicates


def test_the_same_id_twice_in_one_export_the_last_line_wins(exports):
    first = {**CLIENT, "email": "first@example.org"}
    last = {**CLIENT, "email": "last@example.org", "last_name": "Dernier"}

    run, quarantined = exports([last, first, last], base=False)

    client = Client.objects.get(external_id="C-OK")
    assert (client.email, client.last_name) == ("last@example.org", "Dernier")
    assert run.created_count == 1 and quarantined == {}


def test_the_same_id_twice_when_the_last_line_is_bad_neither_is_applied(exports):
    run, quarantined = exports([CLIENT, {**CLIENT, "email": "not-an-email"}], base=False)
    assert "email" in quarantined["C-OK"]
    assert not Client.objects.filter(external_id="C-OK").exists()


# --------------------------------------------------------------------------- deletes


def delete(of, rid):
    return {"type": "delete", "of": of, "id": rid}


def test_deleting_a_client_with_installations_is_refused(exports):
    exports()
    run, quarantined = exports([delete("client", "C-1")], sequence=2, base=False)
    assert "still has installations" in quarantined["C-1"]
    assert Client.objects.filter(external_id="C-1").exists()
    assert run.deleted_count == 0


def test_deleting_an_installation_with_documents_is_refused(exports):
    exports()
    run, quarantined = exports([delete("installation", "I-1")], sequence=2, base=False)
    assert "still has documents" in quarantined["I-1"]
    assert Installation.objects.filter(external_id="I-1").exists()


def test_an_installation_whose_documents_are_deleted_goes_with_their_rows_and_files(
    exports, django_capture_on_commit_callbacks
):
    exports()
    files = list(PortalDocument.objects.filter(installation__external_id="I-1").values_list("file", flat=True))
    assert files and all(private_storage.exists(name) for name in files)
    with django_capture_on_commit_callbacks(execute=True):
        run, quarantined = exports(
            [delete("document", "D-1"), delete("document", "D-2"), delete("installation", "I-1")],
            sequence=2,
            base=False,
        )
    assert quarantined == {} and run.deleted_count == 3
    assert not Installation.objects.filter(external_id="I-1").exists()
    assert not PortalDocument.objects.filter(external_id__in=["D-1", "D-2"]).exists()
    assert not any(private_storage.exists(name) for name in files)


def test_deleting_a_record_a_portal_request_refers_to_is_refused(exports):
    exports()
    # I-2's documents are deleted first, so only the request keeps it.
    PortalDocument.objects.filter(installation__external_id="I-2").delete()
    PortalRequest.objects.create(
        kind=PortalRequest.Kind.values[0],
        client=Client.objects.get(external_id="C-2"),
        installation=Installation.objects.get(external_id="I-2"),
        message="Bonjour",
    )

    run, quarantined = exports([delete("installation", "I-2"), delete("client", "C-2")], sequence=2, base=False)

    assert "requests sent from the portal refer to it" in quarantined["I-2"]
    assert Installation.objects.filter(external_id="I-2").exists()
    assert Client.objects.filter(external_id="C-2").exists()
    # A client without installation whose request is kept is refused too.
    PortalRequest.objects.update(installation=None)
    Installation.objects.filter(external_id="I-2").delete()
    run, quarantined = exports([delete("client", "C-2")], sequence=3, base=False)
    assert "requests sent from the portal refer to it" in quarantined["C-2"]
    assert Client.objects.filter(external_id="C-2").exists()


def test_deleting_a_franchisee_keeps_its_installations_without_it(exports):
    exports()
    run, quarantined = exports([delete("franchisee", "F-1")], sequence=2, base=False)
    assert quarantined == {} and run.deleted_count == 1
    assert not Franchisee.objects.filter(external_id="F-1").exists()
    assert Installation.objects.filter(external_id__in=["I-1", "I-2"], franchisee__isnull=True).count() == 2


def test_records_jsonl_or_an_export_folder_that_is_a_symbolic_link_is_not_read(tmp_path):
    elsewhere = write_export(tmp_path / "elsewhere", 5, [CLIENT])
    root = tmp_path / "exports"
    root.mkdir()
    # An export folder of SOURCE that is a link to a folder elsewhere is not an export of SOURCE.
    os.symlink(elsewhere, root / "export-000005")
    assert import_source(root).runs == []
    # An export whose records.jsonl is a link to a file elsewhere fails, reading nothing.
    folder = write_export(root, 6, [])
    (folder / "records.jsonl").unlink()
    os.symlink(elsewhere / "records.jsonl", folder / "records.jsonl")
    with translation.override("en"):
        [run] = import_source(root).runs
    assert run.state == ImportRun.State.FAILED and "symbolic link" in run.error
    assert not Client.objects.exists()
