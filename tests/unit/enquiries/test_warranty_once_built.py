"""No warranty invitation nor warranty tab before the installation is built:
at the study, quote and installation (works) stages the client space offers
nothing to register; once commissioned it does."""

import datetime
from html import unescape

import pytest
from django.test import Client as HttpClient
from wagtail.models import Site

from aquatiris_portal.models import WarrantyExtension
from aquatiris_portal.pages.client_space import ClientSpacePage
from tests import factories
from tests.unit._pro_space import FAST_HASHERS

pytestmark = pytest.mark.django_db
BASE = "/espace-client/"
INVITATION = "Enregistrez-le pour prolonger votre garantie"


@pytest.fixture
def http(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    Site.objects.get(is_default_site=True).root_page.add_child(
        instance=ClientSpacePage(title="Espace client", slug="espace-client")
    )
    client = factories.client()
    http = HttpClient()
    http.force_login(factories.client_user(client))
    http.portal_client = client
    return http


def screens(http, installation):
    base = f"{BASE}installations/{installation.pk}/"
    return {url: unescape(http.get(url).content.decode()) for url in (BASE, base, f"{base}documents/")}


@pytest.mark.parametrize("stage", ["study", "quote", "installation"])
def test_nothing_to_register_before_the_installation_is_built(http, stage):
    installation = factories.installation(client=http.portal_client, stage=stage)
    warranty = f"{BASE}installations/{installation.pk}/garantie/"
    for url, html in screens(http, installation).items():
        assert INVITATION not in html, url
        assert warranty not in html, url  # neither the tab nor a link
    http.post(warranty, {"serial_number": "AQ-2021-004512", "confirm": "1"})
    assert not WarrantyExtension.objects.exists()


@pytest.mark.parametrize("stage", ["commissioned", "maintenance"])
def test_a_built_installation_offers_the_warranty(http, stage):
    installation = factories.installation(
        client=http.portal_client, stage=stage, installed_on=datetime.date(2020, 4, 2)
    )
    warranty = f"{BASE}installations/{installation.pk}/garantie/"
    pages = screens(http, installation)
    assert INVITATION in pages[f"{BASE}installations/{installation.pk}/"]
    assert all(warranty in html for html in pages.values())
