"""Each SPANC's folder count on PostgreSQL, where statement-level triggers
keep it (records.folder_counts): the import's COPY of new installations and
its upserts (moves between territories), its deletes (an installation, a
SPANC), and every ORM or raw-SQL write leave the stored count equal to the
live count; the folder list reads it."""

import pytest
from django.db import connection, transaction
from django.utils import translation
from hypothesis import HealthCheck, given, settings

from aquatiris_portal.records.models import Installation, Spanc
from aquatiris_portal.sync.importer import import_source
from aquatiris_portal.sync.models import ImportRun
from tests import factories
from tests.exports import write_export
from tests.folder_count_ops import OPERATIONS, SPANCS, apply_operation, live_counts, stored_counts

pytestmark = pytest.mark.integration

# More than the import writes by one INSERT: the new ones go by COPY (sync/rows.py).
FOLDERS = 130


def _records(spanc_of):
    lines = [
        {"type": "franchisee", "id": "F-1", "company": "Aquatiris", "first_name": "A", "last_name": "B"},
        {"type": "client", "id": "C-1", "code": "CLI-1", "first_name": "Anne", "last_name": "Durand"},
    ]
    lines[0].update(email="f@example.org", phone=None)
    lines[1].update(email="anne@example.org", phone=None)
    for code in ("S-A", "S-B", "S-C"):
        lines.append(
            {"type": "spanc", "id": code, "code": f"PRO-{code}", "name": f"SPANC {code}", "email": "s@example.org"}
        )
    for n in range(FOLDERS):
        lines.append(
            {
                "type": "installation",
                "id": f"I-{n}",
                "client": "C-1",
                "franchisee": "F-1",
                "spanc": spanc_of(n),
                "reference": f"AQ-{n:04d}",
                "label": "Filtre planté de roseaux 5 EH",
                "stage": "commissioned",
            }
        )
    return lines


def _assert_counts_are_live():
    live, stored = live_counts(Spanc.objects.all()), stored_counts()
    assert {pk: stored.get(pk, 0) for pk in live} == live


@pytest.mark.django_db
def test_the_import_keeps_each_spanc_s_count(postgres, tmp_path, settings):
    settings.AQUATIRIS_PORTAL_PRIVATE_ROOT = str(tmp_path / "private")
    assert connection.vendor == "postgresql"
    exports = tmp_path / "exports"
    write_export(exports, 1, _records(lambda n: "S-A" if n % 3 else "S-B"))
    with translation.override("en"):
        [first] = import_source(exports).runs
    assert first.state == ImportRun.State.SUCCEEDED, first.error
    by_code = dict(Spanc.objects.values_list("external_id", "pk"))
    assert stored_counts() == {by_code["S-A"]: 86, by_code["S-B"]: 44}
    _assert_counts_are_live()

    # Moves between territories (upserts), some without a SPANC, then deletes.
    write_export(exports, 2, _records(lambda n: "S-C" if n < 40 else (None if n < 50 else "S-A")))
    write_export(
        exports,
        3,
        [{"type": "delete", "of": "installation", "id": f"I-{n}"} for n in range(120, 130)]
        + [{"type": "delete", "of": "spanc", "id": "S-C"}],
    )
    with translation.override("en"):
        runs = import_source(exports).runs
    assert [run.state for run in runs] == [ImportRun.State.SUCCEEDED] * 2, [run.error for run in runs]
    assert Installation.objects.count() == 120
    assert stored_counts()[by_code["S-A"]] == 70  # 50..119
    assert stored_counts().get(by_code["S-B"], 0) == 0
    assert stored_counts().get(by_code["S-C"], 0) == 0  # its folders lost their SPANC with it
    _assert_counts_are_live()


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(OPERATIONS)
def test_the_stored_count_is_the_live_count_whatever_writes_the_installations(postgres, operations):
    with transaction.atomic():
        spancs = [factories.spanc() for _ in range(SPANCS)]
        client, franchisee = factories.client(), factories.franchisee()
        for operation in operations:
            apply_operation(operation, spancs, client, franchisee)
        live, stored = live_counts(spancs), stored_counts()
        transaction.set_rollback(True)
    for spanc in spancs:
        assert stored.get(spanc.pk, 0) == live[spanc.pk], operations
