"""'Faire confiance à ce navigateur pendant 30 jours' at a SPANC's second
factor: the cookie, when it skips the code and when it does not, every way
to revoke it, staff left out, and the security log."""

import datetime
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.test import Client as HttpClient
from django.test import RequestFactory
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_email.models import EmailDevice
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from aquatiris_portal.accounts import trusted_browsers
from aquatiris_portal.accounts.email_moves import move_login
from aquatiris_portal.accounts.trusted_browser_admin import RevokeTrustedBrowsersBulkAction
from aquatiris_portal.accounts.trusted_browser_models import TrustedBrowser
from aquatiris_portal.models import OutgoingMail
from aquatiris_portal.security_log.models import SecurityEvent
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_auth_delay")]

LOGIN = reverse("aquatiris_portal:login")
LOGOUT = reverse("aquatiris_portal:logout")
VERIFY = reverse("aquatiris_portal:otp_verify")
ACCOUNT = reverse("aquatiris_portal:password_change")
REVOKE_ALL = reverse("aquatiris_portal:trusted_browsers_revoke_all")
PASSWORD = "correct-Horse-battery-9"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
COOKIE = trusted_browsers.COOKIE_NAME


def _browser():
    return HttpClient(HTTP_USER_AGENT=FIREFOX)


def _codes():
    return OutgoingMail.objects.filter(key__startswith="otp:").count()


