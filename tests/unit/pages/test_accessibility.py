"""Accessibility promises that need no browser: the idle-logout
warning is on every logged-in page (static script only), "stay logged in"
records the activity, the accessibility statement page type (RGAA 4.1)."""

import datetime
import re
import time

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from wagtail.models import Site

from aquatiris_portal.pages.client_space import ClientSpacePage
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_http():
    root = Site.objects.get(is_default_site=True).root_page
    root.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))
    installation = factories.installation()
    http = HttpClient()
    http.force_login(factories.client_user(installation.client))
    return http


def test_logged_in_pages_carry_the_idle_warning_with_a_static_script(client_http, settings):
    settings.AQUATIRIS_PORTAL_SESSION_IDLE_SECONDS = 30 * 60
    html = client_http.get("/espace-client/").content.decode()
    dialog = re.search(r"<dialog[^>]*data-aqp-idle[^>]*>", html)
    assert dialog, "no idle warning on the dashboard"
    assert 'data-idle-seconds="1800"' in dialog.group(0) and 'data-warn-seconds="120"' in dialog.group(0)
    assert f'data-keepalive-url="{reverse("aquatiris_portal:keep_alive")}"' in dialog.group(0)
    assert 'src="/static/aquatiris_portal/idle.js"' in html
    assert "data-aqp-idle-stay" in html  # the "stay logged in" button
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script (CSP script-src 'self')"


def test_anonymous_pages_have_no_idle_warning(client):
    html = client.get(reverse("aquatiris_portal:login")).content.decode()
    assert "data-aqp-idle" not in html


def test_stay_logged_in_records_the_activity(client_http, settings):
    from aquatiris_portal.accounts.middleware import LAST_SEEN_SESSION_KEY

    settings.AQUATIRIS_PORTAL_SESSION_IDLE_SECONDS = 30 * 60
    session = client_http.session
    session[LAST_SEEN_SESSION_KEY] = int(time.time()) - 28 * 60  # the warning is on screen
    session.save()
    response = client_http.get(reverse("aquatiris_portal:keep_alive"))
    assert response.status_code == 204 and "no-cache" in response["Cache-Control"]
    assert client_http.session[LAST_SEEN_SESSION_KEY] >= int(time.time()) - 5
    # Three minutes later (31 min after the last page) the session still lives.
    session = client_http.session
    session[LAST_SEEN_SESSION_KEY] -= 3 * 60
    session.save()
    assert client_http.get("/espace-client/").status_code == 200


def test_stay_logged_in_after_the_end_says_so(client):
    assert client.get(reverse("aquatiris_portal:keep_alive")).status_code == 401


def test_the_accessibility_statement_is_an_editors_page_on_the_rgaa_model():
    from aquatiris_portal.pages.accessibility import AccessibilityStatementPage

    root = Site.objects.get(is_default_site=True).root_page
    statement = root.add_child(
        instance=AccessibilityStatementPage(
            title="Déclaration d'accessibilité",
            slug="accessibilite",
            conformance="partial",
            compliance_rate="78 %",
            audit_date=datetime.date(2027, 1, 1),
            audited_by="Cabinet Exemple",
            contact_email="a11y@aquatiris.example",
            non_compliant="<p>Le PDF des études de sol n'est pas balisé.</p>",
        )
    )
    html = HttpClient().get(statement.url).content.decode()
    assert "RGAA" in html and "4.1" in html and "78 %" in html and "Cabinet Exemple" in html
    assert "1er janvier 2027" in html  # plain French dates
    assert "Le PDF des études de sol n'est pas balisé." in html
    assert 'href="mailto:a11y@aquatiris.example"' in html
    assert "Défenseur des droits" in html  # the remedies every statement must give
    assert html.count("<h1") == 1
