"""Accounts: login by email, first connection, lost password, throttling,
second factor, sessions, email moves."""

import re
import time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext, ngettext
from django_otp.oath import totp

from aquatiris_portal import access
from aquatiris_portal.accounts.models import AccountToken
from aquatiris_portal.models import OutboxEvent, OutgoingMail, PortalAccount
from aquatiris_portal.records.signals import email_changed
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_auth_delay")]

LOGIN = reverse("aquatiris_portal:login")
ACTIVATION = reverse("aquatiris_portal:activation")
RESET = reverse("aquatiris_portal:password_reset")
VERIFY = reverse("aquatiris_portal:otp_verify")
ENROLL = reverse("aquatiris_portal:otp_enroll")
PASSWORD = "correct-Horse-battery-9"


def _too_many_attempts(minutes):
    """The throttling message as users read it (the UI is translated)."""
    return ngettext(
        "Too many attempts. For your security, please try again in %(minutes)d minute.",
        "Too many attempts. For your security, please try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def _link(mail):
    match = re.search(r"https?://testserver(/portail/\S+/lien/[^/\s]+/)", mail.body_text)
    assert match, mail.body_text
    return match.group(1)


def _generated(response):
    match = re.search(r'id="aqp-generated-password"[^>]*>([^<]+)<', response.content.decode())
    assert match
    return match.group(1)


def _body(response):
    """The page without what changes per request (CSRF token)."""
    text = response.content.decode()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)


def _pages():
    from wagtail.models import Site

    from aquatiris_portal.pages.client_space import ClientSpacePage
    from aquatiris_portal.pages.pro_space import ProSpacePage

    root = Site.objects.get(is_default_site=True).root_page
    client_page = ClientSpacePage.objects.first() or root.add_child(
        instance=ClientSpacePage(title="Espace client", slug="espace-client")
    )
    pro_page = ProSpacePage.objects.first() or root.add_child(
        instance=ProSpacePage(title="Espace pro", slug="espace-pro")
    )
    return client_page, pro_page


# --- login -------------------------------------------------------------------


def test_login_page_links_to_first_connection_and_lost_password(client):
    response = client.get(LOGIN + "?next=/espace-client/")
    html = response.content.decode()
    assert response.status_code == 200
    assert ACTIVATION in html and RESET in html
    assert 'name="next" value="/espace-client/"' in html
    assert 'autocomplete="current-password"' in html


