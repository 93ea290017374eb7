"""Visit reminders per person and visit: a person in two clients (a
landlord) hears of each house's visit, once each; a removed member of one
house hears nothing more of it."""

import datetime

import pytest
from django.utils import timezone

from aquatiris_portal.accounts.memberships import add_membership, remove_membership
from aquatiris_portal.digests import visit_reminders
from aquatiris_portal.models import Membership, OutgoingMail, Visit
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("portal_public_url")]

TODAY = timezone.localdate()
NOON = timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(12)))


@pytest.fixture
def landlord():
    houses = [factories.client(), factories.client()]
    person = factories.client_user(houses[0])
    add_membership(person, houses[1], role=Membership.Role.OWNER)
    visits = [
        Visit.objects.create(
            external_id=f"V-LANDLORD-{n}",
            installation=factories.installation(client=house),
            kind="maintenance",
            planned_for=TODAY + datetime.timedelta(days=3),
            slot="morning",
            visible_to_client=True,
        )
        for n, house in enumerate(houses)
    ]
    return {"person": person, "houses": houses, "visits": visits}


def _reminded(person):
    keys = OutgoingMail.objects.filter(key__startswith="visit:", to=[person.email]).values_list("key", flat=True)
    return sorted(int(key.split(":")[1]) for key in keys)


def test_a_landlord_hears_of_each_houses_visit_once(landlord):
    assert visit_reminders.send_due(now=NOON).reminders == 2
    assert visit_reminders.send_due(now=NOON, force=True).reminders == 0
    assert _reminded(landlord["person"]) == sorted(visit.pk for visit in landlord["visits"])


def test_removed_from_one_house_a_landlord_hears_of_the_other_only(landlord):
    remove_membership(Membership.objects.get(person=landlord["person"], client=landlord["houses"][1]))
    visit_reminders.send_due(now=NOON)
    assert _reminded(landlord["person"]) == [landlord["visits"][0].pk]
