"""The security log: one function writes a structured
event (row + log line); the admin lists it for admins only; events older
than AQUATIRIS_PORTAL_SECURITY_LOG_DAYS go."""

import datetime
import logging

import pytest
from django.test import Client as HttpClient
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from aquatiris_portal.backoffice.groups import EDITORS, ensure_groups
from aquatiris_portal.security_log import email_hash, purge_expired, record_security_event
from aquatiris_portal.security_log.models import SecurityEvent
from tests import factories

pytestmark = pytest.mark.django_db

INDEX = reverse("aquatiris_portal_security_log:index")


def test_an_event_is_a_row_and_a_structured_log_line(caplog, settings):
    settings.AQUATIRIS_PORTAL_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    user = factories.user(email="anne@example.org")
    request = RequestFactory().get("/portail/connexion/", HTTP_X_FORWARDED_FOR="198.51.100.7", REMOTE_ADDR="10.0.0.1")
    request.user = user
    with caplog.at_level(logging.INFO, logger="aquatiris_portal.security"):
        event = record_security_event("login", request, method="password")
    stored = SecurityEvent.objects.get()
    assert stored == event
    assert (stored.kind, stored.user, stored.username, stored.ip, stored.path, stored.details) == (
        "login",
        user,
        "anne@example.org",
        "198.51.100.7",
        "/portail/connexion/",
        {"method": "password"},
    )
    [line] = [r for r in caplog.records if r.name == "aquatiris_portal.security"]
    assert line.security_event == {
        "kind": "login",
        "user": "anne@example.org",
        "ip": "198.51.100.7",
        "path": "/portail/connexion/",
        "details": {"method": "password"},
    }


def test_an_event_outside_a_request_and_without_a_user():
    event = record_security_event("settings_changed", setting="network_head_emails", when=datetime.date(2026, 1, 2))
    assert (event.user, event.ip, event.path, event.details) == (
        None,
        None,
        "",
        {"setting": "network_head_emails", "when": "2026-01-02"},
    )


def test_events_older_than_the_retention_go(settings):
    settings.AQUATIRIS_PORTAL_SECURITY_LOG_DAYS = 30
    old = record_security_event("login")
    kept = record_security_event("login")
    SecurityEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=30, minutes=1))
    SecurityEvent.objects.filter(pk=kept.pk).update(created_at=timezone.now() - datetime.timedelta(days=29))
    assert purge_expired() == 1
    assert list(SecurityEvent.objects.all()) == [kept]


def test_the_next_event_purges_once_an_hour(settings):
    settings.AQUATIRIS_PORTAL_SECURITY_LOG_DAYS = 1
    old = record_security_event("login")  # first event of the hour: purges (nothing yet)
    SecurityEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=2))
    record_security_event("login")
    assert SecurityEvent.objects.filter(pk=old.pk).exists()  # not again within the hour
    from django.core.cache import cache

    cache.delete("aqp:security_log:purged")
    record_security_event("login")
    assert not SecurityEvent.objects.filter(pk=old.pk).exists()


def _staff(groups=(), **kw):
    user = factories.user(is_staff=True, **kw)
    for name in groups:
        from django.contrib.auth.models import Group

        user.groups.add(Group.objects.get(name=name))
    http = HttpClient()
    factories.otp_login(http, user)
    return http


def test_superusers_read_the_log_and_editors_cannot():
    ensure_groups()
    record_security_event("login_failed", user=None, email_hash="abc")
    admin = _staff(is_superuser=True)
    listing = admin.get(INDEX)
    assert listing.status_code == 200
    assert "login_failed" in listing.content.decode()
    editor = _staff(groups=[EDITORS])
    assert editor.get(INDEX).status_code in (302, 403)
    response = editor.get(INDEX, follow=True)
    assert "login_failed" not in response.content.decode()
    # The Settings menu links to it for the superuser, not for the editor (the
    # menu is JSON in the page, so its link is checked, whatever the language).
    assert f'"{INDEX}"' in admin.get(reverse("wagtailadmin_home")).content.decode()
    assert f'"{INDEX}"' not in editor.get(reverse("wagtailadmin_home")).content.decode()


