"""Asked to (``overlap=True``), the import prepares batches in a thread
ahead of the one that writes (``sync/ahead.py``): it leaves exactly the tables the one-thread import
leaves, and an error on either side ends the run as failed with its message,
the batches committed before it kept (as any failed run keeps them: the next
run resumes after them) and nothing of the batch that failed."""

import threading

import pytest
from django.db import transaction
from django.utils import translation

from aquatiris_portal.models import Client, Franchisee, Installation, PortalDocument, Spanc
from aquatiris_portal.sync import importer
from aquatiris_portal.sync.importer import import_source
from aquatiris_portal.sync.models import ImportedExport, ImportRun
from aquatiris_portal.sync.rows import RowWriter
from tests.exports import sample_export

from .overlap_scenario import run_exports, table_contents

pytestmark = pytest.mark.django_db


class _Undo(Exception):
    pass


def contents_after(tmp_path, overlap, settings):
    """The tables the scenario leaves, then the database as it was."""
    settings.AQUATIRIS_PORTAL_PRIVATE_ROOT = str(tmp_path / f"private-{overlap}")
    try:
        with transaction.atomic():
            with translation.override("en"):
                runs = run_exports(tmp_path / f"exports-{overlap}", overlap=overlap)
            assert [run.state for run in runs] == [ImportRun.State.SUCCEEDED] * 3, [run.error for run in runs]
            contents = table_contents()
            raise _Undo
    except _Undo:
        pass
    return contents


def ahead_threads():
    return [thread for thread in threading.enumerate() if thread.name == "aqp-sync-ahead"]


def test_overlapped_import_leaves_exactly_the_tables_of_the_sequential_one(tmp_path, settings, monkeypatch):
    threads = []
    real = importer.check_line

    def spy(raw):
        threads.append(threading.current_thread().name)
        return real(raw)

    monkeypatch.setattr(importer, "check_line", spy)
    sequential = contents_after(tmp_path, False, settings)
    assert set(threads) == {threading.current_thread().name}
    threads.clear()
    overlapped = contents_after(tmp_path, True, settings)
    assert "aqp-sync-ahead" in threads  # the lines were checked in the thread ahead

    # The scenario went through what it is meant to: moves, re-import, quarantines.
    second, third = sequential["runs"][1:]  # (..., created, updated, unchanged, deleted, quarantined, ...)
    assert (second[3], second[4], second[6], third[3], third[4], third[6]) == (0, 3, 1, 0, 0, 0)
    assert second[7] == third[7] > 0
    assert sequential["mails"] and sequential["quarantined"] and sequential["visit"]
    assert overlapped == sequential
    assert not ahead_threads()


@pytest.mark.parametrize("overlap", [True, False])
def test_an_error_preparing_a_batch_fails_the_run_with_its_message_and_keeps_the_batches_before(
    tmp_path, monkeypatch, overlap
):
    sample_export(tmp_path / "exports", 1)
    real = importer.check_line

    def broken(raw):
        if b'"I-2"' in raw:
            raise RuntimeError("the check of I-2 broke")
        return real(raw)

    monkeypatch.setattr(importer, "check_line", broken)
    [run] = import_source(tmp_path / "exports", overlap=overlap).runs

    assert run.state == ImportRun.State.FAILED
    assert run.error == "RuntimeError: the check of I-2 broke"
    assert not ImportedExport.objects.exists()
    # One batch per type here: the clients' is committed, the installations' never began.
    assert Client.objects.filter(external_id="C-1").exists()
    assert not Installation.objects.exists() and not PortalDocument.objects.exists()
    assert not ahead_threads()

    # The next run resumes after the committed batches and ends as a clean run.
    monkeypatch.setattr(importer, "check_line", real)
    [again] = import_source(tmp_path / "exports", overlap=overlap).runs
    assert again.pk == run.pk and again.state == ImportRun.State.SUCCEEDED
    assert Installation.objects.filter(external_id="I-2").exists()


@pytest.mark.parametrize("overlap", [True, False])
def test_an_error_writing_a_batch_fails_the_run_rolls_the_batch_back_and_stops_the_thread(
    tmp_path, monkeypatch, overlap
):
    sample_export(tmp_path / "exports", 1)
    real = RowWriter.write

    def broken(self, rows):
        if self.model is Installation:
            raise RuntimeError("the database went away")
        return real(self, rows)

    monkeypatch.setattr(RowWriter, "write", broken)
    [run] = import_source(tmp_path / "exports", batch_size=2, overlap=overlap).runs

    assert run.state == ImportRun.State.FAILED
    assert run.error == "RuntimeError: the database went away"
    assert Client.objects.filter(external_id="C-1").exists()
    assert not Installation.objects.exists()
    # Nothing of the failed batch is counted: the run resumes at it.
    assert run.created_count == Franchisee.objects.count() + Spanc.objects.count() + Client.objects.count()
    assert not ahead_threads()
