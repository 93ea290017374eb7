"""Digests and unsubscribing: a client's daily list of new
documents, a SPANC's weekly list of new folders and shared documents, each
person's choice on their account page, a one-click unsubscribe link
without login and the RFC 8058 headers, sent once (idempotent keys),
``portal_notify [--now]``."""

import datetime
import io
import re
from html import unescape

import pytest
from django.core.management import call_command
from django.test import Client as HttpClient
from django.utils import timezone
from wagtail.models import Site

from aquatiris_portal.digests.services import send_due
from aquatiris_portal.models import OutgoingMail
from aquatiris_portal.notifications.preferences import NotificationPreference, unsubscribe_url, wants
from aquatiris_portal.pages.client_space import ClientSpacePage
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("portal_public_url")]


@pytest.fixture
def space():
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:  # a transactional test flushed what the migrations made
        from django.conf import settings as django_settings
        from wagtail.coreutils import get_supported_content_language_variant
        from wagtail.models import Locale, Page

        Locale.objects.get_or_create(
            language_code=get_supported_content_language_variant(django_settings.LANGUAGE_CODE)
        )
        root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
        site = Site.objects.create(hostname="localhost", root_page=root, is_default_site=True)
    return site.root_page.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))


@pytest.fixture
def owner(space):
    client = factories.client()
    first = factories.installation(client=client, reference="AQ-D-1")
    second = factories.installation(client=client, reference="AQ-D-2")
    user = factories.client_user(client)
    user.portal_account.activated_at = timezone.now() - datetime.timedelta(days=1)
    user.portal_account.save()
    return {"client": client, "first": first, "second": second, "user": user}


def digests(user):
    return OutgoingMail.objects.filter(key__startswith=f"digest:client:{user.pk}:")


def test_two_new_documents_make_one_mail_listing_both_with_links_and_headers(owner, mailoutbox):
    from aquatiris_portal.notifications.tasks import deliver_mail

    a = factories.document(owner["first"], title="Facture de pose")
    b = factories.document(owner["second"], title="Rapport de mise en service")
    factories.document(owner["first"], title="Document interne", visible_to_client=False)
    other = factories.document(factories.installation(), title="Document d'un autre client")

    report = send_due(force=True)
    assert report.client_mails == 1
    mail = digests(owner["user"]).get()
    assert mail.to == [owner["user"].email]
    for document in (a, b):
        assert document.title in mail.body_text
        assert f"https://portail.example/portail/documents/{document.pk}/" in mail.body_text
        assert f'href="https://portail.example/portail/documents/{document.pk}/"' in mail.body_html
    assert "Document interne" not in mail.body_text and other.title not in mail.body_text
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.match(
        r"<(https://portail\.example/portail/notifications/desabonnement/\S+/)>", mail.headers["List-Unsubscribe"]
    ).group(1)
    assert url in mail.body_text

    deliver_mail.fn(mail.pk)  # the headers reach the message sent
    sent = mailoutbox[-1]
    assert sent.extra_headers["List-Unsubscribe"] == f"<{url}>"
    assert sent.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # Sent once: again now, forced or not, nothing more.
    assert send_due(force=True).client_mails == 0 and send_due().client_mails == 0
    assert digests(owner["user"]).count() == 1


def test_nothing_new_sends_nothing(owner):
    old = factories.document(owner["first"], title="Ancien")
    type(old).objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=30))
    assert send_due(force=True).client_mails == 0
    assert not digests(owner["user"]).exists()


def test_at_most_one_a_day_then_only_what_is_new(owner, settings):
    settings.AQUATIRIS_PORTAL_CLIENT_DIGEST_HOURS = 24
    now = timezone.now()
    factories.document(owner["first"], title="Premier", created_at=now - datetime.timedelta(hours=1))
    assert send_due(now=now).client_mails == 1
    factories.document(owner["first"], title="Second", created_at=now + datetime.timedelta(hours=2))
    assert send_due(now=now + datetime.timedelta(hours=3)).client_mails == 0  # within the day
    assert send_due(now=now + datetime.timedelta(hours=25)).client_mails == 1
    second = digests(owner["user"]).order_by("-created_at").first()
    assert "Second" in second.body_text and "Premier" not in second.body_text


def test_turned_off_from_the_account_page_then_back_on(owner):
    http = HttpClient()
    http.force_login(owner["user"])
    page = unescape(http.get("/portail/compte/notifications/").content.decode())
    assert 'value="client_documents"' in page and 'value="request_answers"' in page
    assert 'value="spanc_digest"' not in page  # a client account sees the client's mails only
    http.post("/portail/compte/notifications/", {"kinds": ["request_answers"]})  # documents unticked
    assert not wants(owner["user"], "client_documents") and wants(owner["user"], "request_answers")

    factories.document(owner["first"], title="Pendant la pause")
    assert send_due(force=True).client_mails == 0

    http.post("/portail/compte/notifications/", {"kinds": ["request_answers", "client_documents"]})
    assert send_due(force=True).client_mails == 1
    assert "Pendant la pause" in digests(owner["user"]).get().body_text


def test_the_account_page_needs_a_login():
    response = HttpClient().get("/portail/compte/notifications/")
    assert response.status_code == 302 and "/connexion/" in response["Location"]