def test_nobody_adds_edits_or_deletes_an_event():
    event = record_security_event("login")
    admin = _staff(is_superuser=True)
    assert admin.get(reverse("aquatiris_portal_security_log:add")).status_code in (302, 403)
    assert admin.get(reverse("aquatiris_portal_security_log:edit", args=[event.pk])).status_code in (302, 403)
    assert admin.post(reverse("aquatiris_portal_security_log:delete", args=[event.pk])).status_code in (302, 403)
    assert SecurityEvent.objects.filter(pk=event.pk).exists()
    assert admin.get(reverse("aquatiris_portal_security_log:inspect", args=[event.pk])).status_code == 200


PASSWORD = "correct-Horse-battery-9"


def test_the_log_lists_a_clients_login_a_spancs_second_factor_failure_and_a_staff_export(settings):
    """Through the real screens; an editor cannot
    open the listing."""
    import re

    from django.contrib.auth.models import Group

    from aquatiris_portal.backoffice.groups import CUSTOMER_SERVICE
    from aquatiris_portal.models import OutgoingMail

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    ensure_groups()
    login = reverse("aquatiris_portal:login")
    verify = reverse("aquatiris_portal:otp_verify")
    anne = factories.client_user()
    assert (
        HttpClient(REMOTE_ADDR="198.51.100.11").post(login, {"email": anne.email, "password": PASSWORD}).status_code
        == 302
    )
    agent = factories.spanc_user()
    pro = HttpClient(REMOTE_ADDR="198.51.100.12")
    pro.post(login, {"email": agent.email, "password": PASSWORD})
    pro.get(verify)
    code = re.search(r"\b(\d{6})\b", OutgoingMail.objects.get(key__startswith="otp:").body_text).group(1)
    pro.post(verify, {"code": "000000" if code != "000000" else "111111"})
    clerk = factories.user(email="clerk@example.org")
    clerk.groups.add(Group.objects.get(name=CUSTOMER_SERVICE))
    office = HttpClient(REMOTE_ADDR="198.51.100.13")
    factories.otp_login(office, clerk)
    assert office.get(reverse("aquatiris_portal_requests:index"), {"export": "xlsx"}).status_code == 302

    rows = {(e.kind, e.username, e.ip) for e in SecurityEvent.objects.all()}
    assert {
        ("login", anne.email, "198.51.100.11"),
        ("otp_failed", agent.email, "198.51.100.12"),
        ("export", clerk.email, "198.51.100.13"),
    } <= rows
    page = _staff(is_superuser=True).get(INDEX).content.decode()
    for username in (anne.email, agent.email, clerk.email):
        assert username in page
    editor = _staff(groups=[EDITORS])
    response = editor.get(INDEX)
    assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    assert anne.email not in editor.get(INDEX, follow=True).content.decode()
    clerk_listing = office.get(INDEX)  # customer service reads requests, not the security log
    assert clerk_listing.status_code == 302


def test_staff_downloads_of_personal_documents_are_logged_clients_own_are_not():
    document = factories.document()
    boss = factories.user(email="boss@example.org", is_staff=True, is_superuser=True)
    http = HttpClient()
    factories.otp_login(http, boss)
    assert http.get(reverse("aquatiris_portal:document_download", args=[document.pk])).status_code == 200
    [event] = SecurityEvent.objects.filter(kind="document_download")
    assert (event.user, event.details["model"], event.details["id"]) == (boss, "portaldocument", document.pk)
    owner = factories.client_user(document.installation.client)
    mine = HttpClient()
    mine.force_login(owner)
    assert mine.get(reverse("aquatiris_portal:document_download", args=[document.pk])).status_code == 200
    assert SecurityEvent.objects.filter(kind="document_download").count() == 1


