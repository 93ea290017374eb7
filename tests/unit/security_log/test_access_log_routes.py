"""Every route that hands out a personal file writes one row of the document
access log, with the reader it served: the owner and a household member
(client space), the SPANC agent, the franchisee through a mailed link, staff
(back office, requests admin, viewing the space as the client) and the
internal system (signed links). The row names the client whose file it is,
the file, the route and when; staff get a reference, never a name."""

import pytest
from django.utils import timezone

from aquatiris_portal.security_log.access_models import DocumentAccess
from aquatiris_portal.security_log.document_access import staff_reference
from tests.unit._access_log import CASES, Actor, body, make_people, served
from tests.unit.enquiries.test_threads import space  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("portal_public_url", "space")]


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case.route} as {case.reader}")
def test_each_file_route_writes_one_row_naming_the_reader(case):
    people = make_people()
    http, url = case.request(people)
    before = timezone.now()
    response = http.get(url)
    assert served(response), (response.status_code, response.get("Location"))
    body(response)
    rows = list(DocumentAccess.objects.all())
    assert len(rows) == 1, rows
    row = rows[0]
    assert (row.actor, row.file_kind) == (case.actor, case.kind)
    file = {
        "document": people.document,
        "attachment": people.attachment,
        "export": people.export,
        "archive": getattr(people, "archive", None),
    }[case.kind]
    assert row.file_id == file.pk and row.created_at >= before and row.route
    assert row.client_id == (None if case.kind == "export" else people.client.pk)
    if case.actor == Actor.STAFF:
        assert row.user == people.staff and row.actor_name == ""
        assert row.staff_ref == staff_reference(people.staff.pk, timezone.localdate(row.created_at))
    else:
        assert row.staff_ref == ""
    if case.actor == Actor.SPANC:
        assert row.actor_name == "SPANC de Lannion — Claire Martin" and row.user == people.spanc_agent
    if case.actor == Actor.FRANCHISEE:
        assert row.actor_name == "Aquatiris Trégor" and row.user is None
        assert row.link_id is not None and row.link_sent_at is not None
    if case.actor == Actor.HOUSEHOLD:
        assert row.user == people.household and row.actor_name == "Paul Durand"
    if case.actor == Actor.SYSTEM:
        assert row.user is None


def test_a_refused_file_writes_nothing():
    """Another client's document is a 404 and leaves no row (nothing was read)."""
    people = make_people()
    other = make_people()
    from tests.unit._access_log import logged_in

    http = logged_in(other.owner)
    assert http.get(f"/portail/documents/{people.document.pk}/").status_code == 404
    assert not DocumentAccess.objects.exists()


def test_a_file_missing_on_storage_writes_nothing():
    people = make_people()
    people.document.file.storage.delete(people.document.file.name)
    from tests.unit._access_log import logged_in

    assert logged_in(people.owner).get(f"/portail/documents/{people.document.pk}/").status_code == 404
    assert not DocumentAccess.objects.exists()


def test_the_staff_reference_is_short_stable_per_day_and_differs_between_people():
    day = timezone.localdate()
    assert staff_reference(7, day) == staff_reference(7, day) and len(staff_reference(7, day)) == 4
    assert staff_reference(7, day) != staff_reference(8, day)
    assert staff_reference(7, day) != staff_reference(7, day.replace(year=day.year - 1))
