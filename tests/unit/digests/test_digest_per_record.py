"""Digests per person and record: a person in two clients (a landlord), two
SPANCs, or a client and a SPANC gets each record's digest, never only the
first one's; a removed membership gets none; a second run sends nothing
more. The monthly seasonal tasks mail is one per person whatever their
number of clients (the month's tasks are the same for each)."""

import datetime

import pytest
from django.utils import timezone

from aquatiris_portal.accounts.memberships import add_membership, remove_membership
from aquatiris_portal.digests import seasonal_reminders
from aquatiris_portal.digests.services import send_due
from aquatiris_portal.models import Membership, OutgoingMail, SeasonalTask
from aquatiris_portal.notifications.preferences import set_preference
from tests import factories
from tests.unit.digests.test_digests import space  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("portal_public_url", "space")]


def _digests(user, kind):
    """{record pk: the mail's text} of ``user``'s digests of ``kind``."""
    mails = OutgoingMail.objects.filter(key__startswith=f"digest:{kind}:{user.pk}:")
    return {int(mail.key.split(":")[3]): mail.body_text for mail in mails}


@pytest.fixture
def landlord():
    """An owner of two houses (two clients), each with a new document."""
    first, second = factories.client(), factories.client()
    person = factories.client_user(first)
    add_membership(person, second, role=Membership.Role.OWNER)
    for client, title in ((first, "Facture Kerbastard"), (second, "Facture Penvern")):
        factories.document(factories.installation(client=client), title=title)
    return {"person": person, "first": first, "second": second}


def test_a_landlord_gets_each_houses_digest_each_listing_its_own_documents(landlord):
    assert send_due(force=True).client_mails == 2
    mails = _digests(landlord["person"], "client")
    assert set(mails) == {landlord["first"].pk, landlord["second"].pk}
    assert "Facture Kerbastard" in mails[landlord["first"].pk] and "Penvern" not in mails[landlord["first"].pk]
    assert "Facture Penvern" in mails[landlord["second"].pk] and "Kerbastard" not in mails[landlord["second"].pk]


def test_a_landlord_removed_from_one_house_gets_the_other_ones_only(landlord):
    remove_membership(Membership.objects.get(person=landlord["person"], client=landlord["second"]))
    send_due(force=True)
    assert set(_digests(landlord["person"], "client")) == {landlord["first"].pk}


def test_a_second_run_sends_no_second_mail_for_either_house(landlord):
    send_due(force=True)
    for client in (landlord["first"], landlord["second"]):
        factories.document(factories.installation(client=client), title="Rapport de mise en service")
    assert send_due(force=True).client_mails == 0
    assert send_due().client_mails == 0
    assert OutgoingMail.objects.filter(key__startswith="digest:client:").count() == 2


def test_the_next_period_lists_each_houses_new_documents_only(landlord):
    send_due(force=True)
    later = timezone.now() + datetime.timedelta(days=1, hours=1)
    factories.document(factories.installation(client=landlord["second"]), title="Contrat d'entretien", created_at=later)
    assert send_due(now=later + datetime.timedelta(minutes=1)).client_mails == 1
    [mail] = OutgoingMail.objects.filter(key__startswith="digest:client:").order_by("-pk")[:1]
    assert f":{landlord['second'].pk}:" in mail.key and "Contrat d'entretien" in mail.body_text


def test_an_agent_of_two_spancs_gets_each_spancs_weekly_digest():
    first, second = factories.spanc(), factories.spanc()
    agent = factories.member(first)
    add_membership(agent, second, role=Membership.Role.AGENT)
    factories.installation(spanc=first, reference="AQ-S1")
    factories.installation(spanc=second, reference="AQ-S2")
    send_due(force=True)
    assert set(_digests(agent, "spanc")) == {first.pk, second.pk}


def test_a_client_who_is_also_a_spanc_agent_gets_both_digests(landlord):
    spanc = factories.spanc()
    add_membership(landlord["person"], spanc, role=Membership.Role.AGENT)
    factories.installation(spanc=spanc)
    send_due(force=True)
    assert set(_digests(landlord["person"], "spanc")) == {spanc.pk}
    assert len(_digests(landlord["person"], "client")) == 2


def test_the_seasonal_tasks_mail_is_one_a_month_for_a_landlord_and_none_for_a_removed_member(landlord):
    month = str(timezone.localdate().month)
    SeasonalTask.objects.create(title="Faucarder les roseaux", text="Coupez à 20 cm.", months=month)
    removed = factories.member(landlord["first"])
    remove_membership(Membership.objects.get(person=removed))
    for person in (landlord["person"], removed):
        set_preference(person, "seasonal_tasks", True)
    assert seasonal_reminders.send_due(force=True).mails == 1
    assert seasonal_reminders.send_due(force=True).mails == 0
    [mail] = OutgoingMail.objects.filter(key__startswith="seasonal:")
    assert mail.key.startswith(f"seasonal:{landlord['person'].pk}:") and mail.to == [landlord["person"].email]
