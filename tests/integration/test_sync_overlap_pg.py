"""On PostgreSQL (the production database, where the thread ahead's work
would overlap the server's COPY and upserts) the import that prepares batches in a thread
leaves exactly the tables the one-thread import leaves, through every path
of the importer (tests/unit/sync/overlap_scenario.py), and an error in the
thread fails the run and stops the thread."""

import threading

import pytest
from django.db import connection, transaction
from django.utils import translation

from aquatiris_portal.records.models import Installation
from aquatiris_portal.sync import importer
from aquatiris_portal.sync.importer import import_source
from aquatiris_portal.sync.models import ImportRun
from tests.exports import sample_export
from tests.unit.sync.overlap_scenario import run_exports, table_contents

pytestmark = pytest.mark.integration


class _Undo(Exception):
    pass


def contents_after(tmp_path, overlap, settings):
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


@pytest.mark.django_db
def test_overlapped_import_on_postgresql_leaves_the_tables_of_the_sequential_one(postgres, tmp_path, settings):
    assert connection.vendor == "postgresql"
    sequential = contents_after(tmp_path, False, settings)
    overlapped = contents_after(tmp_path, True, settings)
    assert sequential["installation"] and sequential["mails"] and sequential["quarantined"]
    assert overlapped == sequential


@pytest.mark.django_db
def test_an_error_in_the_thread_ahead_fails_the_run_on_postgresql(postgres, tmp_path, settings, monkeypatch):
    settings.AQUATIRIS_PORTAL_PRIVATE_ROOT = str(tmp_path / "private")
    sample_export(tmp_path / "exports", 1)
    real = importer.check_line

    def broken(raw):
        if threading.current_thread().name == "aqp-sync-ahead" and b'"I-2"' in raw:
            raise RuntimeError("the check of I-2 broke")
        return real(raw)

    monkeypatch.setattr(importer, "check_line", broken)
    [run] = import_source(tmp_path / "exports", overlap=True).runs
    assert (run.state, run.error) == (ImportRun.State.FAILED, "RuntimeError: the check of I-2 broke")
    assert not Installation.objects.exists()
    assert not [thread for thread in threading.enumerate() if thread.name == "aqp-sync-ahead"]


@pytest.mark.django_db
def test_look_up_by_external_id_finds_exactly_the_ids_asked_whatever_they_hold(postgres):
    """The ids go to PostgreSQL as one JSON array (``rows.by_unique_column``):
    quotes, backslashes, commas, braces, accents, emoji and JSON escapes
    come back as typed; an id with a NUL (no PostgreSQL text holds one)
    matches nothing and breaks nothing."""
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hypothesis_settings
    from hypothesis import strategies as st

    from aquatiris_portal.records.models import Franchisee
    from aquatiris_portal.sync.rows import by_external_id

    texts = st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]) | st.sampled_from("\"\\,{}[] 'é😀"),
        min_size=1,
        max_size=12,
    )

    @hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(stored=st.lists(texts.filter(lambda t: "\x00" not in t), max_size=6, unique=True), asked=st.lists(texts))
    def check(stored, asked):
        with transaction.atomic():
            Franchisee.objects.bulk_create([Franchisee(external_id=rid, company="F") for rid in stored])
            found = {row[0] for row in by_external_id(Franchisee, [*asked, *stored[:2]], ["external_id"])}
            assert found == ({*asked, *stored[:2]} & set(stored))
            transaction.set_rollback(True)

    check()
