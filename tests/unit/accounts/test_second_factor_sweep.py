"""The second factor on every URL.

Every route of the package, of the Wagtail admin the portal adds, of Wagtail
documents and of the portal's pages (tests/unit/_url_sweep.py finds them; none
is listed here) is opened, GET then POST, by a SPANC agent and by a staff
superuser who both typed their password in the real login view but not the
second factor. None of them gets data: each answer is a redirect to the
second-factor page, or 403/404; only the account screens listed in
``BEFORE_SECOND_FACTOR`` may answer, and no answer carries the fixture
client's name, email or document title.
"""

from urllib.parse import urlsplit

import pytest
from django.http import HttpResponse
from django.test import Client as HttpClient
from django.urls import include, path, reverse

from tests.unit import _url_sweep as sweep
from tests.unit._url_sweep import _private_root, world  # noqa: F401 (fixtures)

# The account screens a session that owes its second factor may open (the
# way to the code, or out). This list is the sweep's own, on purpose not
# the middleware's OPEN_URL_NAMES: a route opened there by mistake fails here.
BEFORE_SECOND_FACTOR = {
    f"aquatiris_portal:{name}"
    for name in (
        "login",
        "logout",
        "otp_verify",
        "otp_enroll",
        "activation",
        "activation_link",
        "activation_password",
        "password_reset",
        "password_reset_link",
        "password_reset_password",
    )
}
USERS = ("spanc", "staff")
ROUTES = sweep.all_routes()
# Every test of the module a database test: pytest-django runs them together,
# before the transactional tests that flush the migrations' root page and
# collection, so the module's world is built once.
pytestmark = pytest.mark.django_db


def half_logged_in(user):
    """A session through the real login view: password right, code not typed."""
    http = HttpClient()
    response = http.post(reverse("aquatiris_portal:login"), {"email": user.email, "password": sweep.PASSWORD})
    assert response.status_code == 302, response.status_code
    assert urlsplit(response["Location"]).path == reverse("aquatiris_portal:otp_verify")
    assert http.session.get("_auth_user_id") == str(user.pk)  # logged in, second factor owed
    return http


def problems(http, route, url):
    """What is wrong with the answers of ``url`` (GET, then POST) for a
    session without the second factor; [] when nothing."""
    found = []
    otp_path = reverse("aquatiris_portal:otp_verify")
    for method in ("get", "post"):
        response = getattr(http, method)(url)
        status = response.status_code
        body = sweep.body_of(response)
        leaked = [marker for marker in sweep.MARKERS if marker.lower().encode() in body.lower()]
        if leaked:
            found.append(f"{method.upper()} {url}: {status} shows {leaked}")
        location = response.get("Location", "")
        if route.id in BEFORE_SECOND_FACTOR:
            if status in (301, 302, 303) and not sweep.same_site_path(location):
                found.append(f"{method.upper()} {url}: redirects off site to {location}")
            elif status not in (200, 301, 302, 303, 403, 404, 405, 410, 429):
                found.append(f"{method.upper()} {url}: {status}")
        elif status in (301, 302, 303, 307, 308):
            if urlsplit(location).path != otp_path:
                found.append(f"{method.upper()} {url}: redirects to {location}, not to the second factor")
        elif status not in (403, 404):
            found.append(f"{method.upper()} {url}: answers {status} without the second factor")
    return found


@pytest.mark.parametrize("who", USERS)
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_no_data_without_the_second_factor(route, who, world):
    user = world.spanc_user if who == "spanc" else world.staff_user
    http = half_logged_in(user)
    url = sweep.url_for(route, world)
    assert problems(http, route, url) == []


def test_the_sweep_reaches_what_it_promises():
    """The walk finds the routes the issue names (so a refactor of the walk
    cannot silently sweep nothing)."""
    ids = {route.id for route in ROUTES}
    expected = {
        "aquatiris_portal:document_download",
        "aquatiris_portal_requests:index",
        "aquatiris_portal_requests:export",
        "aquatiris_portal_requests:inspect",
        "aquatiris_portal_client_modeladmin_index",
        "aquatiris_portal_outboxevent_modeladmin_retry",
        "wagtailsnippets_aquatiris_portal_faqentry:list",
        "wagtaildocs:index",
        "wagtaildocs_serve",
        "page:ClientSpacePage:documents",
        "page:ProSpacePage:folder_detail",
    }
    assert expected <= ids, expected - ids
    assert BEFORE_SECOND_FACTOR <= ids, BEFORE_SECOND_FACTOR - ids


# --- the sweep catches an ungated route ---------------------------------------


def leaky_view(request, pk):
    from aquatiris_portal.models import Client

    return HttpResponse(Client.objects.get(pk=pk).last_name)


leak_urlpatterns = [path("fuite/<int:pk>/", leaky_view, name="leak")]


def _leak_urlconf():
    """The example site's URLconf with one more route in the portal's namespace."""
    from django.urls import URLResolver

    from aquatiris_portal import urls as portal_urls
    from example_site import urls as site_urls

    module = type(site_urls)("sweep_leak_urls")
    module.urlpatterns = [
        path("portail/", include(([*portal_urls.urlpatterns, *leak_urlpatterns], "aquatiris_portal"))),
        *(p for p in site_urls.urlpatterns if not (isinstance(p, URLResolver) and p.namespace == "aquatiris_portal")),
    ]
    return module


def test_the_sweep_catches_a_route_added_without_the_gate(world, monkeypatch, settings):
    """A route the gate lets through (here: named open in the middleware by
    mistake) is found by the walk and fails the sweep's check."""
    from aquatiris_portal.accounts import middleware

    urlconf = _leak_urlconf()
    settings.ROOT_URLCONF = urlconf
    monkeypatch.setattr(middleware, "OPEN_URL_NAMES", middleware.OPEN_URL_NAMES | {"leak"})
    route = next(r for r in sweep.url_routes(urlconf) if r.id == "aquatiris_portal:leak")
    world.extra[route.id] = {"pk": world.objects[type(world.installation.client)].pk}
    try:
        url = sweep.url_for(route, world, urlconf=urlconf)
        found = problems(half_logged_in(world.spanc_user), route, url)
    finally:
        world.extra.pop(route.id)
    assert any("shows ['Quarantotto']" in p for p in found), found
    assert any("without the second factor" in p for p in found), found