def test_login_with_email_in_any_case_records_the_visit(client):
    client_page, _ = _pages()
    user = factories.client_user()
    account = user.portal_account
    account.last_visit_at = timezone.now() - timezone.timedelta(days=3)
    account.save()
    before = account.last_visit_at
    response = client.post(LOGIN, {"email": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == client_page.url
    account.refresh_from_db()
    assert account.previous_visit_at == before
    assert account.last_visit_at > before
    assert client.get(client_page.url).status_code == 200


def test_login_rotates_the_session_key(client):
    user = factories.client_user()
    client.get(LOGIN)
    client.cookies["sessionid"] = "x" * 32
    client.post(LOGIN, {"email": user.email, "password": PASSWORD})
    assert client.cookies["sessionid"].value != "x" * 32


def test_login_next_is_kept_and_foreign_next_refused(client):
    user = factories.client_user()
    response = client.post(LOGIN, {"email": user.email, "password": PASSWORD, "next": "/espace-client/x/"})
    assert response["Location"] == "/espace-client/x/"
    other = HttpClient()
    response = other.post(LOGIN, {"email": user.email, "password": PASSWORD, "next": "https://evil.example/"})
    assert "evil" not in response["Location"]


def test_login_failure_is_the_same_for_unknown_email_and_wrong_password(client):
    user = factories.client_user()
    wrong = client.post(LOGIN, {"email": user.email, "password": "nope-nope-nope"})
    unknown = client.post(LOGIN, {"email": user.email.replace("client", "nobody"), "password": "nope-nope-nope"})
    assert wrong.status_code == unknown.status_code == 200
    assert escape(gettext("The email address or the password is not right.")) in wrong.content.decode()
    assert _body(wrong).replace(user.email, "E") == _body(unknown).replace(user.email.replace("client", "nobody"), "E")


def test_login_page_query_count_does_not_grow(client, django_assert_num_queries):
    factories.client_user()
    client.get(LOGIN)  # warms the content cache (the accessibility statement's link, read once per site)
    with django_assert_num_queries(0):
        client.get(LOGIN)
    for _ in range(30):
        factories.client_user()
    with django_assert_num_queries(0):
        client.get(LOGIN)


def test_logout_is_a_post_and_is_offered_on_portal_pages(client):
    user = factories.client_user()
    client.force_login(user)
    page = client.get(reverse("aquatiris_portal:password_change")).content.decode()
    assert f'action="{reverse("aquatiris_portal:logout")}"' in page
    assert client.get(reverse("aquatiris_portal:logout")).status_code == 200  # a confirmation, no logout
    assert "_auth_user_id" in client.session
    response = client.post(reverse("aquatiris_portal:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


# --- first connection ----------------------------------------------------------


def test_activation_of_a_client_end_to_end(client):
    client_page, _ = _pages()
    record = factories.client(email="anne.durand@example.org")
    response = client.post(ACTIVATION, {"email": "Anne.Durand@Example.org", "code": record.code.lower()})
    assert response.status_code == 200
    mail = OutgoingMail.objects.get()
    assert mail.to == ["anne.durand@example.org"]
    token = AccountToken.objects.get()
    assert mail.key == f"activation:{token.pk}"
    # The mail says how long the link lasts, in words (was: "72" anywhere in the text).
    lasts = ngettext(
        "The link works once and for %(counter)s hour.", "The link works once and for %(counter)s hours.", 72
    ) % {"counter": 72}
    assert lasts in mail.body_text and lasts in mail.body_html
    link = _link(mail)
    assert link.split("/")[-2] not in token.token_hash  # only the hash is stored

    response = client.get(link)
    assert response.status_code == 302 and "lien" not in response["Location"]
    page = client.get(response["Location"])
    generated = _generated(page)
    assert len(generated) >= 16
    response = client.post(response["Location"], {"choice": "generated", "generated_password": generated})
    assert response.status_code == 302
    assert response["Location"] == client_page.url

    user = get_user_model().objects.get(username="anne.durand@example.org")
    assert user.check_password(generated)
    account = user.portal_account
    assert factories.client_of(user) == record and account.activated_at is not None
    assert user.groups.filter(name="Portal clients").exists()
    event = OutboxEvent.objects.get(kind="account_activated")
    assert event.payload["id"] == record.external_id and event.payload["record_type"] == "client"
    assert client.get(client_page.url).status_code == 200  # logged in, no second factor for clients

    # The link is dead now, and the page offers a new one.
    again = HttpClient().get(link)
    assert again.status_code == 410
    assert ACTIVATION in again.content.decode()


def test_activation_with_own_password_runs_the_validators(client):
    record = factories.client()
    client.post(ACTIVATION, {"email": record.email, "code": record.code})
    location = client.get(_link(OutgoingMail.objects.get()))["Location"]
    response = client.post(location, {"choice": "own", "new_password1": "123456", "new_password2": "123456"})
    assert response.status_code == 200
    assert not PortalAccount.objects.exists()
    response = client.post(
        location, {"choice": "own", "new_password1": "Roseaux-et-sable-42", "new_password2": "Roseaux-et-sable-42"}
    )
    assert response.status_code == 302
    assert get_user_model().objects.get(username=record.email).check_password("Roseaux-et-sable-42")


@pytest.mark.parametrize("case", ["wrong_code", "unknown_email", "other_clients_email", "spanc_code_with_client_email"])
def test_activation_does_not_tell_whether_email_or_code_exist(client, case):
    record = factories.client(email="right@example.org")
    other = factories.client(email="other@example.org")
    spanc = factories.spanc()
    right = client.post(ACTIVATION, {"email": "right@example.org", "code": record.code})
    assert OutgoingMail.objects.filter(to=["right@example.org"]).count() == 1
    typed = {
        "wrong_code": ("right@example.org", "CLI-NOPE"),
        "unknown_email": ("nobody@example.org", record.code),
        "other_clients_email": ("other@example.org", record.code),
        "spanc_code_with_client_email": ("right@example.org", spanc.code),
    }[case]
    wrong = HttpClient().post(ACTIVATION, {"email": typed[0], "code": typed[1]})
    assert wrong.status_code == right.status_code == 200
    assert _body(wrong).replace(typed[0], "E") == _body(right).replace("right@example.org", "E")
    assert OutgoingMail.objects.count() == 1  # nobody else got anything
    assert not OutgoingMail.objects.filter(to=[other.email]).exists()
    assert not OutgoingMail.objects.filter(to=[spanc.email]).exists()


def test_activation_answers_no_sooner_than_the_floor(client, settings):
    settings.AQUATIRIS_PORTAL_AUTH_MIN_RESPONSE_SECONDS = 0.2
    record = factories.client()
    durations = []
    for data in ({"email": record.email, "code": record.code}, {"email": "x@example.org", "code": "nope"}):
        started = time.monotonic()
        HttpClient().post(ACTIVATION, data)
        durations.append(time.monotonic() - started)
    assert min(durations) >= 0.2


def test_already_activated_gets_a_mail_pointing_to_lost_password(client):
    user = factories.client_user()
    record = factories.client_of(user)
    response = client.post(ACTIVATION, {"email": record.email, "code": record.code})
    assert response.status_code == 200
    mail = OutgoingMail.objects.get()
    assert mail.key.startswith("already-activated:")
    assert RESET in mail.body_text
    assert not AccountToken.objects.exists()


def test_a_newer_activation_link_kills_the_older_one(client):
    record = factories.client()
    client.post(ACTIVATION, {"email": record.email, "code": record.code})
    client.post(ACTIVATION, {"email": record.email, "code": record.code})
    first, second = OutgoingMail.objects.order_by("created_at", "pk")
    assert HttpClient().get(_link(first)).status_code == 410
    assert HttpClient().get(_link(second)).status_code == 302


def test_an_expired_link_is_refused(client):
    record = factories.client()
    client.post(ACTIVATION, {"email": record.email, "code": record.code})
    AccountToken.objects.update(expires_at=timezone.now() - timezone.timedelta(seconds=1))
    response = client.get(_link(OutgoingMail.objects.get()))
    assert response.status_code == 410


def test_activation_of_a_spanc_requires_the_email_code(client):
    _, pro_page = _pages()
    spanc = factories.spanc()
    client.post(ACTIVATION, {"email": spanc.email, "code": spanc.code})
    location = client.get(_link(OutgoingMail.objects.get()))["Location"]
    generated = _generated(client.get(location))
    response = client.post(location, {"choice": "generated", "generated_password": generated})
    assert response["Location"].startswith(VERIFY)
    user = get_user_model().objects.get(username=spanc.email)
    assert factories.spanc_of(user) == spanc
    assert user.groups.filter(name="Portal SPANC").exists()

    # Before the second factor: no pro space, no SPANC.
    assert client.get(pro_page.url)["Location"].startswith(VERIFY)
    verify = client.get(response["Location"])
    assert verify.status_code == 200
    code_mail = OutgoingMail.objects.get(key__startswith="otp:")
    assert code_mail.to == [spanc.email]
    code = re.search(r"\b(\d{6})\b", code_mail.body_text).group(1)
    wrong = client.post(VERIFY, {"code": "000000" if code != "000000" else "111111"})
    assert (
        wrong.status_code == 200 and escape(gettext("This code is not right or has expired.")) in wrong.content.decode()
    )
    from django_otp.plugins.otp_email.models import EmailDevice

    EmailDevice.objects.update(throttling_failure_timestamp=None)  # django-otp's own delay after a failure
    response = client.post(VERIFY, {"code": code, "next": pro_page.url})
    assert response.status_code == 302 and response["Location"] == pro_page.url
    assert client.get(pro_page.url).status_code == 200


def test_send_a_new_code_respects_the_cool_down(client):
    user = factories.spanc_user()
    client.force_login(user)
    client.get(VERIFY)
    assert OutgoingMail.objects.filter(key__startswith="otp:").count() == 1
    client.post(VERIFY, {"action": "resend"})
    assert OutgoingMail.objects.filter(key__startswith="otp:").count() == 1  # within the minute
    from django_otp.plugins.otp_email.models import EmailDevice

    EmailDevice.objects.update(last_generated_timestamp=timezone.now() - timezone.timedelta(minutes=5))
    client.post(VERIFY, {"action": "resend"})
    assert OutgoingMail.objects.filter(key__startswith="otp:").count() == 2


# --- lost password --------------------------------------------------------------


def test_lost_password_end_to_end_and_the_link_dies(client):
    user = factories.client_user()
    response = client.post(RESET, {"email": user.email.upper()})
    assert response.status_code == 200
    mail = OutgoingMail.objects.get()
    assert mail.to == [user.email] and mail.key.startswith("reset:")
    link = _link(mail)
    location = client.get(link)["Location"]
    response = client.post(
        location, {"choice": "own", "new_password1": "Nouveau-roseau-77", "new_password2": "Nouveau-roseau-77"}
    )
    assert response["Location"] == LOGIN
    assert HttpClient().get(link).status_code == 410
    assert RESET in HttpClient().get(link).content.decode()
    assert client.post(LOGIN, {"email": user.email, "password": PASSWORD}).status_code == 200
    assert client.post(LOGIN, {"email": user.email, "password": "Nouveau-roseau-77"}).status_code == 302


def test_lost_password_does_not_tell_whether_the_email_exists(client):
    user = factories.client_user(factories.client(email="known@example.org"))
    known = client.post(RESET, {"email": "known@example.org"})
    unknown = HttpClient().post(RESET, {"email": "unknown@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert _body(known).replace("known@example.org", "E") == _body(unknown).replace("unknown@example.org", "E")
    assert list(OutgoingMail.objects.values_list("to", flat=True)) == [[user.email]]


def test_reset_link_dies_when_a_newer_one_is_asked_and_when_the_password_changes(client):
    user = factories.client_user()
    client.post(RESET, {"email": user.email})
    client.post(RESET, {"email": user.email})
    first, second = OutgoingMail.objects.order_by("created_at", "pk")
    assert HttpClient().get(_link(first)).status_code == 410
    # A password change by any means (here the admin's set_password) kills it.
    user.set_password("Tout-autre-chose-12")
    user.save()
    assert HttpClient().get(_link(second)).status_code == 410


def test_a_password_change_ends_the_other_sessions(client):
    user = factories.client_user()
    mine, other = HttpClient(), HttpClient()
    mine.force_login(user)
    other.force_login(user)
    change = reverse("aquatiris_portal:password_change")
    assert other.get(change).status_code == 200
    response = mine.post(
        change,
        {"old_password": PASSWORD, "new_password1": "Roseaux-du-marais-31", "new_password2": "Roseaux-du-marais-31"},
    )
    assert response.status_code == 302
    assert mine.get(change).status_code == 200  # this session stays
    assert other.get(change)["Location"].startswith(LOGIN)  # the other one is over


# --- throttling ---------------------------------------------------------------------


def test_a_hundred_code_guesses_are_stopped_and_the_right_code_too(client):
    record = factories.client(email="target@example.org")
    statuses = []
    for n in range(100):
        response = HttpClient(REMOTE_ADDR=f"10.0.{n // 250}.{n % 250}").post(
            ACTIVATION, {"email": "target@example.org", "code": f"CLI-{n:05d}"}
        )
        statuses.append(response.status_code)
    assert statuses[:5] == [200] * 5
    assert set(statuses[5:]) == {429}
    response = HttpClient(REMOTE_ADDR="10.9.9.9").post(ACTIVATION, {"email": "target@example.org", "code": record.code})
    assert response.status_code == 429
    assert escape(_too_many_attempts(60)) in response.content.decode()
    assert not OutgoingMail.objects.exists()


def test_activation_is_throttled_per_ip(client):
    for n in range(30):
        client.post(ACTIVATION, {"email": f"someone{n}@example.org", "code": "CLI-X"})
    record = factories.client()
    response = client.post(ACTIVATION, {"email": record.email, "code": record.code})
    assert response.status_code == 429
    assert not OutgoingMail.objects.exists()


def test_a_full_account_refuses_the_addresses_that_guessed_even_with_the_right_password():
    from aquatiris_portal.conf import app_settings

    user = factories.client_user()
    for n in range(app_settings.THROTTLE_RATES["login"]["account"]):
        HttpClient(REMOTE_ADDR=f"10.1.0.{n}").post(LOGIN, {"email": user.email, "password": f"wrong-{n}"})
    response = HttpClient(REMOTE_ADDR="10.1.0.3").post(LOGIN, {"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert escape(_too_many_attempts(15)) in response.content.decode()
    # The owner, from an address that did not guess, logs in (accounts/throttle.py).
    assert (
        HttpClient(REMOTE_ADDR="10.1.1.1").post(LOGIN, {"email": user.email, "password": PASSWORD}).status_code == 302
    )


def test_lost_password_is_throttled_per_account():
    user = factories.client_user()
    for n in range(5):
        HttpClient(REMOTE_ADDR=f"10.2.0.{n}").post(RESET, {"email": user.email})
    assert HttpClient(REMOTE_ADDR="10.2.1.1").post(RESET, {"email": user.email}).status_code == 429
    assert OutgoingMail.objects.count() == 5


# --- second factor: pro space and admin --------------------------------------------------


def test_spanc_without_second_factor_sees_no_pro_space_and_no_spanc(client):
    _, pro_page = _pages()
    user = factories.spanc_user()
    client.force_login(user)
    response = client.get(pro_page.url)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert access.spanc_for(get_user_model().objects.get(pk=user.pk)) is None
    assert access.spanc_for(factories.verified(get_user_model().objects.get(pk=user.pk))) is not None
    verified = HttpClient()
    factories.otp_login(verified, user)
    assert verified.get(pro_page.url).status_code == 200


def test_a_client_without_a_second_factor_sees_the_client_space(client):
    client_page, _ = _pages()
    client.force_login(factories.client_user())
    assert client.get(client_page.url).status_code == 200


def test_every_admin_path_needs_the_second_factor():
    admin = factories.user(email="boss@example.org", is_staff=True, is_superuser=True)
    anonymous = HttpClient()
    assert anonymous.get("/admin/login/")["Location"].startswith(LOGIN)
    assert anonymous.get("/admin/password_reset/")["Location"] == RESET
    assert anonymous.get("/admin/pages/")["Location"] == LOGIN + "?next=%2Fadmin%2Fpages%2F"
    half = HttpClient()
    half.force_login(admin)
    for path in ("/admin/", "/admin/pages/", "/admin/users/", "/admin/login/", "/admin/password_reset/"):
        response = half.get(path)
        assert response.status_code == 302 and response["Location"].startswith(VERIFY), path
    # Not enrolled yet: the verification step sends to the enrolment.
    assert half.get(VERIFY)["Location"].startswith(ENROLL)


def test_admin_login_enrols_an_authenticator_then_enters_the_admin():
    admin = factories.user(email="boss@example.org", is_staff=True, is_superuser=True)
    http = HttpClient()
    response = http.post(LOGIN, {"email": "Boss@example.org", "password": PASSWORD, "next": "/admin/"})
    assert response["Location"].startswith(VERIFY)
    response = http.get(response["Location"])
    assert response["Location"].startswith(ENROLL)
    # First the code sent by email (tests/unit/accounts/test_accounts_trust.py), then the app.
    http.get(response["Location"])
    email_code = re.search(r"\b(\d{6})\b", OutgoingMail.objects.get(key__startswith="otp:").body_text).group(1)
    response = http.post(ENROLL, {"code": email_code, "next": "/admin/"})
    page = http.get(response["Location"])
    assert page.status_code == 200 and "otpauth://" in page.content.decode()
    assert '<figure class="aqp-qr"' in page.content.decode() and "<svg" in page.content.decode()
    assert "<?xml" not in page.content.decode()
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    assert http.post(ENROLL, {"code": "000000" if totp(device.bin_key) != 0 else "111111"}).status_code == 200
    TOTPDevice.objects.update(throttling_failure_timestamp=None)  # django-otp's own delay after a failure
    response = http.post(
        ENROLL, {"code": f"{totp(device.bin_key):06d}", "current_password": PASSWORD, "next": "/admin/"}
    )
    codes = re.findall(r"<li><code>([^<]+)</code></li>", response.content.decode())
    assert len(codes) == 10
    assert http.get("/admin/").status_code == 200

    # Next login: a backup code works once.
    other = HttpClient()
    other.post(LOGIN, {"email": admin.email, "password": PASSWORD})
    assert other.get("/admin/")["Location"].startswith(VERIFY)
    assert other.post(VERIFY, {"code": codes[0], "next": "/admin/"})["Location"] == "/admin/"
    assert other.get("/admin/").status_code == 200
    third = HttpClient()
    third.post(LOGIN, {"email": admin.email, "password": PASSWORD})
    assert third.post(VERIFY, {"code": codes[0]}).status_code == 200  # used up


def test_enrolling_a_new_app_needs_the_existing_second_factor():
    user = factories.spanc_user()
    http = HttpClient()
    http.force_login(user)
    http.get(VERIFY)  # creates the email device
    assert http.get(ENROLL)["Location"].startswith(VERIFY)


# --- sessions ---------------------------------------------------------------------


def test_an_idle_session_ends(client, settings):
    settings.AQUATIRIS_PORTAL_SESSION_IDLE_SECONDS = 60
    change = reverse("aquatiris_portal:password_change")
    client.force_login(factories.client_user())
    assert client.get(change).status_code == 200
    session = client.session
    session["aquatiris_portal_last_seen"] = int(time.time()) - 61
    session.save()
    response = client.get(change)
    assert response["Location"].startswith(LOGIN)


def test_production_cookies_are_secure_and_http_only():
    import importlib
    import os

    os.environ.setdefault("SECRET_KEY", "x" * 60)
    production = importlib.import_module("example_site.production")
    assert production.SESSION_COOKIE_SECURE and production.SESSION_COOKIE_HTTPONLY
    assert production.CSRF_COOKIE_SECURE


# --- email changes from the sync ---------------------------------------------------------


def test_an_email_change_moves_the_login():
    user = factories.client_user()
    record = factories.client_of(user)
    old = record.email
    record.email = "New.Address@example.org"
    record.save()
    email_changed.send(sender=type(record), record=record, old_email=old, new_email=record.email)
    user.refresh_from_db()
    assert user.username == user.email == "new.address@example.org"
    assert HttpClient().post(LOGIN, {"email": old, "password": PASSWORD}).status_code == 200
    assert HttpClient().post(LOGIN, {"email": "new.address@example.org", "password": PASSWORD}).status_code == 302


def test_an_email_change_kills_links_sent_to_the_old_address(client):
    record = factories.client()
    client.post(ACTIVATION, {"email": record.email, "code": record.code})
    old = record.email
    record.email = "moved@example.org"
    record.save()
    email_changed.send(sender=type(record), record=record, old_email=old, new_email=record.email)
    assert client.get(_link(OutgoingMail.objects.get())).status_code == 410


def test_portal_groups_exist_after_migrate():
    assert set(Group.objects.filter(name__in=["Portal clients", "Portal SPANC"]).values_list("name", flat=True)) == {
        "Portal clients",
        "Portal SPANC",
    }


def test_a_session_that_owes_its_second_factor_stays_on_the_account_screens():
    client_page, _ = _pages()
    record = factories.client()
    user = factories.client_user(record)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=user, name="app", confirmed=True)  # the client opted in
    http = HttpClient()
    response = http.post(LOGIN, {"email": user.email, "password": PASSWORD})
    assert response["Location"].startswith(VERIFY)
    assert http.get(client_page.url)["Location"].startswith(VERIFY)
    assert http.get(reverse("aquatiris_portal:password_change"))["Location"].startswith(VERIFY)
    assert http.get(VERIFY).status_code == 200
    assert http.post(reverse("aquatiris_portal:logout")).status_code == 302


def test_staff_downloads_nothing_before_the_second_factor():
    document = factories.document()
    staff = factories.user(email="staff@example.org", is_staff=True, is_superuser=True)
    url = reverse("aquatiris_portal:document_download", args=[document.pk])
    half = HttpClient()
    half.force_login(staff)
    assert half.get(url).status_code == 404
    full = HttpClient()
    factories.otp_login(full, staff)
    assert full.get(url).status_code == 200


def _count_queries(callback):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        callback()
    return len(captured)


def test_account_screens_run_as_many_queries_with_many_records():
    """First connection, lost password and the second-factor page do not
    grow with the number of clients, SPANC, accounts or links."""

    def measure():
        record = factories.client()
        spanc_user = factories.spanc_user()
        verify = HttpClient()
        verify.force_login(spanc_user)
        verify.get(VERIFY)  # first visit sends a code
        return (
            _count_queries(lambda: HttpClient().post(ACTIVATION, {"email": record.email, "code": record.code})),
            _count_queries(lambda: HttpClient().post(ACTIVATION, {"email": "x@example.org", "code": "CLI-NONE"})),
            _count_queries(lambda: HttpClient().post(RESET, {"email": spanc_user.email})),
            _count_queries(lambda: verify.get(VERIFY)),
        )

    small = measure()
    for _ in range(25):
        factories.client_user()
        factories.spanc_user()
        record = factories.client()
        HttpClient().post(ACTIVATION, {"email": record.email, "code": record.code})
    from django.core.cache import cache

    cache.clear()  # the bulk above used up the IP's allowance
    assert measure() == small


def test_access_reads_a_users_account_client_and_spanc_in_one_query(django_assert_num_queries):
    """access.account_for: one query for the account with its client and
    SPANC (not the user again), none for the next questions of the request,
    and the account's user is the user asked about."""
    owner = factories.client()
    user = get_user_model().objects.get(pk=factories.client_user(owner).pk)  # nothing cached on it
    with django_assert_num_queries(1):
        assert access.client_for(user) == owner
        assert access.spanc_for(user) is None
        assert access.account_for(user).user is user
    nobody = get_user_model().objects.get(pk=factories.user().pk)
    with django_assert_num_queries(1):
        assert access.account_for(nobody) is None
        assert access.client_for(nobody) is None
