"""Throttling that one person cannot turn against everyone, canonical
emails and codes, links to the second, the second factor's own delay,
enrolment by email code, re-authentication."""

import datetime
import re
import runpy

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client as HttpClient
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext, ngettext
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp

from aquatiris_portal.accounts import tokens
from aquatiris_portal.accounts.models import AccountToken, PortalAccount
from aquatiris_portal.conf import app_settings
from aquatiris_portal.models import OutgoingMail
from aquatiris_portal.records.emails import InvalidEmail, canonical_email
from aquatiris_portal.security_log import client_ip
from aquatiris_portal.security_log.models import SecurityEvent
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_auth_delay")]

LOGIN = reverse("aquatiris_portal:login")
ACTIVATION = reverse("aquatiris_portal:activation")
RESET = reverse("aquatiris_portal:password_reset")
VERIFY = reverse("aquatiris_portal:otp_verify")
ENROLL = reverse("aquatiris_portal:otp_enroll")
BACKUP = reverse("aquatiris_portal:otp_backup_codes")
CHANGE = reverse("aquatiris_portal:password_change")
PASSWORD = "correct-Horse-battery-9"
PROXY = "10.0.0.1"  # the site's reverse proxy: REMOTE_ADDR of every request behind it


def _too_many_attempts(minutes):
    return ngettext(
        "Too many attempts. For your security, please try again in %(minutes)d minute.",
        "Too many attempts. For your security, please try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


@pytest.fixture
def behind_the_proxy(settings, monkeypatch):
    """The trusted-proxy rule exactly as the example production settings
    set it from a default environment."""
    monkeypatch.setenv("SECRET_KEY", "test-" + "x" * 60)
    monkeypatch.setenv("ALLOWED_HOSTS", "testserver")
    monkeypatch.delenv("CLIENT_IP_HEADER", raising=False)
    monkeypatch.delenv("TRUSTED_PROXY_COUNT", raising=False)
    production = runpy.run_module("example_site.production")
    settings.AQUATIRIS_PORTAL_CLIENT_IP_HEADER = production.get("AQUATIRIS_PORTAL_CLIENT_IP_HEADER")
    settings.AQUATIRIS_PORTAL_TRUSTED_PROXY_COUNT = production.get("AQUATIRIS_PORTAL_TRUSTED_PROXY_COUNT", 1)
    return production


def _via_proxy(address):
    """A browser at ``address`` reaching Django through the reverse proxy,
    which appends the address it saw to X-Forwarded-For."""
    return HttpClient(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address)


def _events(kind):
    return list(SecurityEvent.objects.filter(kind=kind).order_by("pk"))


# --- the client's address ------------------------------------------------------


@pytest.mark.parametrize(
    "proxies, header, expected",
    [
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the client typed the left one
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),  # two proxies of ours
        (2, "203.0.113.9", "203.0.113.9"),  # came round the outer proxy: never beyond the header
        (1, "203.0.113.9:4711", "203.0.113.9"),
        (1, "[2001:db8::1]:443", "2001:db8::1"),
        (1, "not-an-ip", PROXY),
        (1, "", PROXY),
    ],
)
def test_the_client_ip_is_the_right_most_address_not_written_by_a_trusted_proxy(settings, proxies, header, expected):
    settings.AQUATIRIS_PORTAL_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.AQUATIRIS_PORTAL_TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=header)
    assert client_ip(request) == expected


def test_without_the_header_setting_the_forwarded_header_is_ignored(settings):
    settings.AQUATIRIS_PORTAL_CLIENT_IP_HEADER = None
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert client_ip(request) == "198.51.100.1"


def test_production_settings_read_the_proxy_rule_from_the_environment(behind_the_proxy, monkeypatch):
    assert behind_the_proxy["AQUATIRIS_PORTAL_CLIENT_IP_HEADER"] == "HTTP_X_FORWARDED_FOR"
    assert behind_the_proxy["AQUATIRIS_PORTAL_TRUSTED_PROXY_COUNT"] == 1
    monkeypatch.setenv("CLIENT_IP_HEADER", "X-Real-IP")
    monkeypatch.setenv("TRUSTED_PROXY_COUNT", "2")
    production = runpy.run_module("example_site.production")
    assert production["AQUATIRIS_PORTAL_CLIENT_IP_HEADER"] == "HTTP_X_REAL_IP"
    assert production["AQUATIRIS_PORTAL_TRUSTED_PROXY_COUNT"] == 2
    monkeypatch.setenv("CLIENT_IP_HEADER", "")
    assert runpy.run_module("example_site.production")["AQUATIRIS_PORTAL_CLIENT_IP_HEADER"] is None


