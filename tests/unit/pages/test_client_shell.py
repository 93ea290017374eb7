"""One client-space frame on every page a client reaches: every URL of the
portal (the URL sweep: both spaces' routes, the account screens, the FAQ,
news and statement pages; none listed here) that answers a logged-in client
with a page shows the client space's navigation once, with the page's tab
marked; a SPANC and a visitor never get it."""

import re

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aquatiris_portal.pages.faq import FaqPage
from aquatiris_portal.pages.pro_space import ProSpacePage
from tests import factories
from tests.unit import _url_sweep as sweep
from tests.unit._url_sweep import _private_root, world  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db
SHELL = b'data-aqp-shell="client"'
CURRENT = re.compile(r'<a href="([^"]+)" aria-current="page">')


@pytest.fixture(scope="module")
def client_http(world, django_db_blocker):
    with django_db_blocker.unblock():
        user = factories.client_user(world.installation.client)
        http = HttpClient()
        factories.otp_login(http, user)
    return http


def _html(http, route, world):
    try:
        url = sweep.url_for(route, world)
    except LookupError:  # a route the sweep cannot fill yet: test_second_factor_sweep names it
        pytest.skip(f"{route}: no URL argument filler")
    response = http.get(url)
    if response.status_code in (204, 301, 302, 405) or not response["Content-Type"].startswith("text/html"):
        pytest.skip(f"{response.status_code} {response['Content-Type']}: not a page")  # files, redirects
    return response.content


def _client_routes():
    return [
        route
        for route in sweep.all_routes()
        if route.kind != "url" or route.namespace == sweep.APP or route.namespace.startswith(sweep.APP + ":")
    ]


@pytest.mark.parametrize("route", _client_routes(), ids=str)
def test_every_page_a_client_reaches_has_the_client_space_frame(route, world, client_http):
    body = _html(client_http, route, world)
    if b'<div class="aqp">' not in body:
        pytest.skip("not a portal page")
    assert body.count(SHELL) == 1, route
    assert body.count(b"data-aqp-menu") == 1 and b"aquatiris_portal/menu.js" in body
    assert b'class="aqp-accessibility-link"' in body


def test_the_sweep_covers_the_pages_outside_the_space():
    ids = {route.id for route in _client_routes()}
    assert {
        "page:FaqPage",
        "aquatiris_portal:password_change",
        "aquatiris_portal:notification_preferences",
        "page:ClientSpacePage:contact",
    } <= ids, ids


@pytest.mark.parametrize(
    "url_of, tab",
    [
        (lambda world: world.pages[FaqPage].url, "faq"),
        (lambda world: reverse("aquatiris_portal:password_change"), "password"),
        (lambda world: reverse("aquatiris_portal:notification_preferences"), "notifications"),
    ],
)
def test_the_page_shown_is_the_tab_marked(url_of, tab, world, client_http):
    url = url_of(world)
    body = client_http.get(url).content.decode()
    assert body.count('data-aqp-shell="client"') == 1
    assert CURRENT.findall(body) == [url], (url, CURRENT.findall(body))


def test_a_spanc_and_a_visitor_get_no_client_frame(world):
    spanc = HttpClient()
    factories.otp_login(spanc, world.spanc_user)
    for http, url in (
        (spanc, world.pages[ProSpacePage].url),
        (spanc, reverse("aquatiris_portal:password_change")),
        (HttpClient(), reverse("aquatiris_portal:login")),
    ):
        response = http.get(url)
        assert response.status_code == 200 and SHELL not in response.content, url


def test_the_frame_costs_no_query_on_a_warm_page(world, client_http):
    url = reverse("aquatiris_portal:password_change")
    client_http.get(url)
    with CaptureQueriesContext(connection) as warm:
        assert client_http.get(url).status_code == 200
    assert not [
        q for q in warm.captured_queries if "clientspacepage" in q["sql"].lower() or "faqpage" in q["sql"].lower()
    ]
