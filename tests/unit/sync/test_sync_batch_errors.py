"""An error preparing a batch (reading, checking its lines) or writing it
ends the run as failed with its message; the batches committed before it
are kept, nothing of the failing batch is, and the next run resumes after
the committed batches and ends as a clean run."""

import pytest

from aquatiris_portal.models import Client, Franchisee, Installation, PortalDocument, Spanc
from aquatiris_portal.sync import importer
from aquatiris_portal.sync.importer import import_source
from aquatiris_portal.sync.models import ImportedExport, ImportRun
from tests.exports import sample_export

pytestmark = pytest.mark.django_db


def test_an_error_preparing_a_batch_fails_the_run_with_its_message_and_keeps_the_batches_before(tmp_path, monkeypatch):
    sample_export(tmp_path / "exports", 1)
    real = importer.check_line

    def broken(raw):
        if b'"I-2"' in raw:
            raise RuntimeError("the check of I-2 broke")
        return real(raw)

    monkeypatch.setattr(importer, "check_line", broken)
    [run] = import_source(tmp_path / "exports").runs

    assert run.state == ImportRun.State.FAILED
    assert run.error == "RuntimeError: the check of I-2 broke"
    assert not ImportedExport.objects.exists()
    # One batch per type here: the clients' is committed, the installations' never began.
    assert Client.objects.filter(external_id="C-1").exists()
    assert not Installation.objects.exists() and not PortalDocument.objects.exists()

    # The next run resumes after the committed batches and ends as a clean run.
    monkeypatch.setattr(importer, "check_line", real)
    [again] = import_source(tmp_path / "exports").runs
    assert again.pk == run.pk and again.state == ImportRun.State.SUCCEEDED
    assert Installation.objects.filter(external_id="I-2").exists()


def test_an_error_writing_a_batch_fails_the_run_and_rolls_the_batch_back(tmp_path, monkeypatch):
    sample_export(tmp_path / "exports", 1)
    real = importer.after_write

    def broken(record_type, *args):
        # Once the installations' rows are in: the batch's transaction must take them back.
        if record_type == "installation":
            raise RuntimeError("the database went away")
        return real(record_type, *args)

    monkeypatch.setattr(importer, "after_write", broken)
    [run] = import_source(tmp_path / "exports", batch_size=2).runs

    assert run.state == ImportRun.State.FAILED
    assert run.error == "RuntimeError: the database went away"
    assert Client.objects.filter(external_id="C-1").exists()
    assert not Installation.objects.exists()
    # Nothing of the failed batch is counted: the run resumes at it.
    assert run.created_count == Franchisee.objects.count() + Spanc.objects.count() + Client.objects.count()

    monkeypatch.setattr(importer, "after_write", real)
    [again] = import_source(tmp_path / "exports", batch_size=2).runs
    assert again.pk == run.pk and again.state == ImportRun.State.SUCCEEDED
    assert Installation.objects.exists()
