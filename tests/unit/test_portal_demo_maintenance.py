"""What ``portal_demo`` adds so that ``make demo`` shows every promise: the
accessibility statement every page links (RGAA)."""

import io

import pytest
from django.core.management import call_command
from django.test import Client as HttpClient

from aquatiris_portal.pages.accessibility import AccessibilityStatementPage

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    for _ in range(2):  # safe twice
        call_command("portal_demo", stdout=io.StringIO())
    settings.DEBUG = False  # the site's own 404 page, not Django's debug page


def test_the_demo_creates_the_statement_once_and_every_page_links_it(demo):
    statement = AccessibilityStatementPage.objects.live().get()
    assert statement.conformance == AccessibilityStatementPage.Conformance.PARTIAL
    body = HttpClient().get("/pas-de-page-ici/").content.decode()
    assert f'<a href="{statement.get_url()}">Accessibilité : partiellement conforme</a>' in body
