"""RGAA asks a link to the accessibility statement from every page: every
page of both spaces (every subpage route, found by the URL sweep, none listed
here) shows « Accessibilité : partiellement conforme » linking the live
statement of the site, once; the example site's footer has it; the link is
read from the cache (no query on a warm page) and follows the statement."""

import re

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext

from aquatiris_portal.pages.accessibility import AccessibilityStatementPage
from aquatiris_portal.pages.client_space import ClientSpacePage
from aquatiris_portal.pages.pro_space import ProSpacePage
from tests import factories
from tests.unit import _url_sweep as sweep
from tests.unit._url_sweep import _private_root, world  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db
SPACES = (ClientSpacePage, ProSpacePage)
ROUTES = [route for route in sweep.page_routes() if route.model in SPACES]
LINK = re.compile(rb'<a href="([^"]+)">Accessibilit[^<]*: partiellement conforme</a>')


def links(body):
    return [href.decode() for href in LINK.findall(body)]


@pytest.fixture(scope="module")
def sessions(world, django_db_blocker):
    with django_db_blocker.unblock():
        client_user = factories.client_user(world.installation.client)
        http_client, http_spanc = HttpClient(), HttpClient()
        factories.otp_login(http_client, client_user)
        factories.otp_login(http_spanc, world.spanc_user)
    return {ClientSpacePage: http_client, ProSpacePage: http_spanc}


def statement_url(world):
    return world.pages[AccessibilityStatementPage].get_url()


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_every_page_of_both_spaces_links_the_statement_once(route, world, sessions):
    http = sessions[route.model]
    response = http.get(sweep.url_for(route, world))
    if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
        pytest.skip(f"{response.status_code} {response['Content-Type']}: not a page")  # files, redirects
    assert links(response.content) == [statement_url(world)]


def test_the_sweep_checks_the_spaces_pages():
    ids = {route.id for route in ROUTES}
    assert {"page:ClientSpacePage", "page:ClientSpacePage:documents", "page:ProSpacePage"} <= ids, ids


def test_the_example_sites_footer_links_it_and_the_cache_spares_the_queries(world):
    http = HttpClient()
    missing = "/pas-de-page-ici/"  # the example site's 404 page: base.html, not the portal's layout
    first = http.get(missing)
    assert first.status_code == 404
    assert links(first.content) == [statement_url(world)]
    footer = first.content.split(b'<footer class="site-footer">', 1)[1]
    assert b"partiellement conforme" in footer
    with CaptureQueriesContext(connection) as warm:
        http.get(missing)
    assert not [q for q in warm.captured_queries if "accessibilitystatementpage" in q["sql"].lower()]


def test_the_link_follows_the_statement(world, sessions):
    page = world.pages[AccessibilityStatementPage]
    http = sessions[ClientSpacePage]
    url = world.pages[ClientSpacePage].get_url()
    assert links(http.get(url).content) == [statement_url(world)]
    page.conformance = AccessibilityStatementPage.Conformance.FULL
    page.save_revision().publish()
    assert b"totalement conforme" in http.get(url).content
    page.unpublish()
    assert b"aqp-accessibility-link" not in http.get(url).content
