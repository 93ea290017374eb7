"""The network head (staff) who gets a request by mail may write back to
the person who sent it: Reply-To is that person's address (a household
member's own, as her copy), the client's address when the owner sent it;
the franchisee's Reply-To stays the portal's sender (he answers by link)."""

import pytest
from wagtail.models import Site

from aquatiris_portal.models import OutgoingMail, PortalRequest
from aquatiris_portal.snippets.site_settings import PortalSettings
from tests.unit.enquiries._helpers import durand_household, send_request

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("portal_public_url")]


AFTER_SALES = {"kind": PortalRequest.Kind.AFTER_SALES, "message": "La pompe ne démarre plus", "subject_label": "SAV"}


@pytest.fixture
def network_head():
    site = Site.objects.get(is_default_site=True)
    settings_obj = PortalSettings.for_site(site)
    settings_obj.network_head_emails = "sav@aquatiris.example"
    settings_obj.save()
    return settings_obj


def _network_head_mail(client, sender, portal_settings):
    portal_request = send_request(client, sender, portal_settings=portal_settings, **AFTER_SALES)
    return OutgoingMail.objects.get(key=f"request:{portal_request.reference}:network_head")


def test_a_household_member_s_request_lets_the_network_head_answer_her(network_head):
    durand, _paul, claire = durand_household()

    mail = _network_head_mail(durand, claire, network_head)

    assert mail.to == ["sav@aquatiris.example"]
    assert mail.reply_to == [claire.email] and durand.email not in mail.reply_to


def test_the_owner_s_request_lets_the_network_head_answer_at_the_client_address(network_head):
    durand, paul, _no_member = durand_household(member=False)

    assert _network_head_mail(durand, paul, network_head).reply_to == [durand.email]
