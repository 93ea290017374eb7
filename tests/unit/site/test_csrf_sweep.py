"""CSRF on every POST view.

Every route the URL walk finds (tests/unit/_url_sweep.py: the portal's URLs,
the admin routes it adds, Wagtail documents, the portal's pages and their
subroutes) gets a POST without the token, from a superuser past the second
factor, with CSRF checks enforced as in a browser. Each is refused by
Django's CSRF check (403 from the failure view, recognised by a header),
before any view code runs. Exceptions, each for a reason:
- Wagtail's admin API (Django REST framework: CSRF-exempt for Django, DRF's
  session authentication refuses the POST itself: "CSRF Failed");
- a CSRF-exempt view that accepts no POST (405);
- ``EXEMPT`` below, named one by one with the reason.
"""

import pytest
from django.http import HttpResponseForbidden
from django.test import Client as HttpClient
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from tests.factories import otp_login
from tests.unit import _url_sweep as sweep
from tests.unit._url_sweep import _private_root, world  # noqa: F401 (fixtures)

ROUTES = sweep.all_routes()
pytestmark = pytest.mark.django_db  # one group for pytest-django's ordering: the module's world is built once
EXEMPT = {
    # RFC 8058 one-click unsubscribe: mail clients POST "List-Unsubscribe=One-Click"
    # without a token; the signed token in the URL is the credential, and it
    # can only switch a notification off.
    "aquatiris_portal:unsubscribe",
    # The internal system's "an export is ready" push (sync/push.py): server
    # to server, no session; the HMAC signature over timestamp and body is the credential.
    "aquatiris_portal:sync_export_ready",
}
REFUSED_HEADER = "X-Test-CSRF-Refused"


def csrf_refused(request, reason=""):
    response = HttpResponseForbidden("CSRF refused")
    response[REFUSED_HEADER] = reason or "yes"
    return response


@pytest.fixture(autouse=True)
def _marked_csrf_failures(settings):
    settings.CSRF_FAILURE_VIEW = f"{__name__}.csrf_refused"


def _view_of(url, urlconf=None):
    from django.urls import Resolver404, resolve

    try:
        return resolve(url.split("?")[0], urlconf=urlconf).func
    except Resolver404:
        return None  # a page: Wagtail's serve view answers it


def csrf_problem(http, url, urlconf=None):
    response = http.post(url, {"anything": "1"})
    if response.get(REFUSED_HEADER):
        return None
    view = _view_of(url, urlconf)
    exempt = getattr(view, "csrf_exempt", False)
    if exempt and response.status_code == 405:
        return None  # accepts no POST at all
    if (
        exempt
        and getattr(view, "cls", None) is not None
        and response.status_code == 403
        and b"CSRF Failed" in response.content
    ):
        return None  # Django REST framework's own CSRF check (session authentication)
    return f"POST {url} without a CSRF token: {response.status_code}, not refused by the CSRF check"


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_post_without_token_is_refused(route, world):
    http = HttpClient(enforce_csrf_checks=True)
    otp_login(http, world.staff_user)
    url = sweep.url_for(route, world)
    if route.id in EXEMPT:
        assert getattr(_view_of(url), "csrf_exempt", False), f"{route} is listed as exempt but is not"
        return
    assert csrf_problem(http, url) is None


# --- the sweep catches an exempt POST view ------------------------------------


@csrf_exempt
def exempt_post_view(request):
    return HttpResponseForbidden("no") if request.method != "POST" else HttpResponseForbidden("posted")


def _exempt_urlconf():
    from django.urls import URLResolver

    from aquatiris_portal import urls as portal_urls
    from example_site import urls as site_urls

    module = type(site_urls)("csrf_exempt_urls")
    extra = [path("exempte/", exempt_post_view, name="exempt")]
    module.urlpatterns = [
        path("portail/", include(([*portal_urls.urlpatterns, *extra], "aquatiris_portal"))),
        *(p for p in site_urls.urlpatterns if not (isinstance(p, URLResolver) and p.namespace == "aquatiris_portal")),
    ]
    return module


def test_the_sweep_catches_a_csrf_exempt_post_view(world, settings):
    """A 403 of the view itself is not taken for the CSRF refusal."""
    urlconf = _exempt_urlconf()
    settings.ROOT_URLCONF = urlconf
    route = next(r for r in sweep.url_routes(urlconf) if r.id == "aquatiris_portal:exempt")
    http = HttpClient(enforce_csrf_checks=True)
    otp_login(http, world.staff_user)
    assert "not refused by the CSRF check" in csrf_problem(http, sweep.url_for(route, world, urlconf), urlconf)