# --- login: the IP, the pair and the account ------------------------------------


def test_a_hundred_random_email_failures_from_one_ip_lock_that_ip_only(behind_the_proxy):
    """The attack: behind the production proxy, 100 failures with
    random emails from one address, then the right password of a real
    client from another address logs in; the flooding address is locked."""
    anne = factories.client_user()
    attacker = _via_proxy("203.0.113.66")
    statuses = [
        attacker.post(LOGIN, {"email": f"random{n}@example.org", "password": "guess"}).status_code
        for n in range(app_settings.THROTTLE_RATES["login"]["ip"])
    ]
    assert set(statuses) == {200}
    assert attacker.post(LOGIN, {"email": "random-next@example.org", "password": "guess"}).status_code == 429
    response = _via_proxy("198.51.100.20").post(LOGIN, {"email": anne.email, "password": PASSWORD})
    assert response.status_code == 302
    # The flooding address is locked, even with a right password.
    assert attacker.post(LOGIN, {"email": anne.email, "password": PASSWORD}).status_code == 429
    [lockout] = _events("lockout")
    assert (lockout.ip, lockout.details["buckets"], lockout.details["scope"]) == ("203.0.113.66", ["ip"], "login")


def test_failures_from_one_ip_lock_that_pair_not_the_person_elsewhere():
    anne = factories.client_user()
    here = HttpClient(REMOTE_ADDR="198.51.100.1")
    pair = app_settings.THROTTLE_RATES["login"]["pair"]
    for n in range(pair):
        assert here.post(LOGIN, {"email": anne.email, "password": f"wrong-{n}"}).status_code == 200
    blocked = here.post(LOGIN, {"email": anne.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert escape(_too_many_attempts(15)) in blocked.content.decode()
    # The same address may still log in to another account...
    other = factories.client_user()
    assert here.post(LOGIN, {"email": other.email, "password": PASSWORD}).status_code == 302
    # ... and the person, from elsewhere, into theirs.
    assert (
        HttpClient(REMOTE_ADDR="198.51.100.2").post(LOGIN, {"email": anne.email, "password": PASSWORD}).status_code
        == 302
    )


def test_failures_from_many_ips_lock_the_account_and_a_login_between_gives_no_fresh_start():
    anne = factories.client_user()
    limit = app_settings.THROTTLE_RATES["login"]["account"]
    for n in range(limit - 1):
        HttpClient(REMOTE_ADDR=f"10.3.0.{n}").post(LOGIN, {"email": anne.email, "password": f"wrong-{n}"})
    # The real person logs in in between: the guesses keep their count.
    assert (
        HttpClient(REMOTE_ADDR="10.3.1.1").post(LOGIN, {"email": anne.email, "password": PASSWORD}).status_code == 302
    )
    HttpClient(REMOTE_ADDR="10.3.2.1").post(LOGIN, {"email": anne.email, "password": "wrong-last"})
    # The full account refuses the addresses that guessed, not the others.
    assert (
        HttpClient(REMOTE_ADDR="10.3.0.0").post(LOGIN, {"email": anne.email, "password": PASSWORD}).status_code == 429
    )
    assert (
        HttpClient(REMOTE_ADDR="10.3.3.1").post(LOGIN, {"email": anne.email, "password": PASSWORD}).status_code == 302
    )
    assert _events("lockout")[-1].details["buckets"] == ["account"]


# --- canonical emails -------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, canonical",
    [
        ("Anne.Durand@Example.ORG ", "anne.durand@example.org"),
        ("\u017fissi@example.org", "sissi@example.org"),  # ſ (long s)
        ("\u212aarl@example.org", "karl@example.org"),  # Kelvin sign
        ("\uff41nne@\uff45xample.org", "anne@example.org"),  # full-width
        ("anne@ex\u00e4mple.fr", "anne@xn--exmple-cua.fr"),
        ("anne@EXAMPLE.org.", "anne@example.org"),
    ],
)
def test_an_email_has_one_canonical_form(typed, canonical):
    assert canonical_email(typed) == canonical


@pytest.mark.parametrize("typed", ["an\u0131e@example.org", "stra\u00dfe@example.org", "no-at-sign", "a@b@c", "@x.org"])
def test_look_alikes_without_an_ascii_form_are_refused(typed):
    with pytest.raises(InvalidEmail):
        canonical_email(typed)


def test_look_alike_spellings_of_an_email_share_its_login_throttle():
    """Python's lower() keeps ſ: each spelling was a fresh bucket."""
    sissi = factories.client_user(factories.client(email="sissi@example.org"))
    spellings = [
        "SISSI@example.org",
        "\u017fissi@example.org",
        "si\u017f\u017fi@example.org",
        "\uff53issi@example.org",
        "sissi@EXAMPLE.ORG",
    ]
    limit = app_settings.THROTTLE_RATES["login"]["account"]
    for n in range(limit):
        HttpClient(REMOTE_ADDR=f"10.4.0.{n}").post(LOGIN, {"email": spellings[n % len(spellings)], "password": "x"})
    # Each spelling counted on the one account: full, it refuses a guessing address.
    response = HttpClient(REMOTE_ADDR="10.4.0.1").post(LOGIN, {"email": sissi.email, "password": PASSWORD})
    assert response.status_code == 429


def test_a_dotless_i_is_refused_before_any_look_up_or_count():
    factories.client_user(factories.client(email="anie@example.org"))
    http = HttpClient(REMOTE_ADDR="10.5.0.1")
    response = http.post(LOGIN, {"email": "an\u0131e@example.org", "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in http.session
    assert (
        escape(gettext("Enter a valid email address (letters without accents before the @)."))
        in response.content.decode()
    )
    assert not _events("login_failed")


def test_a_hundred_code_guesses_with_look_alike_spellings_are_stopped_the_right_code_too():
    record = factories.client(email="sissi@example.org")
    spellings = ["sissi@example.org", "\u017fissi@example.org", "SI\u017fSI@example.org", "sissi@EXAMPLE.org"]
    statuses = [
        HttpClient(REMOTE_ADDR=f"10.6.{n // 250}.{n % 250}")
        .post(ACTIVATION, {"email": spellings[n % 4], "code": f"CLI-{n:05d}"})
        .status_code
        for n in range(100)
    ]
    limit = app_settings.THROTTLE_RATES["activation"]["account"]
    assert statuses[:limit] == [200] * limit and set(statuses[limit:]) == {429}
    right = HttpClient(REMOTE_ADDR="10.6.9.9").post(ACTIVATION, {"email": record.email, "code": record.code})
    assert right.status_code == 429
    assert not OutgoingMail.objects.exists()
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=61)):
        again = HttpClient(REMOTE_ADDR="10.6.9.9").post(ACTIVATION, {"email": record.email, "code": record.code})
    assert again.status_code == 200 and OutgoingMail.objects.count() == 1


def test_a_look_alike_email_finds_the_account_by_its_canonical_form():
    from aquatiris_portal.accounts.backends import find_user_by_email

    sissi = factories.client_user(factories.client(email="sissi@example.org"))
    assert find_user_by_email("\u017fissi@Example.org") == sissi
    assert find_user_by_email("s\u0131ssi@example.org") is None


# --- codes ----------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["cli 1037", "CLI-1037", "cli_1037", " Cli1037 ", "c l i - 1 0 3 7"])
def test_a_code_typed_with_spaces_or_other_separators_matches(typed):
    """A reported bug: "cli 1037" silently matched nothing."""
    record = factories.client(code="CLI-1037")
    response = HttpClient().post(ACTIVATION, {"email": record.email, "code": typed})
    assert response.status_code == 200
    [mail] = OutgoingMail.objects.all()
    assert mail.to == [record.email] and "/premiere-connexion/lien/" in mail.body_text


def test_a_near_code_still_matches_nothing():
    record = factories.client(code="CLI-1037")
    HttpClient().post(ACTIVATION, {"email": record.email, "code": "CLI-10370"})
    HttpClient().post(ACTIVATION, {"email": record.email, "code": "CLI-103"})
    assert not OutgoingMail.objects.exists()


# --- links, to the second -------------------------------------------------------


def _link(mail):
    match = re.search(r"https?://testserver(/portail/\S+/lien/[^/\s]+/)", mail.body_text)
    assert match, mail.body_text
    return match.group(1)


def _generated(response):
    return re.search(r'id="aqp-generated-password"[^>]*>([^<]+)<', response.content.decode()).group(1)


@pytest.mark.parametrize("purpose, hours", [("activation", 72), ("reset", 1)])
def test_a_link_works_until_its_last_second_and_not_at_its_end(purpose, hours):
    with time_machine.travel(datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC), tick=False) as clock:
        if purpose == "activation":
            record = factories.client()
            HttpClient().post(ACTIVATION, {"email": record.email, "code": record.code})
        else:
            user = factories.client_user()
            HttpClient().post(RESET, {"email": user.email})
        link = _link(OutgoingMail.objects.get())
        assert AccountToken.objects.get().expires_at == timezone.now() + datetime.timedelta(hours=hours)
        clock.shift(datetime.timedelta(hours=hours) - datetime.timedelta(seconds=1))
        assert HttpClient().get(link).status_code == 302
        clock.shift(datetime.timedelta(seconds=1))
        assert HttpClient().get(link).status_code == 410


