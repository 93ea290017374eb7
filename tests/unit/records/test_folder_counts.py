"""Each SPANC's folder count is kept by the database (records.folder_counts):
whatever writes the installations (ORM save, bulk_create, QuerySet.update,
raw SQL, delete, a SPANC deleted), the stored count is the live count, and
the folder list shows it. A migrate puts dropped triggers back and recounts."""

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings

from aquatiris_portal.records import folder_counts
from aquatiris_portal.records.models import Installation, SpancFolderCount
from tests import factories
from tests.folder_count_ops import OPERATIONS, SPANCS, apply_operation, live_counts, stored_counts
from tests.unit._pro_space import pro_space_page, verified_client

pytestmark = pytest.mark.django_db


@settings(max_examples=60, deadline=None)
@given(OPERATIONS)
def test_the_stored_count_is_the_live_count_whatever_writes_the_installations(operations):
    with transaction.atomic():
        spancs = [factories.spanc() for _ in range(SPANCS)]
        client, franchisee = factories.client(), factories.franchisee()
        for operation in operations:
            apply_operation(operation, spancs, client, franchisee)
        live = live_counts(spancs)
        stored = stored_counts()
        transaction.set_rollback(True)
    for spanc in spancs:
        assert stored.get(spanc.pk, 0) == live[spanc.pk], (operations, spanc.pk)


def test_the_list_shows_the_stored_count_and_a_search_counts_its_matches():
    spanc, other = factories.spanc(), factories.spanc()
    client = factories.client(last_name="Le Roux")
    factories.installation(spanc=spanc, client=client)
    for _ in range(29):
        factories.installation(spanc=spanc)
    moved = factories.installation(spanc=spanc)
    factories.installation(spanc=other)
    moved.spanc = other
    moved.save()
    http = verified_client(factories.spanc_user(spanc))
    page = pro_space_page()
    with CaptureQueriesContext(connection) as queries:
        response = http.get(page.url)
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 30
    assert "Page 1 sur 2" in response.content.decode()
    table = SpancFolderCount._meta.db_table
    assert any(table in query["sql"] for query in queries.captured_queries)
    # A search counts what it finds, not the territory.
    with CaptureQueriesContext(connection) as queries:
        response = http.get(page.url, {"q": "le roux"})
    assert response.context["page_obj"].paginator.count == 1
    assert not any(table in query["sql"] for query in queries.captured_queries)


def test_installing_again_counts_nothing_twice():
    spanc = factories.spanc()
    for _ in range(3):
        factories.installation(spanc=spanc)
    for _ in range(2):
        folder_counts.install(connection, SpancFolderCount._meta.db_table, Installation._meta.db_table)
    factories.installation(spanc=spanc)
    assert stored_counts()[spanc.pk] == 4


@pytest.mark.django_db(transaction=True)
def test_a_migrate_puts_dropped_triggers_back_and_recounts():
    spanc = factories.spanc()
    factories.installation(spanc=spanc)
    # As SQLite does when a schema change rebuilds the table.
    folder_counts.uninstall(connection, Installation._meta.db_table)
    factories.installation(spanc=spanc)
    assert stored_counts()[spanc.pk] == 1  # missed while the triggers were gone
    call_command("migrate", verbosity=0)
    assert stored_counts()[spanc.pk] == 2
    factories.installation(spanc=spanc)
    assert stored_counts()[spanc.pk] == 3


@pytest.mark.parametrize("counts_first", [True, False])
def test_a_loaded_dump_is_counted_once_whatever_its_order(counts_first, tmp_path):
    spanc = factories.spanc()
    factories.installation(spanc=spanc)
    factories.installation(spanc=spanc)
    out = io.StringIO()
    call_command("dumpdata", "aquatiris_portal.spancfoldercount", "aquatiris_portal.installation", stdout=out)
    rows = json.loads(out.getvalue())
    rows.sort(key=lambda row: (row["model"] != "aquatiris_portal.spancfoldercount") == counts_first)
    assert rows[0]["model"] == (
        "aquatiris_portal.spancfoldercount" if counts_first else "aquatiris_portal.installation"
    )
    Installation.objects.filter(spanc=spanc).delete()
    assert stored_counts()[spanc.pk] == 0
    dump = tmp_path / "dump.json"
    dump.write_text(json.dumps(rows))
    call_command("loaddata", str(dump), verbosity=0)
    assert Installation.objects.filter(spanc=spanc).count() == 2
    assert stored_counts()[spanc.pk] == 2
