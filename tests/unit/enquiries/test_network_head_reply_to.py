"""The network head (staff) who gets a request by mail may write back to
the person who sent it: Reply-To is that person's address (a household
member's own, as her copy), the client's address when the owner sent it;
the franchisee's Reply-To stays the portal's sender (he answers by link)."""

import pytest
from wagtail.models import Site

from aquatiris_portal.enquiries.services import submit_request
from aquatiris_portal.models import OutgoingMail, PortalRequest
from aquatiris_portal.snippets.site_settings import PortalSettings
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("portal_public_url")]


@pytest.fixture
def network_head():
    site = Site.objects.get(is_default_site=True)
    settings_obj = PortalSettings.for_site(site)
    settings_obj.network_head_emails = "sav@aquatiris.example"
    settings_obj.save()
    return settings_obj


def _network_head_mail(client, sender, portal_settings):
    portal_request = submit_request(
        user=sender,
        client=client,
        installation=factories.installation(client=client),
        kind=PortalRequest.Kind.AFTER_SALES,
        message="La pompe ne démarre plus",
        subject_label="SAV",
        portal_settings=portal_settings,
    )
    return OutgoingMail.objects.get(key=f"request:{portal_request.reference}:network_head")


def test_a_household_member_s_request_lets_the_network_head_answer_her(network_head):
    durand = factories.client(first_name="Anne", last_name="Durand")
    factories.client_user(durand, first_name="Paul", last_name="Durand")
    claire = factories.member(durand, first_name="Claire", last_name="Martin")

    mail = _network_head_mail(durand, claire, network_head)

    assert mail.to == ["sav@aquatiris.example"]
    assert mail.reply_to == [claire.email] and durand.email not in mail.reply_to


def test_the_owner_s_request_lets_the_network_head_answer_at_the_client_address(network_head):
    durand = factories.client(first_name="Anne", last_name="Durand")
    paul = factories.client_user(durand, first_name="Paul", last_name="Durand")

    assert _network_head_mail(durand, paul, network_head).reply_to == [durand.email]