@pytest.mark.parametrize("how", ["newer_link", "email_changed"])
def test_a_link_revoked_between_the_click_and_the_password_is_refused(how):
    record = factories.client()
    http = HttpClient()
    http.post(ACTIVATION, {"email": record.email, "code": record.code})
    location = http.get(_link(OutgoingMail.objects.get()))["Location"]
    generated = _generated(http.get(location))
    if how == "newer_link":
        HttpClient().post(ACTIVATION, {"email": record.email, "code": record.code})
    else:
        tokens.revoke_for_record(record)  # what the sync does when the record's email changes
    response = http.post(location, {"choice": "generated", "generated_password": generated})
    assert response.status_code == 410
    assert not PortalAccount.objects.exists()
    assert not get_user_model().objects.filter(username=record.email).exists()


# --- the second factor: the portal's throttle and django-otp's delay ------------------


def _spanc_half_logged_in():
    """A SPANC agent past the password, owing the code sent by email."""
    user = factories.spanc_user()
    http = HttpClient(REMOTE_ADDR="198.51.100.30")
    assert http.post(LOGIN, {"email": user.email, "password": PASSWORD})["Location"].startswith(VERIFY)
    http.get(VERIFY)  # sends the code
    mail = OutgoingMail.objects.filter(key__startswith="otp:").latest("pk")
    code = re.search(r"\b(\d{6})\b", mail.body_text).group(1)
    return user, http, code


