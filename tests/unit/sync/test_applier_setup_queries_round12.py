"""The importer's set-up (``Applier``: which tables were empty when the run
started, whether earlier runs left quarantines to resolve) costs one query
for the record types the export holds, none for an export of rejects alone,
and finds what one look-up per table found: a small import into a full
base no longer pays a query per table before its first batch."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aquatiris_portal.sync import importer
from aquatiris_portal.sync.mapping import MODELS
from aquatiris_portal.sync.models import ImportRun, QuarantinedRecord
from aquatiris_portal.sync.staging import PHASES, REJECTS
from tests import factories
from tests.exports import write_export
from tests.unit.sync.test_sync_import_cost import base_records, change

pytestmark = pytest.mark.django_db

# The queries of importing the small export (10 records) into the base: 61 when the set-up took seven.
SMALL_EXPORT_QUERIES = 55


@pytest.fixture
def setups(monkeypatch):
    """The SQL each Applier's set-up ran, one list per run."""
    found = []
    original = importer.Applier.__init__

    def counted(self, *args, **kwargs):
        with CaptureQueriesContext(connection) as queries:
            original(self, *args, **kwargs)
        found.append([query["sql"] for query in queries.captured_queries])

    monkeypatch.setattr(importer.Applier, "__init__", counted)
    return found


def test_a_small_export_into_a_base_sets_up_in_one_query(tmp_path, setups):
    write_export(tmp_path, 1, list(base_records(60)))
    [first] = importer.import_source(tmp_path).runs
    assert first.state == ImportRun.State.SUCCEEDED, first.error
    assert len(setups[0]) == 1, "a first import too: one query"
    write_export(tmp_path, 2, change())
    with CaptureQueriesContext(connection) as queries:
        [run] = importer.import_source(tmp_path).runs
    assert run.state == ImportRun.State.SUCCEEDED, run.error
    assert (run.created_count, run.updated_count, run.deleted_count) == (4, 5, 1)
    assert len(setups[1]) == 1, setups[1]
    assert len(queries.captured_queries) == SMALL_EXPORT_QUERIES, [q["sql"] for q in queries.captured_queries]


def test_an_export_of_rejects_alone_sets_up_without_a_query(tmp_path, setups):
    factories.document()  # a base: its tables are not looked at
    write_export(tmp_path, 1, ["not json", '{"type": "unknown", "id": "X-1"}'])
    [run] = importer.import_source(tmp_path).runs
    assert run.state == ImportRun.State.SUCCEEDED, run.error
    assert run.quarantined_count == 2
    assert setups == [[]]


MAKERS = {
    "franchisee": factories.franchisee,
    "spanc": factories.spanc,
    "client": factories.client,
    "installation": factories.installation,  # with its client, SPANC and franchisee
    "document": factories.document,
}
PHASE_SETS = st.none() | st.sets(st.sampled_from([REJECTS, *PHASES]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(filled=st.sets(st.sampled_from(sorted(MAKERS))), quarantined=st.booleans(), phases=PHASE_SETS)
def test_the_setup_finds_what_a_look_up_per_table_finds(filled, quarantined, phases):
    with transaction.atomic():
        for name in sorted(filled):
            MAKERS[name]()
        run = ImportRun.objects.create(sequence=2, source="test")
        if quarantined:
            earlier = ImportRun.objects.create(sequence=1, source="test")
            QuarantinedRecord.objects.create(run=earlier, line_number=1, reason="r", raw_line="{}")
        QuarantinedRecord.objects.create(run=run, line_number=1, reason="this run's own", raw_line="{}")
        applier = importer.Applier(run, None, phases=phases)
        types = [name for name in MODELS if phases is None or name in phases]
        for name in types:
            empty = not MODELS[name].objects.exists()
            assert (applier.precheck[name], applier.empty[name]) == (empty, empty), name
        records = phases is None or bool(set(phases) - {REJECTS})
        assert applier.earlier_quarantines == (quarantined and records)
        transaction.set_rollback(True)
