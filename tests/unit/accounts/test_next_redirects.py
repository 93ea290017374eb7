"""Every ``next`` consumer refuses to send people off site.

The consumers: the login, the second factor, the enrolment of an app, the
first connection (activation), the lost password, and the passthrough of
the Wagtail admin's login to the portal's. Each gets each hostile ``next``
(``//evil.example``, ``/\\evil.example``, ``https:evil.example``,
``javascript:alert(1)``, ``https://other.example/``): a redirect goes to a
path of this site, and no page carries the hostile value on (hidden
field, link).
"""

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from tests import factories
from tests.unit._url_sweep import same_site_path

pytestmark = pytest.mark.django_db

HOSTILE = ["//evil.example", "/\\evil.example", "https:evil.example", "javascript:alert(1)", "https://other.example/"]
PASSWORD = "correct-Horse-battery-9"


def url(name):
    return reverse(f"aquatiris_portal:{name}")


def carries_nothing_hostile(text):
    text = text.lower()
    return "evil.example" not in text and "other.example" not in text and "javascript:" not in text


def assert_same_site(response, *, may_carry_next=False):
    """A redirect to a path of this site; with ``may_carry_next``, the
    hostile value may only ride in the query of a same-site URL (a
    passthrough to the login, which drops it)."""
    assert response.status_code in (301, 302, 303), response.status_code
    location = response["Location"]
    assert same_site_path(location), location
    if not may_carry_next:
        assert carries_nothing_hostile(location), location


def totp_code(device):
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def staff_with_app():
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = factories.user(password=PASSWORD, is_staff=True, is_superuser=True)
    return user, TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def login(http, user, next_url=None):
    data = {"email": user.email, "password": PASSWORD}
    if next_url is not None:
        data["next"] = next_url
    return http.post(url("login") + (f"?{_q(next_url)}" if next_url else ""), data)


def _q(next_url):
    from urllib.parse import urlencode

    return urlencode({"next": next_url})


@pytest.mark.parametrize("hostile", HOSTILE)
def test_login_page_and_login_refuse_a_hostile_next(hostile):
    http = HttpClient()
    page = http.get(url("login"), {"next": hostile})
    assert page.status_code == 200 and carries_nothing_hostile(page.content.decode())
    user = factories.client_user(password=PASSWORD)  # a client without an app: no second factor
    response = login(http, user, hostile)
    assert_same_site(response)
    assert http.session.get("_auth_user_id") == str(user.pk)  # it did log in, and went home


@pytest.mark.parametrize("hostile", HOSTILE)
def test_second_factor_refuses_a_hostile_next(hostile):
    user, device = staff_with_app()
    http = HttpClient()
    response = login(http, user, hostile)
    assert_same_site(response)  # to the second factor, without the hostile next
    page = http.get(url("otp_verify"), {"next": hostile})
    assert page.status_code == 200 and carries_nothing_hostile(page.content.decode())
    response = http.post(url("otp_verify") + "?" + _q(hostile), {"code": totp_code(device), "next": hostile})
    assert_same_site(response)
    from django_otp import DEVICE_ID_SESSION_KEY

    assert http.session.get(DEVICE_ID_SESSION_KEY) == device.persistent_id  # the code was taken


@pytest.mark.parametrize("hostile", HOSTILE)
def test_enrolment_refuses_a_hostile_next(hostile):
    user = factories.user(password=PASSWORD, is_staff=True, is_superuser=True)  # no device yet: enrolment
    http = HttpClient()
    response = login(http, user, hostile)
    assert_same_site(response)
    for _ in range(3):  # follow the way to the enrolment screen, carrying the hostile next
        if response.status_code not in (301, 302, 303):
            break
        target = response["Location"]
        query = parse_qs(urlsplit(target).query)
        assert all(carries_nothing_hostile(v) for values in query.values() for v in values), target
        response = http.get(target)
    page = http.get(url("otp_enroll"), {"next": hostile})
    assert page.status_code == 200 and carries_nothing_hostile(page.content.decode())
    posted = http.post(url("otp_enroll") + "?" + _q(hostile), {"code": "000000", "next": hostile})
    if posted.status_code in (301, 302, 303):
        assert_same_site(posted)
    else:
        assert carries_nothing_hostile(posted.content.decode())


@pytest.mark.parametrize("purpose", ["activation", "reset"])
@pytest.mark.parametrize("hostile", HOSTILE)
def test_first_connection_and_lost_password_end_on_this_site(purpose, hostile):
    """The whole way, with the hostile next on every request: the form, the
    link, the new password; the person ends on a page of this site."""
    from aquatiris_portal.accounts import tokens
    from aquatiris_portal.accounts.models import AccountToken

    name = "activation" if purpose == "activation" else "password_reset"
    http = HttpClient()
    page = http.get(url(name), {"next": hostile})
    assert page.status_code == 200 and carries_nothing_hostile(page.content.decode())
    if purpose == "activation":
        record = factories.client()
        _token, raw = tokens.issue(AccountToken.Purpose.ACTIVATION, email=record.email, hours=72, client=record)
        link = reverse("aquatiris_portal:activation_link", args=[raw])
    else:
        user = factories.client_user(password=PASSWORD)
        _token, raw = tokens.issue(AccountToken.Purpose.RESET, email=user.email, hours=1, user=user)
        link = reverse("aquatiris_portal:password_reset_link", args=[raw])
    response = http.get(link, {"next": hostile})
    assert_same_site(response)
    form_url = response["Location"]
    page = http.get(form_url, {"next": hostile})
    assert page.status_code == 200 and carries_nothing_hostile(page.content.decode())
    new_password = "Roseaux-filtre-2026-tres-long"
    response = http.post(
        form_url + "?" + _q(hostile),
        {"choice": "own", "new_password1": new_password, "new_password2": new_password, "next": hostile},
    )
    assert_same_site(response)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_admin_login_passthrough_ends_on_this_site(hostile):
    """/admin/login/?next=... goes to the portal's login, which drops the
    hostile next: after the password and the code, the staff member is on
    a page of this site."""
    user, device = staff_with_app()
    http = HttpClient()
    response = http.get(reverse("wagtailadmin_login"), {"next": hostile})
    assert_same_site(response, may_carry_next=True)
    assert urlsplit(response["Location"]).path == url("login")
    page = http.get(response["Location"])
    assert page.status_code == 200 and carries_nothing_hostile(page.content.decode())
    response = login(http, user)  # the form carries no next: the page had none
    assert_same_site(response)
    response = http.post(response["Location"], {"code": totp_code(device)})
    assert_same_site(response)
    # Once verified, Wagtail's own login view is reached: it refuses the next too.
    response = http.get(reverse("wagtailadmin_login"), {"next": hostile})
    assert_same_site(response)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_wagtails_own_front_end_login_passes_through_to_the_portals(hostile):
    """/_util/login/ (Wagtail's login for private pages and documents) would
    log a SPANC in with the password alone, without the throttle: it sends
    to the portal's login, which drops the hostile next, and logs nobody in."""
    user = factories.spanc_user(password=PASSWORD)
    http = HttpClient()
    wagtail_login = reverse("wagtailcore_login")
    response = http.get(wagtail_login, {"next": hostile})
    assert_same_site(response, may_carry_next=True)
    assert urlsplit(response["Location"]).path == url("login")
    assert carries_nothing_hostile(http.get(response["Location"]).content.decode())
    response = http.post(wagtail_login, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and urlsplit(response["Location"]).path == url("login")
    assert "_auth_user_id" not in http.session