def _log_in(browser, user, *, trust=False):
    """Log in with the password and, when asked, the emailed code; returns
    the answer of the second-factor step."""
    response = browser.post(LOGIN, {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    step = browser.get(response["Location"])
    if step.status_code == 302:  # skipped: a trusted browser
        return step
    assert _codes(), "the code was not sent"
    mail = OutgoingMail.objects.filter(key__startswith="otp:").order_by("-pk").first()
    code = re.search(r"\b(\d{6})\b", mail.body_text).group(1)
    data = {"code": code, "next": "/"}
    if trust:
        data["trust_browser"] = "1"
    EmailDevice.objects.update(throttling_failure_timestamp=None, throttling_failure_count=0)
    return browser.post(VERIFY, data)


def _skipped(browser, user):
    """Whether a fresh login on ``browser`` skips the code."""
    browser.post(LOGOUT)
    before = _codes()
    browser.post(LOGIN, {"email": user.email, "password": PASSWORD})
    step = browser.get(VERIFY + "?next=/")
    skipped = step.status_code == 302
    assert skipped == (_codes() == before), "a code was sent although the step was skipped (or the reverse)"
    if skipped:
        assert browser.session.get(DEVICE_ID_SESSION_KEY), "skipped without django-otp's verified session"
    return skipped


def _kinds(user):
    return list(
        SecurityEvent.objects.filter(user=user, kind__startswith="trusted_browser")
        .order_by("pk")
        .values_list("kind", "details__reason")
    )


def _trusted(user=None):
    user = user or factories.spanc_user()
    browser = _browser()
    response = _log_in(browser, user, trust=True)
    assert response.status_code == 302 and COOKIE in response.cookies
    return user, browser, response.cookies[COOKIE]


# --- the cookie ---------------------------------------------------------------


def test_the_box_is_offered_to_a_spanc_and_its_cookie_has_the_flags(settings):
    settings.DEBUG = False
    user = factories.spanc_user()
    browser = _browser()
    browser.post(LOGIN, {"email": user.email, "password": PASSWORD})
    page = browser.get(VERIFY).content.decode()
    assert 'name="trust_browser"' in page and "30" in page
    cookie = _trusted(user)[2]
    assert cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "Lax"
    assert cookie["path"] == VERIFY
    assert int(cookie["max-age"]) == 30 * 86400
    row = TrustedBrowser.objects.get(user=user)
    assert row.user_agent == "Firefox, Windows"
    assert row.expires_at - row.created_at == datetime.timedelta(days=30)
    assert row.device_hash not in cookie.value  # only a hash on the server side
    assert _kinds(user) == [("trusted_browser_added", None)]


def test_the_cookie_is_not_secure_in_debug_and_the_duration_is_a_setting(settings):
    settings.DEBUG = True
    settings.AQUATIRIS_PORTAL_TRUSTED_BROWSER_DAYS = 7
    user, _browser_, cookie = _trusted()
    assert not cookie["secure"] and int(cookie["max-age"]) == 7 * 86400
    row = TrustedBrowser.objects.get(user=user)
    assert row.expires_at - row.created_at == datetime.timedelta(days=7)


def test_without_the_box_no_cookie_and_the_code_is_asked_again():
    user = factories.spanc_user()
    browser = _browser()
    response = _log_in(browser, user)
    assert response.status_code == 302 and COOKIE not in response.cookies
    assert not TrustedBrowser.objects.exists()
    assert not _skipped(browser, user)


def test_a_wrong_code_with_the_box_trusts_nothing():
    user = factories.spanc_user()
    browser = _browser()
    browser.post(LOGIN, {"email": user.email, "password": PASSWORD})
    browser.get(VERIFY)
    response = browser.post(VERIFY, {"code": "000001", "trust_browser": "1"})
    assert response.status_code == 200 and COOKIE not in response.cookies
    assert not TrustedBrowser.objects.exists()


# --- the next login ---------------------------------------------------------------


def test_the_next_login_from_that_browser_skips_the_code_and_is_otp_verified():
    user, browser, _cookie = _trusted()
    _kinds_before = _kinds(user)
    assert _skipped(browser, user)
    # The account screens' gate (SecondFactorMiddleware) lets the session in.
    assert browser.get(ACCOUNT).status_code == 200
    assert _kinds(user) == _kinds_before + [("trusted_browser_used", None)]
    assert TrustedBrowser.objects.get(user=user).last_used_at is not None
    event = SecurityEvent.objects.filter(user=user, kind="otp_verified").order_by("-pk").first()
    assert event.details.get("trusted_browser") is True


def test_another_browser_of_the_same_person_still_gets_the_code():
    user, _browser_, _cookie = _trusted()
    assert not _skipped(_browser(), user)


def _with_cookie(user, value):
    browser = _browser()
    browser.cookies[COOKIE] = value
    return browser


def _refused(browser, user, reason):
    assert not _skipped(browser, user)
    assert ("trusted_browser_refused", reason) in _kinds(user)
    # The refused cookie is deleted from the browser.
    assert browser.cookies[COOKIE].value == ""


def test_a_cookie_copied_to_another_user_is_refused_and_logged():
    _owner, _b, cookie = _trusted()
    other = factories.spanc_user()
    _refused(_with_cookie(other, cookie.value), other, "other_user")


def test_an_altered_cookie_is_refused_and_logged():
    user, _b, cookie = _trusted()
    value = cookie.value
    altered = value[:-1] + ("A" if value[-1] != "A" else "B")
    _refused(_with_cookie(user, altered), user, "invalid")


def test_a_cookie_signed_for_another_purpose_is_refused():
    from django.core import signing

    user, _b, cookie = _trusted()
    payload = signing.loads(cookie.value, salt=trusted_browsers.SALT)
    forged = signing.dumps(payload, salt="another.purpose")
    _refused(_with_cookie(user, forged), user, "invalid")


def test_an_expired_trust_is_refused():
    user, browser, _cookie = _trusted()
    with time_machine.travel(datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=30, minutes=1)):
        _refused(browser, user, "expired")


def test_a_row_expired_before_the_cookie_is_refused(settings):
    user, browser, _cookie = _trusted()
    TrustedBrowser.objects.update(expires_at=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))
    _refused(browser, user, "expired")
    assert not TrustedBrowser.objects.exists()