def test_an_email_change_from_the_sync_is_logged():
    from aquatiris_portal.records.signals import email_changed

    user = factories.client_user()
    record = factories.client_of(user)
    old = record.email
    record.email = "New.Address@example.org"
    record.save()
    email_changed.send(sender=type(record), record=record, old_email=old, new_email=record.email)
    [event] = SecurityEvent.objects.filter(kind="email_changed")
    assert (event.user, event.details["record"], event.details["source"]) == (user, record.external_id, "sync")
    assert old not in str(event.details)  # the former address is not kept, only its domain


def test_django_security_messages_go_somewhere_in_the_example_site():
    from django.conf import settings

    config = settings.LOGGING["loggers"]["django.security"]
    assert config["handlers"] and all(name in settings.LOGGING["handlers"] for name in config["handlers"])
    handlers = logging.getLogger("django.security").handlers
    assert any(isinstance(handler, logging.StreamHandler) for handler in handlers)
    # The portal's security events reach a handler too (through "aquatiris_portal").
    assert logging.getLogger("aquatiris_portal").handlers
    assert logging.getLogger("aquatiris_portal.security").getEffectiveLevel() <= logging.INFO


def test_an_explicit_ip_fills_the_address_and_a_bad_one_is_dropped():
    assert record_security_event("sync_download", ip="203.0.113.5", document=1).ip == "203.0.113.5"
    event = record_security_event("sync_download", ip="not an address", document=2)
    assert event.ip is None and event.details == {"document": 2}


def test_a_path_with_a_links_token_is_logged_as_its_pattern():
    from django.urls import resolve

    path = reverse("aquatiris_portal:activation_link", args=["s3cr3t-token-value"])
    request = RequestFactory().get(path)
    request.resolver_match = resolve(path)
    event = record_security_event("link_opened", request)
    assert "s3cr3t-token-value" not in event.path and "<str:token>" in event.path


def test_a_failed_login_is_one_event_with_the_address_and_without_the_password_or_the_typed_email(caplog):
    """An email typed at a failed login may belong to nobody: the event and
    the log line carry it only as a keyed hash (security_log/hashing.py)."""
    anne = factories.client_user()
    login = reverse("aquatiris_portal:login")
    with caplog.at_level(logging.INFO):
        for email in (anne.email, "nobody-here@example.org"):
            HttpClient(REMOTE_ADDR="198.51.100.61").post(login, {"email": email, "password": "Secret-guess-42"})
    known, unknown = SecurityEvent.objects.filter(kind="login_failed").order_by("pk")
    stored = str(unknown.details) + unknown.path + " ".join(r.getMessage() for r in caplog.records)
    assert "nobody-here" not in stored and "Secret-guess-42" not in stored
    assert SecurityEvent.objects.filter(kind="login_failed").count() == 2  # one each
    assert (known.user, known.ip) == (anne, "198.51.100.61")
    assert (unknown.user, unknown.username, unknown.ip) == (None, "", "198.51.100.61")
    assert unknown.details == {"email_hash": email_hash("nobody-here@example.org")}
    assert (
        len(unknown.details["email_hash"]) == 24
        and email_hash("Nobody-Here@example.org ") == unknown.details["email_hash"]
    )


def test_the_admin_finds_the_failed_logins_of_a_typed_email_by_its_hash():
    ensure_groups()
    record_security_event("login_failed", email_hash=email_hash("nobody-here@example.org"))
    record_security_event("login_failed", email_hash=email_hash("someone-else@example.org"))
    admin = _staff(is_superuser=True)
    listing = admin.get(INDEX, {"typed_email": " Nobody-Here@example.org"}).content.decode()
    assert email_hash("nobody-here@example.org") in listing
    assert email_hash("someone-else@example.org") not in listing
