"""The dashboard's texts written in Python (pages/dashboard_cards.py: kept
once per process and language) follow each request's language: a host that
serves French and English gets, in one process, each reader's own, in
whatever order the requests come."""

import datetime

import pytest
from django.test import Client as HttpClient
from django.utils import timezone
from wagtail.models import Site

from aquatiris_portal.pages.client_space import ClientSpacePage
from aquatiris_portal.records.visits import Visit
from tests import factories

pytestmark = pytest.mark.django_db

# The same card's fixed texts (a visit planned, an emergency box), per language.
TEXTS = {
    "fr": ("Où en est-elle", "Avancement et détails", "Ajouter à mon agenda", "En cas d'urgence"),
    "en": ("Where it stands", "Progress and details", "Add to my calendar", "In an emergency"),
}


@pytest.fixture
def dashboard_url(settings, wagtail_tree):
    settings.LANGUAGES = [("fr", "Français"), ("en", "English")]
    root = Site.objects.get(is_default_site=True).root_page
    space = root.add_child(
        instance=ClientSpacePage(title="Espace client", slug="espace-client", emergency_text="Fuite : appelez-nous.")
    )
    return space.url


def test_the_cards_follow_each_requests_language_in_one_process(dashboard_url):
    installation = factories.installation()
    Visit.objects.create(
        external_id="V-lang",
        installation=installation,
        kind="maintenance",
        planned_for=timezone.localdate() + datetime.timedelta(days=3),
    )
    user = factories.client_user(installation.client)
    for language in ("en", "fr", "en", "fr"):
        http = HttpClient(HTTP_ACCEPT_LANGUAGE=language)
        http.force_login(user)
        html = http.get(dashboard_url).content.decode()
        other = "fr" if language == "en" else "en"
        assert all(text in html for text in TEXTS[language]), language
        assert not any(text in html for text in TEXTS[other][:3]), language
