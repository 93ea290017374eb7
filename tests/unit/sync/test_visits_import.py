"""Visits in the exchange format: ``visit`` records and
the installation's ``maintenance_contract`` imported, quarantined by the
usual rules, deleted; the installation's last maintenance date (the folder
list's index) follows the visits; old exports stay valid."""

import datetime

import pytest

from aquatiris_portal.models import Installation, PortalDocument, Visit
from aquatiris_portal.sync.importer import import_source
from aquatiris_portal.sync.models import QuarantinedRecord
from aquatiris_portal.sync.validation import check_line, schema
from tests.exports import sample_records, write_export

pytestmark = pytest.mark.django_db


def visit(vid="V-301", **fields):
    record = {
        "type": "visit",
        "id": vid,
        "installation": "I-1",
        "kind": "maintenance",
        "planned_for": "2027-03-04",
        "slot": "morning",
        "done_on": None,
        "technician": "Luc Martin",
        "summary": None,
        "report_document": None,
        "visible_to": ["client", "spanc"],
    }
    record.update(fields)
    return record


def run(tmp_path, sequence, lines, files=None):
    write_export(tmp_path, sequence, lines, files)
    result = import_source(str(tmp_path))
    assert result.runs and result.runs[-1].state == "succeeded", result.runs[-1].error if result.runs else result
    return result.runs[-1]


def base(contract=None):
    lines, files = sample_records(bad=False)
    if contract is not None:
        for line in lines:
            if isinstance(line, dict) and line.get("id") == "I-1":
                line["maintenance_contract"] = contract
    return lines, files


def test_issue_example_visit_and_contract_are_imported(tmp_path):
    lines, files = base({"status": "active", "until": "2027-06-30", "every_months": 12})
    lines += [
        visit(),
        visit(
            "V-300",
            planned_for="2026-03-01",
            done_on="2026-03-02",
            summary="Bacs nettoyés",
            report_document="D-1",
            visible_to=["client"],
        ),
    ]
    run(tmp_path, 1, lines, files)
    planned = Visit.objects.get(external_id="V-301")
    assert (planned.kind, planned.planned_for, planned.slot, planned.done_on, planned.technician) == (
        "maintenance",
        datetime.date(2027, 3, 4),
        "morning",
        None,
        "Luc Martin",
    )
    assert planned.visible_to_client and planned.visible_to_spanc
    done = Visit.objects.get(external_id="V-300")
    assert done.report_document == PortalDocument.objects.get(external_id="D-1")
    assert done.summary == "Bacs nettoyés" and not done.visible_to_spanc
    installation = Installation.objects.get(external_id="I-1")
    assert (
        installation.maintenance_contract_status,
        installation.maintenance_contract_until,
        installation.maintenance_contract_every_months,
    ) == ("active", datetime.date(2027, 6, 30), 12)
    assert installation.last_maintenance_on == datetime.date(2026, 3, 2)
    assert installation.has_active_contract or installation.maintenance_contract_until < datetime.date.today()


def test_old_exports_without_visits_or_contract_stay_valid(tmp_path):
    lines, files = base()
    last = run(tmp_path, 1, lines, files)
    assert last.quarantined_count == 0
    installation = Installation.objects.get(external_id="I-1")
    assert installation.maintenance_contract_status == "" and installation.last_maintenance_on is None
    assert "visit" in schema()["$defs"] and "maintenance_contract" in schema()["$defs"]["installation"]["properties"]


@pytest.mark.parametrize(
    "fields, word",
    [
        ({"kind": "cleaning"}, "kind"),
        ({"slot": "evening"}, "slot"),
        ({"planned_for": "2027-02-30"}, "planned_for"),
        ({"planned_for": None, "done_on": None}, "planned_for"),
        ({"visible_to": ["neighbour"]}, "visible_to"),
        ({"installation": "I-NOPE"}, "I-NOPE"),
        ({"report_document": "D-NOPE"}, "D-NOPE"),
    ],
)
def test_bad_visits_are_quarantined_with_a_reason(tmp_path, fields, word):
    lines, files = base()
    run(tmp_path, 1, [*lines, visit(**fields)], files)
    assert not Visit.objects.exists()
    reason = QuarantinedRecord.objects.get(record_id="V-301").reason
    assert word in reason


def test_bad_contract_is_quarantined(tmp_path):
    lines, files = base({"status": "maybe"})
    run(tmp_path, 1, lines, files)
    assert "maintenance_contract" in QuarantinedRecord.objects.get(record_id="I-1").reason


def test_last_maintenance_follows_updates_moves_and_deletes(tmp_path):
    lines, files = base()
    run(
        tmp_path,
        1,
        [
            *lines,
            visit("V-1", done_on="2025-01-10"),
            visit("V-2", kind="emptying", done_on="2026-01-10"),
            visit("V-3", kind="repair", done_on="2026-09-01"),
        ],
        files,
    )
    installation = Installation.objects.get(external_id="I-1")
    # A repair is not maintenance.
    assert installation.last_maintenance_on == datetime.date(2026, 1, 10)
    run(tmp_path, 2, [visit("V-4", done_on="2026-06-01")])
    installation.refresh_from_db()
    assert installation.last_maintenance_on == datetime.date(2026, 6, 1)
    run(tmp_path, 3, [visit("V-4", installation="I-2", done_on="2026-06-01")])
    installation.refresh_from_db()
    assert installation.last_maintenance_on == datetime.date(2026, 1, 10)
    assert Installation.objects.get(external_id="I-2").last_maintenance_on == datetime.date(2026, 6, 1)
    run(tmp_path, 4, [{"type": "delete", "of": "visit", "id": "V-2"}])
    installation.refresh_from_db()
    assert installation.last_maintenance_on == datetime.date(2025, 1, 10)
    assert not Visit.objects.filter(external_id="V-2").exists()


def test_a_reimported_visit_is_unchanged_and_a_moved_one_updated(tmp_path):
    lines, files = base()
    run(tmp_path, 1, [*lines, visit()], files)
    again = run(tmp_path, 2, [visit()])
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 1)
    moved = run(tmp_path, 3, [visit(planned_for="2027-03-11", slot="afternoon")])
    assert moved.updated_count == 1
    assert Visit.objects.get().planned_for == datetime.date(2027, 3, 11)


def test_check_line_parses_visit_dates():
    record = check_line(b'{"type":"visit","id":"V-1","installation":"I-1","kind":"repair","done_on":"2026-01-02"}')
    assert record["done_on"] == datetime.date(2026, 1, 2)


def test_a_deleted_visit_the_client_was_reminded_of_is_kept_cancelled_then_revived(tmp_path):
    lines, files = base()
    run(tmp_path, 1, [*lines, visit(), visit("V-NEVER")], files)
    Visit.objects.filter(external_id="V-301").update(reminded_for=datetime.date(2027, 3, 4))
    run(
        tmp_path,
        2,
        [{"type": "delete", "of": "visit", "id": "V-301"}, {"type": "delete", "of": "visit", "id": "V-NEVER"}],
    )
    assert not Visit.objects.filter(external_id="V-NEVER").exists()
    assert Visit.objects.get(external_id="V-301").cancelled_at is not None
    assert not Visit.objects.live().filter(external_id="V-301").exists()
    run(tmp_path, 3, [visit()])
    assert Visit.objects.live().filter(external_id="V-301").exists()
