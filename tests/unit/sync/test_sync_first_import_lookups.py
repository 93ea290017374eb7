"""A first import into empty tables does not look up, batch by batch, rows
that cannot be there (the staging holds each id once): one query less per
batch of a 750,000-record export. Once the table holds rows (a later export,
or a run resumed), each batch looks them up again."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aquatiris_portal.models import Client
from aquatiris_portal.sync import importer
from aquatiris_portal.sync.importer import import_source
from aquatiris_portal.sync.models import ImportRun
from tests.exports import write_export

pytestmark = pytest.mark.django_db


def clients(numbers, last_name="Durand"):
    return [
        {
            "type": "client",
            "id": f"C-{n}",
            "code": f"CLI-{n}",
            "last_name": f"{last_name} {n}",
            "email": f"c{n}@example.org",
        }
        for n in numbers
    ]


def lookups(queries):
    """The look-ups of clients by id for their hash (``Applier._skip_unchanged``)."""
    head = (
        'SELECT "aquatiris_portal_client"."external_id" AS "external_id", '
        '"aquatiris_portal_client"."sync_hash" AS "sync_hash" FROM'
    )
    return [q["sql"] for q in queries if q["sql"].startswith(head)]


def test_a_first_import_does_not_look_up_ids_a_later_one_does(tmp_path):
    write_export(tmp_path / "exports", 1, clients(range(1, 7)))
    with CaptureQueriesContext(connection) as first:
        [run] = import_source(tmp_path / "exports", batch_size=2).runs
    assert (run.state, run.created_count) == (ImportRun.State.SUCCEEDED, 6)
    assert lookups(first.captured_queries) == []

    write_export(tmp_path / "exports", 2, clients(range(5, 9), last_name="Martin"))
    with CaptureQueriesContext(connection) as second:
        [run] = import_source(tmp_path / "exports", batch_size=2).runs
    assert (run.state, run.created_count, run.updated_count) == (ImportRun.State.SUCCEEDED, 2, 2)
    assert len(lookups(second.captured_queries)) == 2  # one a batch
    assert Client.objects.get(external_id="C-6").last_name == "Martin 6"


def test_a_resumed_first_import_looks_ids_up_again(tmp_path, monkeypatch):
    """The batches committed before the failure are in the table: the resumed
    run does not take it for empty."""
    write_export(tmp_path / "exports", 1, clients(range(1, 7)))
    committed = importer.runs.batch_committed

    def stop_after_two(run, step):
        committed(run, step)
        if step == 2:
            raise RuntimeError("killed")

    monkeypatch.setattr(importer.runs, "batch_committed", stop_after_two)
    [failed] = import_source(tmp_path / "exports", batch_size=2).runs
    assert (failed.state, failed.created_count) == (ImportRun.State.FAILED, 4)
    monkeypatch.setattr(importer.runs, "batch_committed", committed)
    with CaptureQueriesContext(connection) as resumed_queries:
        [resumed] = import_source(tmp_path / "exports", batch_size=2).runs
    assert (resumed.pk, resumed.state, resumed.created_count) == (failed.pk, ImportRun.State.SUCCEEDED, 6)
    assert len(lookups(resumed_queries.captured_queries)) == 1
