"""Staff's « Voir comme un client » and the accessibility statement show an
internationalised domain as people read it (``zoe@exämple.fr``), never the
ASCII form the portal stores; a search by the address as typed finds it."""

import re
from html import unescape

import pytest
from django.contrib.auth.models import Permission
from django.test import Client as HttpClient
from django.urls import reverse
from wagtail.models import Site

from aquatiris_portal.pages.accessibility import AccessibilityStatementPage
from aquatiris_portal.records.emails import canonical_email
from tests import factories

pytestmark = pytest.mark.django_db

STORED = canonical_email("Zoe@Exämple.fr")
SHOWN = "zoe@exämple.fr"


def shown_text(html):
    """What a person reads: the text, not the tags and their attributes."""
    return unescape(re.sub(r"<[^>]+>", " ", html))


def records_staff():
    user = factories.user(is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["access_admin", "view_as_client", "view_client"])
    )
    http = HttpClient()
    factories.otp_login(http, user)
    return http


@pytest.mark.parametrize("typed", ["Zoe@Exämple.fr", STORED, "ZOE@XN--EXMPLE-CUA.FR"])
def test_the_view_as_chooser_finds_a_client_by_address_and_shows_it_in_unicode(typed):
    assert STORED == "zoe@xn--exmple-cua.fr"
    zoe = factories.client(last_name="Zéphyr", email=STORED)
    factories.client(last_name="Autre", email="autre@example.org")
    response = records_staff().get(reverse("aquatiris_portal_view_as_client"), {"q": typed})
    assert response.status_code == 200
    clients = list(response.context["clients"])
    assert clients == [zoe]
    text = shown_text(response.content.decode())
    assert SHOWN in text and "xn--" not in text


def test_the_accessibility_statement_shows_its_contact_address_in_unicode():
    root = Site.objects.get(is_default_site=True).root_page
    statement = root.add_child(
        instance=AccessibilityStatementPage(
            title="Déclaration d'accessibilité", slug="accessibilite", contact_email="a11y@xn--exmple-cua.fr"
        )
    )
    html = HttpClient().get(statement.url).content.decode()
    assert 'href="mailto:a11y@xn--exmple-cua.fr"' in html
    text = shown_text(html)
    assert "a11y@exämple.fr" in text and "xn--" not in text
