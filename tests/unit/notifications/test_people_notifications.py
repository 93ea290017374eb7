"""Each person of a client has their own notification preferences, and each
notification mail goes to each person who wants it: the answers to a
request (the owner at the client's own address, as before; the household at
theirs) and the visit reminders (enquiries/routing.answer_recipients,
digests/visit_reminders)."""

import datetime

import pytest
from django.utils import timezone

from aquatiris_portal.digests import visit_reminders
from aquatiris_portal.enquiries import threads
from aquatiris_portal.enquiries.services import submit_request
from aquatiris_portal.models import Membership, OutgoingMail, PortalRequest, RequestSubject, Visit
from aquatiris_portal.notifications.preferences import set_preference
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("portal_public_url")]
TODAY = timezone.localdate()
NOON = timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(12)))


def _answered(client, user):
    installation = factories.installation(client=client)
    subject = RequestSubject.objects.create(name="Panne", is_after_sales=True)
    portal_request = submit_request(
        user=user,
        client=client,
        installation=installation,
        kind=PortalRequest.Kind.AFTER_SALES,
        message="Panne",
        subject=subject,
        portal_settings=None,
    )
    answer = threads.post_message(
        portal_request,
        role="staff",
        channel="admin",
        body="Nous passons mardi.",
        author_name="Aquatiris",
        user=factories.user(is_staff=True),
    )
    return sorted(mail.to[0] for mail in OutgoingMail.objects.filter(key__startswith=f"request_message:{answer.pk}:"))


def test_an_answer_goes_to_each_person_who_wants_it():
    client = factories.client()
    owner = factories.client_user(client)
    claire = factories.member(client, first_name="Claire", last_name="Martin")
    assert _answered(client, owner) == sorted([client.email, claire.email])


def test_a_person_who_opted_out_gets_no_answer_and_the_other_still_does():
    client = factories.client()
    owner = factories.client_user(client)
    claire = factories.member(client)
    set_preference(claire, "request_answers", False)
    assert _answered(client, owner) == [client.email]


def test_the_owner_s_choice_is_not_the_household_s():
    client = factories.client()
    owner = factories.client_user(client)
    claire = factories.member(client)
    set_preference(owner, "request_answers", False)
    assert _answered(client, claire) == [claire.email]


def test_a_removed_person_gets_nothing_more():
    client = factories.client()
    owner = factories.client_user(client)
    claire = factories.member(client)
    Membership.objects.filter(person=claire).update(removed_at=timezone.now())
    assert _answered(client, owner) == [client.email]


def test_a_visit_reminder_goes_to_each_person_who_wants_it():
    client = factories.client()
    installation = factories.installation(client=client)
    owner = factories.client_user(client)
    claire = factories.member(client)
    other = factories.member(client)
    set_preference(other, "visit_reminders", False)
    Visit.objects.create(
        external_id="V-P-1",
        installation=installation,
        kind="maintenance",
        visible_to_client=True,
        planned_for=TODAY + datetime.timedelta(days=5),
        slot="morning",
    )
    visit_reminders.send_due(now=NOON)
    assert sorted(mail.to[0] for mail in OutgoingMail.objects.filter(key__startswith="visit:")) == sorted(
        [owner.email, claire.email]
    )