def _wrong(code):
    return "000000" if code != "000000" else "111111"


def test_a_right_code_just_after_a_typo_is_not_called_wrong():
    """A reported bug: django-otp's delay after a wrong code was reported
    as "incorrect or expired"; the same code worked 8 s later."""
    user, http, code = _spanc_half_logged_in()
    wrong = http.post(VERIFY, {"code": _wrong(code)})
    assert escape(gettext("This code is not right or has expired.")) in wrong.content.decode()
    with time_machine.travel(timezone.now(), tick=False):
        right_away = http.post(VERIFY, {"code": code})
    assert right_away.status_code == 429
    page = right_away.content.decode()
    assert escape(gettext("This code is not right or has expired.")) not in page
    assert (
        escape(
            ngettext(
                "Too many tries with a wrong code. Please wait %(seconds)d second, then type the code again.",
                "Too many tries with a wrong code. Please wait %(seconds)d seconds, then type the code again.",
                1,
            )
            % {"seconds": 1}
        )
        in page
    )
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=2)):
        assert http.post(VERIFY, {"code": code})["Location"]
    assert http.get(VERIFY)["Location"]  # verified: the step is passed
    assert len(_events("otp_failed")) == 1  # the refused-but-unchecked try is not a failure


def test_n_wrong_codes_give_429_and_the_right_code_is_refused_until_the_lock_ends():
    user, http, code = _spanc_half_logged_in()
    from django_otp.plugins.otp_email.models import EmailDevice

    limit = app_settings.THROTTLE_RATES["otp"]["account"]
    start = timezone.now()
    for _ in range(limit):
        # Past django-otp's own delay each time: only the portal's lock is tried.
        EmailDevice.objects.update(throttling_failure_count=0, throttling_failure_timestamp=None)
        assert http.post(VERIFY, {"code": _wrong(code)}).status_code == 200
    EmailDevice.objects.update(throttling_failure_count=0, throttling_failure_timestamp=None)
    refused = http.post(VERIFY, {"code": code})
    assert refused.status_code == 429
    assert escape(_too_many_attempts(15)) in refused.content.decode()
    assert DEVICE_ID_SESSION_KEY not in http.session
    window = datetime.timedelta(minutes=app_settings.THROTTLE_RATES["otp"]["minutes"])
    with time_machine.travel(start + window + datetime.timedelta(seconds=1)):
        http.get(VERIFY)  # the first code has expired meanwhile: a new one
        mail = OutgoingMail.objects.filter(key__startswith="otp:").latest("pk")
        fresh = re.search(r"\b(\d{6})\b", mail.body_text).group(1)
        assert http.post(VERIFY, {"code": fresh}).status_code == 302
    assert DEVICE_ID_SESSION_KEY in http.session
    assert [e.details["buckets"] for e in _events("lockout")] == [["account"]]