def test_a_password_changed_outside_the_portal_ends_the_trust():
    user, browser, _cookie = _trusted()
    user.set_password("another-Horse-battery-7")
    user.save()
    browser.post(LOGOUT)
    browser.post(LOGIN, {"email": user.email, "password": "another-Horse-battery-7"})
    assert browser.get(VERIFY + "?next=/").status_code == 200  # the code is asked
    assert ("trusted_browser_refused", "credentials_changed") in _kinds(user)
    assert not TrustedBrowser.objects.exists()


# --- staff ------------------------------------------------------------------------


def _make_staff(user, how):
    if how == "is_staff":
        user.is_staff = True
        user.save()
    else:
        group = Group.objects.create(name="Wagtail editors of a test")
        group.permissions.add(Permission.objects.get(codename="access_admin", content_type__app_label="wagtailadmin"))
        user.groups.add(group)
    return get_user_model().objects.get(pk=user.pk)


@pytest.mark.parametrize("how", ["is_staff", "wagtail_admin_access"])
def test_staff_are_never_offered_and_their_cookie_is_ignored(how):
    user, browser, _cookie = _trusted()
    user = _make_staff(user, how)
    browser.post(LOGOUT)
    browser.post(LOGIN, {"email": user.email, "password": PASSWORD})
    page = browser.get(VERIFY + "?next=/")
    assert page.status_code == 200 and 'name="trust_browser"' not in page.content.decode()
    assert not browser.session.get(DEVICE_ID_SESSION_KEY)
    kinds = [kind for kind, _reason in _kinds(user)]
    assert "trusted_browser_used" not in kinds and "trusted_browser_refused" not in kinds  # not even read
    # Ticking the box by hand trusts nothing either.
    EmailDevice.objects.update(throttling_failure_timestamp=None, throttling_failure_count=0)
    code = re.search(
        r"\b(\d{6})\b", OutgoingMail.objects.filter(key__startswith="otp:").order_by("-pk").first().body_text
    ).group(1)
    response = browser.post(VERIFY, {"code": code, "trust_browser": "1", "next": "/"})
    assert response.status_code == 302 and COOKIE not in response.cookies
    assert TrustedBrowser.objects.filter(user=user).count() == 1  # only the one made before


def test_a_client_is_not_offered_the_box():
    user = factories.client_user()
    assert not trusted_browsers.may_trust(user)


# --- revocations ------------------------------------------------------------------


def _revoked(user, browser, reason):
    assert not TrustedBrowser.objects.filter(user=user).exists()
    assert ("trusted_browser_revoked", reason) in _kinds(user)
    assert not _skipped(browser, user)


def test_the_account_page_lists_the_browsers_and_removes_one():
    user, browser, _cookie = _trusted()
    _user, second, _c = _trusted(user)
    assert _skipped(browser, user) is True
    page = browser.get(ACCOUNT).content.decode()
    assert page.count("Firefox, Windows") >= 2
    first = TrustedBrowser.objects.filter(user=user).order_by("pk").first()
    response = browser.post(reverse("aquatiris_portal:trusted_browser_revoke", args=[first.pk]))
    assert response.status_code == 302
    assert list(TrustedBrowser.objects.filter(user=user).values_list("pk", flat=True)) != [first.pk]
    assert TrustedBrowser.objects.filter(user=user).count() == 1
    assert ("trusted_browser_revoked", "person") in _kinds(user)
    assert not _skipped(browser, user)
    assert _skipped(second, user)


def test_remove_all_from_the_account_page():
    user, browser, _cookie = _trusted()
    assert _skipped(browser, user)
    browser.post(REVOKE_ALL)
    _revoked(user, browser, "person")


def test_a_person_cannot_remove_another_persons_browser():
    owner, _b, _cookie = _trusted()
    intruder = factories.spanc_user()
    other = _browser()
    factories.otp_login(other, intruder)
    row = TrustedBrowser.objects.get(user=owner)
    other.post(reverse("aquatiris_portal:trusted_browser_revoke", args=[row.pk]))
    other.post(REVOKE_ALL)
    assert TrustedBrowser.objects.filter(pk=row.pk).exists()


