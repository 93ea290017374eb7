"""Every admin door of a host needs the second factor (docs/architecture.md, rules):
Django's admin wherever the host mounts it, recognised by its resolved
view, not by a path (accounts/middleware.py); its login form never checks
a password (the portal's login does, throttled)."""

import pytest
from django.contrib import admin
from django.core.checks import Error
from django.test import Client as HttpClient
from django.urls import reverse

from aquatiris_portal import checks
from aquatiris_portal.accounts.middleware import is_django_admin
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.unit._admin_doors_urls")]

PASSWORD = "correct-Horse-battery-9"


def _superuser():
    return factories.user(email="boss@example.org", is_staff=True, is_superuser=True)


def _login_url():
    return reverse("aquatiris_portal:login")


def _verify_url():
    return reverse("aquatiris_portal:otp_verify")


@pytest.mark.parametrize("prefix", ["/django-admin/", "/backstage/"])
def test_a_superusers_password_alone_does_not_open_djangos_admin(prefix):
    boss = _superuser()
    http = HttpClient()
    # Django's own login form: never shown, never checks the password.
    response = http.post(prefix + "login/", {"username": boss.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith(_login_url())
    assert "_auth_user_id" not in http.session
    for path in (prefix, prefix + "auth/user/", prefix + f"auth/user/{boss.pk}/change/", prefix + "password_change/"):
        response = http.get(path)
        assert response.status_code == 302 and response["Location"].startswith(_login_url()), path
    # Logged in with the password alone (no second factor in the session):
    # the second-factor step, not the admin index.
    http.force_login(boss)
    for path in (prefix, prefix + "auth/user/", prefix + "login/"):
        response = http.get(path)
        assert response.status_code == 302 and response["Location"].startswith(_verify_url()), path


@pytest.mark.parametrize("prefix", ["/django-admin/", "/backstage/"])
def test_with_the_verified_device_the_superuser_gets_in(prefix):
    boss = _superuser()
    http = HttpClient()
    factories.otp_login(http, boss)
    assert http.get(prefix).status_code == 200
    assert http.get(prefix + "auth/user/").status_code == 200
    # The login form of the admin sends a verified user on, without a second password check.
    other = factories.user(email="other@example.org", is_staff=True, is_superuser=True)
    response = http.post(prefix + "login/", {"username": other.username, "password": PASSWORD})
    assert (response.status_code, response["Location"]) == (302, prefix)
    assert http.session["_auth_user_id"] == str(boss.pk)
    assert http.get(prefix + "login/?next=https://evil.example.org/")["Location"] == prefix


def test_the_admin_is_recognised_by_its_views_not_its_path():
    from django.urls import resolve

    for path in ("/django-admin/", "/backstage/auth/user/", "/django-admin/login/", "/backstage/logout/"):
        assert is_django_admin(resolve(path)), path
    assert not is_django_admin(resolve(_login_url()))
    assert not is_django_admin(resolve("/admin/"))  # Wagtail's: guarded by its own rule
    assert admin.site.name == "admin"


def test_the_system_check_names_the_unguarded_admin_doors(settings):
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if not name.endswith("SecondFactorMiddleware")]
    [error] = [message for message in checks.check_middleware() if message.id == "aquatiris_portal.E004"]
    assert isinstance(error, Error)
    assert "/django-admin/" in error.msg and "/backstage/" in error.msg and "/admin/" in error.msg


def test_wagtails_login_form_checks_no_password_for_a_verified_user_either():
    boss = _superuser()
    other = factories.user(email="other@example.org", is_staff=True, is_superuser=True)
    http = HttpClient()
    factories.otp_login(http, boss)
    login = reverse("wagtailadmin_login")
    response = http.post(login, {"username": other.username, "password": PASSWORD})
    assert (response.status_code, response["Location"]) == (302, reverse("wagtailadmin_home"))
    assert http.session["_auth_user_id"] == str(boss.pk)
    assert http.get(login + "?next=/admin/pages/")["Location"] == "/admin/pages/"
    assert http.get(login + "?next=https://evil.example.org/")["Location"] == reverse("wagtailadmin_home")
