"""Digests per person: each person with an active membership of the record
who wants it gets their own digest, once per period; a removed person none."""

import pytest

from aquatiris_portal.accounts.memberships import remove_membership
from aquatiris_portal.accounts.models import Membership
from aquatiris_portal.digests.services import send_due
from aquatiris_portal.models import OutgoingMail
from aquatiris_portal.notifications.preferences import set_preference
from tests import factories
from tests.unit.digests.test_digests import space  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("portal_public_url", "space")]


def _digest_recipients(kind):
    return sorted(mail.to[0] for mail in OutgoingMail.objects.filter(key__startswith=f"digest:{kind}:"))


@pytest.fixture
def household():
    client = factories.client()
    installation = factories.installation(client=client)
    owner = factories.client_user(client)
    partner = factories.member(client)
    return {"client": client, "installation": installation, "owner": owner, "partner": partner}


def test_each_member_gets_their_own_digest(household):
    factories.document(household["installation"], title="Facture de pose")
    assert send_due(force=True).client_mails == 2
    assert _digest_recipients("client") == sorted([household["owner"].email, household["partner"].email])


def test_a_member_who_opted_out_gets_none_the_other_one(household):
    set_preference(household["partner"], "client_documents", False)
    factories.document(household["installation"], title="Facture de pose")
    assert send_due(force=True).client_mails == 1
    assert _digest_recipients("client") == [household["owner"].email]


def test_a_removed_member_gets_none(household):
    remove_membership(Membership.objects.get(person=household["partner"]))
    factories.document(household["installation"], title="Facture de pose")
    send_due(force=True)
    assert _digest_recipients("client") == [household["owner"].email]


def test_a_second_run_of_the_same_period_sends_no_second_mail(household):
    factories.document(household["installation"], title="Facture de pose")
    send_due(force=True)
    factories.document(household["installation"], title="Rapport de mise en service")
    assert send_due(force=True).client_mails == 0
    assert send_due().client_mails == 0
    assert len(_digest_recipients("client")) == 2


def test_each_agent_of_a_spanc_gets_their_own_weekly_digest():
    spanc = factories.spanc()
    manager = factories.spanc_user(spanc)
    agent = factories.member(spanc)
    factories.installation(spanc=spanc)
    assert send_due(force=True).spanc_mails == 2
    assert _digest_recipients("spanc") == sorted([manager.email, agent.email])