def test_a_password_change_revokes_all():
    user, browser, _cookie = _trusted()
    assert _skipped(browser, user)
    new = "brand-New-password-42x"
    response = browser.post(ACCOUNT, {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert response.status_code == 302
    assert not TrustedBrowser.objects.filter(user=user).exists()
    assert ("trusted_browser_revoked", "password_changed") in _kinds(user)


def test_a_password_reset_revokes_all():
    from aquatiris_portal.accounts import password_reset, tokens
    from aquatiris_portal.accounts.models import AccountToken

    user, browser, _cookie = _trusted()
    token, _raw = tokens.issue(AccountToken.Purpose.RESET, email=user.email, hours=1, user=user)
    password_reset.complete_reset(token, PASSWORD, RequestFactory().get("/"))
    _revoked(user, browser, "password_changed")


def test_an_email_change_revokes_all():
    user, browser, _cookie = _trusted()
    spanc = factories.spanc_of(user)
    move_login(spanc, user.email, "new.address@example.org")
    user.refresh_from_db()
    assert user.email == "new.address@example.org"
    _revoked(user, browser, "email_changed")


def test_the_admin_bulk_action_revokes_all():
    user, browser, _cookie = _trusted()
    admin = get_user_model().objects.create_superuser("boss", "boss@example.org", PASSWORD)
    request = RequestFactory().post("/")
    request.user = admin
    RevokeTrustedBrowsersBulkAction.execute_action([user], request=request)
    _revoked(user, browser, "admin")
    event = SecurityEvent.objects.get(user=user, kind="trusted_browser_revoked")
    assert event.details["by"] == "boss"


def test_the_admin_bulk_action_is_in_the_users_listing():
    from wagtail import hooks

    assert RevokeTrustedBrowsersBulkAction in hooks.get_hooks("register_bulk_action")


# --- any altered cookie is refused -------------------------------------------------


def test_any_altered_cookie_value_is_refused():
    user, _b, cookie = _trusted()
    value = cookie.value
    factory = RequestFactory()

    def recognised(raw):
        request = factory.get(VERIFY)
        request.COOKIES[COOKIE] = raw
        request.user = user
        return trusted_browsers.recognise(request, user)

    assert recognised(value) is not None  # the untouched cookie works

    alphabet = st.characters(codec="ascii", exclude_characters="\x00")

    @hsettings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def altered_is_refused(data):
        kind = data.draw(st.sampled_from(["replace", "insert", "delete", "truncate", "extend"]))
        i = data.draw(st.integers(0, len(value) - 1))
        if kind == "replace":
            c = data.draw(alphabet.filter(lambda ch: ch != value[i]))
            raw = value[:i] + c + value[i + 1 :]
        elif kind == "insert":
            raw = value[:i] + data.draw(st.text(alphabet, min_size=1, max_size=5)) + value[i:]
        elif kind == "delete":
            raw = value[:i] + value[i + data.draw(st.integers(1, 5)) :]
        elif kind == "truncate":
            raw = value[:i]
        else:
            raw = value + data.draw(st.text(alphabet, min_size=1, max_size=5))
        if raw == value:
            return
        assert recognised(raw) is None

    altered_is_refused()


def test_the_admin_bulk_action_through_the_wagtail_admin():
    user, browser, _cookie = _trusted()
    admin = get_user_model().objects.create_superuser("chief", "chief@example.org", PASSWORD)
    staff_browser = HttpClient()
    factories.otp_login(staff_browser, admin)
    url = reverse(
        "wagtail_bulk_action",
        args=(user._meta.app_label, user._meta.model_name, RevokeTrustedBrowsersBulkAction.action_type),
    )
    confirm = staff_browser.get(url, {"id": user.pk})
    assert confirm.status_code == 200 and user.email in confirm.content.decode()
    response = staff_browser.post(url + f"?id={user.pk}", {"next": "/admin/users/"})
    assert response.status_code == 302
    _revoked(user, browser, "admin")
    assert SecurityEvent.objects.get(user=user, kind="trusted_browser_revoked").details["by"] == "chief"