def test_the_unsubscribe_link_works_without_login_and_one_click(owner):
    url = unsubscribe_url(owner["user"], "client_documents").removeprefix("https://portail.example")
    anonymous = HttpClient(enforce_csrf_checks=True)
    page = anonymous.get(url)
    assert page.status_code == 200 and wants(owner["user"], "client_documents")  # opening the link changes nothing
    assert page["X-Robots-Tag"] == "noindex, nofollow"
    # What a mail client sends (RFC 8058): a POST without cookies nor CSRF token.
    response = anonymous.post(url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert not wants(owner["user"], "client_documents") and wants(owner["user"], "request_answers")
    factories.document(owner["first"])
    assert send_due(force=True).client_mails == 0


def test_forged_unsubscribe_links_are_404(owner):
    url = unsubscribe_url(owner["user"], "client_documents").removeprefix("https://portail.example")
    assert HttpClient().post(url[:-3] + "xx/").status_code == 404
    assert HttpClient().post("/portail/notifications/desabonnement/abc/").status_code == 404
    assert wants(owner["user"], "client_documents")


def test_answer_mails_follow_the_choice_too(owner):
    from aquatiris_portal.enquiries.threads import post_message
    from aquatiris_portal.models import PortalRequest

    portal_request = PortalRequest(
        kind="question",
        client=owner["client"],
        installation=owner["first"],
        message="Bonjour",
        submitted_by=owner["user"],
    )
    portal_request.fill_recap()
    portal_request.save()
    HttpClient().post(unsubscribe_url(owner["user"], "request_answers").removeprefix("https://portail.example"))
    message = post_message(portal_request, role="franchisee", channel="reply_link", body="Réponse")
    assert not OutgoingMail.objects.filter(key=f"request_message:{message.pk}:client").exists()


# --- SPANC -----------------------------------------------------------------------------


def test_spanc_weekly_digest_lists_new_folders_and_shared_documents_of_its_territory(space, settings):
    settings.AQUATIRIS_PORTAL_SPANC_DIGEST_DAYS = 7
    from aquatiris_portal.models import Installation

    spanc = factories.spanc()
    user = factories.spanc_user(spanc)
    old_folder = factories.installation(spanc=spanc, reference="AQ-OLD")
    Installation.objects.filter(pk=old_folder.pk).update(created_at=None)  # imported before dates were kept
    new_folder = factories.installation(spanc=spanc, reference="AQ-NEW")
    elsewhere = factories.installation(spanc=factories.spanc(), reference="AQ-ELSEWHERE")
    shared = factories.document(old_folder, title="Contrôle partagé", visible_to_spanc=True)
    factories.document(old_folder, title="Facture privée", visible_to_spanc=False)
    factories.document(elsewhere, title="Autre territoire", visible_to_spanc=True)
    factories.document(
        old_folder, title="Mon propre envoi", visible_to_spanc=True, uploaded_by_spanc=spanc, source="spanc_upload"
    )

    now = timezone.now()
    assert send_due(now=now).spanc_mails == 1
    mail = OutgoingMail.objects.get(key__startswith=f"digest:spanc:{user.pk}:")
    assert "- AQ-NEW —" in mail.body_text and "- AQ-OLD —" not in mail.body_text
    assert "AQ-ELSEWHERE" not in mail.body_text
    assert shared.title in mail.body_text
    for hidden in ("Facture privée", "Autre territoire", "Mon propre envoi"):
        assert hidden not in mail.body_text
    assert f"/portail/documents/{shared.pk}/" in mail.body_text
    assert mail.headers["List-Unsubscribe"].startswith("<https://portail.example/")

    factories.installation(spanc=spanc, reference="AQ-NEXT")
    assert send_due(now=now + datetime.timedelta(days=3)).spanc_mails == 0  # weekly
    assert send_due(now=now + datetime.timedelta(days=7, minutes=1)).spanc_mails == 1
    assert (
        "AQ-NEXT"
        in OutgoingMail.objects.filter(key__startswith=f"digest:spanc:{user.pk}:")
        .order_by("-created_at")
        .first()
        .body_text
    )
    assert new_folder.pk


def test_a_spanc_turns_its_digest_off(space):
    spanc = factories.spanc()
    user = factories.spanc_user(spanc)
    http = HttpClient()
    factories.otp_login(http, user)
    page = http.get("/portail/compte/notifications/").content.decode()
    assert 'value="spanc_digest"' in page and 'value="client_documents"' not in page
    http.post("/portail/compte/notifications/", {})
    factories.installation(spanc=spanc)
    assert send_due(force=True).spanc_mails == 0
    assert NotificationPreference.objects.get(user=user, kind="spanc_digest").enabled is False


# --- the command -------------------------------------------------------------------------


def test_portal_notify_now_sends_what_is_pending_once(owner):
    factories.document(owner["first"], title="Facture A")
    factories.document(owner["second"], title="Facture B")
    out = io.StringIO()
    call_command("portal_notify", "--now", stdout=out)
    assert "1 client digest" in out.getvalue()
    mail = digests(owner["user"]).get()
    assert "Facture A" in mail.body_text and "Facture B" in mail.body_text
    call_command("portal_notify", "--now", stdout=io.StringIO())
    assert digests(owner["user"]).count() == 1


@pytest.mark.django_db(transaction=True)  # the worker thread must see the rows
def test_the_schedule_sends_the_digests_that_are_due(owner, stub_broker, worker):
    from aquatiris_portal.schedule import notify_tick

    factories.document(owner["first"], title="Par le planificateur")
    notify_tick.send()
    stub_broker.join("aquatiris_mail")
    worker.join()
    assert "Par le planificateur" in digests(owner["user"]).get().body_text