# --- enrolment, re-authentication, mails ------------------------------------------------


def _mails_to(address, key_prefix):
    return [
        mail for mail in OutgoingMail.objects.filter(key__startswith=key_prefix).order_by("pk") if mail.to == [address]
    ]


def _enrol_code(address):
    mail = _mails_to(address, "otp:")[-1]
    assert "authenticator app" in mail.subject.lower() or "application" in mail.subject.lower()
    return re.search(r"\b(\d{6})\b", mail.body_text).group(1)


def test_a_staff_users_first_authenticator_needs_a_code_sent_by_email_and_the_password():
    """A stolen password alone cannot set up the thief's phone."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    boss = factories.user(email="boss@example.org", is_staff=True, is_superuser=True)
    http = HttpClient()
    response = http.post(LOGIN, {"email": boss.email, "password": PASSWORD, "next": "/admin/"})
    response = http.get(response["Location"])  # verification: no device yet -> enrolment
    assert response["Location"].startswith(ENROLL)
    step1 = http.get(response["Location"])
    page = step1.content.decode()
    assert step1.status_code == 200 and "otpauth://" not in page  # no QR code before the email code
    code = _enrol_code(boss.email)
    # Knowing the password is not enough to reach the QR code.
    assert "otpauth://" not in http.post(ENROLL, {"code": _wrong(code)}).content.decode()
    assert not TOTPDevice.objects.filter(user=boss).exists()
    from django_otp.plugins.otp_email.models import EmailDevice

    EmailDevice.objects.update(throttling_failure_count=0, throttling_failure_timestamp=None)
    step2 = http.post(ENROLL, {"code": code, "next": "/admin/"})
    assert step2.status_code == 302 and step2["Location"].startswith(ENROLL)
    page = http.get(step2["Location"]).content.decode()
    assert "otpauth://" in page
    device = TOTPDevice.objects.get(user=boss, confirmed=False)
    # The app's code without the password: refused.
    refused = http.post(ENROLL, {"code": f"{totp(device.bin_key):06d}", "current_password": "not-it"})
    assert escape(gettext("Your current password is not right.")) in refused.content.decode()
    assert not TOTPDevice.objects.filter(user=boss, confirmed=True).exists()
    done = http.post(ENROLL, {"code": f"{totp(device.bin_key):06d}", "current_password": PASSWORD, "next": "/admin/"})
    assert len(re.findall(r"<li><code>([^<]+)</code></li>", done.content.decode())) == 10
    assert TOTPDevice.objects.filter(user=boss, confirmed=True).count() == 1
    assert http.get("/admin/").status_code == 200
    # The email device that carried the code is no second factor.
    assert not EmailDevice.objects.filter(user=boss, confirmed=True).exists()
    [notice] = _mails_to(boss.email, "security:device_added")
    assert "authenticator" in notice.body_text.lower() or "application" in notice.body_text.lower()
    assert [e.user for e in _events("otp_enrolled")] == [boss]
    assert [e.user for e in _events("reauth_failed")] == [boss]


def test_adding_a_second_app_needs_the_second_factor_and_the_password_and_mails_the_person():
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = factories.spanc_user()
    http = HttpClient()
    factories.otp_login(http, user)  # past the second factor (email device)
    page = http.get(ENROLL).content.decode()
    assert "otpauth://" in page and 'name="current_password"' in page  # no email step: a device exists
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    code = f"{totp(device.bin_key):06d}"
    assert http.post(ENROLL, {"code": code}).status_code == 200
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    http.post(ENROLL, {"code": code, "current_password": PASSWORD})
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    assert len(_mails_to(user.email, "security:device_added")) == 1


def test_new_backup_codes_need_the_password_and_mail_the_person_and_the_old_ones_die():
    from aquatiris_portal.accounts import second_factor

    user = factories.spanc_user()
    old = second_factor.setup_backup_codes(user)
    http = HttpClient()
    factories.otp_login(http, user)
    assert http.post(BACKUP, {"current_password": "wrong"}).status_code == 200
    from django_otp.plugins.otp_static.models import StaticToken

    assert set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == set(old)
    response = http.post(BACKUP, {"current_password": PASSWORD})
    new = re.findall(r"<li><code>([^<]+)</code></li>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == set(new)
    assert len(_mails_to(user.email, "security:backup_codes")) == 1
    assert [e.kind for e in SecurityEvent.objects.filter(user=user).order_by("pk")] == [
        "reauth_failed",
        "backup_codes_regenerated",
    ]


def test_new_backup_codes_need_the_second_factor_first():
    user = factories.spanc_user()
    http = HttpClient()
    http.force_login(user)
    assert http.get(BACKUP)["Location"].startswith(VERIFY)
    assert http.post(BACKUP, {"current_password": PASSWORD})["Location"].startswith(VERIFY)


def test_the_password_asked_again_is_throttled_like_a_login():
    user = factories.client_user()
    http = HttpClient(REMOTE_ADDR="198.51.100.40")
    http.force_login(user)
    for n in range(app_settings.THROTTLE_RATES["login"]["pair"]):
        http.post(CHANGE, {"old_password": f"wrong-{n}", "new_password1": "x", "new_password2": "x"})
    response = http.post(
        CHANGE,
        {
            "old_password": PASSWORD,
            "new_password1": "Another-strong-pass-42",
            "new_password2": "Another-strong-pass-42",
        },
    )
    assert response.status_code == 429
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_password_change_mails_the_person():
    user = factories.client_user()
    http = HttpClient()
    http.force_login(user)
    response = http.post(
        CHANGE,
        {
            "old_password": PASSWORD,
            "new_password1": "Another-strong-pass-42",
            "new_password2": "Another-strong-pass-42",
        },
    )
    assert response.status_code == 302
    [notice] = _mails_to(user.email, "security:password_changed")
    assert "password" in notice.subject.lower() or "mot de passe" in notice.subject.lower()
    assert "/mot-de-passe-perdu/" in notice.body_text  # what to do if it was not them
    assert [e.kind for e in SecurityEvent.objects.filter(user=user)] == ["password_changed"]


def test_a_spanc_account_gets_its_email_device_at_activation():
    from django_otp.plugins.otp_email.models import EmailDevice

    spanc = factories.spanc()
    http = HttpClient()
    http.post(ACTIVATION, {"email": spanc.email, "code": spanc.code})
    location = http.get(_link(OutgoingMail.objects.get()))["Location"]
    generated = _generated(http.get(location))
    http.post(location, {"choice": "generated", "generated_password": generated})
    user = get_user_model().objects.get(username=spanc.email)
    assert EmailDevice.objects.filter(user=user, confirmed=True).count() == 1
    assert [e.kind for e in SecurityEvent.objects.filter(user=user).order_by("pk")][:1] == ["account_activated"]


def test_activation_mails_and_logs_in_under_the_canonical_address():
    record = factories.client(email="Anne.Durand@Ex\u00e4mple.FR")
    http = HttpClient()
    http.post(ACTIVATION, {"email": "anne.durand@ex\u00e4mple.fr", "code": record.code})
    [mail] = OutgoingMail.objects.all()
    assert mail.to == ["anne.durand@xn--exmple-cua.fr"]
    location = http.get(_link(mail))["Location"]
    http.post(location, {"choice": "generated", "generated_password": _generated(http.get(location))})
    user = PortalAccount.objects.get(user__portal_memberships__client=record).user
    assert (user.username, user.email) == ("anne.durand@xn--exmple-cua.fr", "anne.durand@xn--exmple-cua.fr")
