"""Request threads: the client reads and answers the thread of
a request in "my requests", newest activity first with unread marked;
closed requests take no reply and reopen within REQUEST_REOPEN_DAYS;
everything through access; a constant number of queries; who hears what."""

import datetime
import io
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext
from wagtail.models import Site

from aquatiris_portal.enquiries.threads import post_message
from aquatiris_portal.models import (
    OutboxEvent,
    OutgoingMail,
    PortalRequest,
    PortalSettings,
    RequestAttachment,
    RequestMessage,
)
from aquatiris_portal.notifications.mail import default_from_email
from aquatiris_portal.pages.client_space import ClientSpacePage
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("portal_public_url")]

BASE = "/espace-client/"
Author = RequestMessage.Author
Channel = RequestMessage.Channel


@pytest.fixture
def space():
    site = Site.objects.get(is_default_site=True)
    page = site.root_page.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))
    settings_obj = PortalSettings.for_site(site)
    settings_obj.network_head_emails = "sav@aquatiris.example"
    settings_obj.save()
    return page


def make_request(client, installation, user, kind=PortalRequest.Kind.QUESTION, subject="Question", **kw):
    portal_request = PortalRequest(
        kind=kind,
        client=client,
        installation=installation,
        message="Bonjour, une question",
        subject_label=subject,
        submitted_by=user,
        **kw,
    )
    portal_request.fill_recap()
    portal_request.save()
    return portal_request


@pytest.fixture
def owner(space):
    client = factories.client()
    installation = factories.installation(client=client)
    user = factories.client_user(client)
    http = HttpClient()
    http.force_login(user)
    return {
        "client": client,
        "installation": installation,
        "user": user,
        "http": http,
        "request": make_request(client, installation, user),
    }


def jpeg(name="photo.jpg"):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (20, 120, 40)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def answer(portal_request, body="Je passe jeudi.", role=Author.FRANCHISEE, **kw):
    return post_message(
        portal_request, role=role, channel=Channel.REPLY_LINK, author_name="Luc Martin", body=body, **kw
    )


def url_of(portal_request):
    return f"{BASE}demandes/{portal_request.reference}/"


# --- reading and answering ------------------------------------------------------------


def test_client_reads_the_answer_and_replies_with_a_photo(owner):
    portal_request = owner["request"]
    answer(portal_request, "Bonjour, je passe jeudi matin.")
    html = unescape(owner["http"].get(url_of(portal_request)).content.decode())
    assert "Bonjour, je passe jeudi matin." in html and "Luc Martin" in html
    assert "aqp-message-item--unread" in html  # marked on the first reading only

    response = owner["http"].post(url_of(portal_request), {"body": "Merci, jeudi me va.", "attachments": [jpeg()]})
    assert response.status_code == 302
    reply = RequestMessage.objects.filter(author_role=Author.CLIENT).get()
    assert reply.body == "Merci, jeudi me va." and reply.author_user == owner["user"]
    attachment = RequestAttachment.objects.get(message=reply)
    assert attachment.request == portal_request and attachment.content_type == "image/jpeg"
    portal_request.refresh_from_db()
    assert portal_request.last_author_role == Author.CLIENT

    html = unescape(owner["http"].get(url_of(portal_request)).content.decode())
    assert "Merci, jeudi me va." in html and "aqp-message-item--unread" not in html
    # The reply's photo downloads through the request's attachment route.
    download = owner["http"].get(f"{url_of(portal_request)}pieces-jointes/{attachment.pk}/")
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")


def test_a_bad_file_refuses_the_reply_and_writes_nothing(owner):
    fake = SimpleUploadedFile("photo.jpg", b"<html><script>alert(1)</script></html>", content_type="image/jpeg")
    response = owner["http"].post(url_of(owner["request"]), {"body": "Voici", "attachments": [fake]})
    assert response.status_code == 200
    assert not RequestMessage.objects.exists() and not RequestAttachment.objects.exists()


def test_my_requests_newest_activity_first_with_unread_marked(owner):
    older = owner["request"]
    newer = make_request(owner["client"], owner["installation"], owner["user"], subject="Autre question")
    PortalRequest.objects.filter(pk=older.pk).update(last_activity_at=timezone.now() - datetime.timedelta(days=3))
    PortalRequest.objects.filter(pk=newer.pk).update(last_activity_at=timezone.now() - datetime.timedelta(days=1))
    html = owner["http"].get(f"{BASE}demandes/").content.decode()
    assert html.index("Autre question") < html.index(">Question<")
    assert "data-aqp-unread" not in html

    answer(older)  # the older request now has the newest activity, unread
    html = owner["http"].get(f"{BASE}demandes/").content.decode()
    assert html.index(">Question<") < html.index("Autre question")
    assert html.count("data-aqp-unread") == 1

    owner["http"].get(url_of(older))  # reading it clears the mark
    assert "data-aqp-unread" not in owner["http"].get(f"{BASE}demandes/").content.decode()


# --- status: closed, reopen -------------------------------------------------------------


def test_a_closed_request_takes_no_reply_and_reopens_within_the_window(owner, settings):
    portal_request = owner["request"]
    answer(portal_request, "C'est réglé.", role=Author.STAFF, status=PortalRequest.Status.CLOSED)
    html = unescape(owner["http"].get(url_of(portal_request)).content.decode())
    assert gettext("This request is closed.") in html and 'name="body"' not in html
    assert gettext("Reopen this request") in html

    owner["http"].post(url_of(portal_request), {"body": "Encore une chose"})
    assert not RequestMessage.objects.filter(author_role=Author.CLIENT).exists()

    owner["http"].post(url_of(portal_request), {"action": "reopen"})
    portal_request.refresh_from_db()
    assert portal_request.status == PortalRequest.Status.IN_PROGRESS and portal_request.closed_at is None
    assert OutboxEvent.objects.get(kind="request_status_changed").payload["changed_by"] == "client"
    assert 'name="body"' in owner["http"].get(url_of(portal_request)).content.decode()


def test_reopening_is_refused_after_the_window(owner, settings):
    settings.AQUATIRIS_PORTAL_REQUEST_REOPEN_DAYS = 30
    portal_request = owner["request"]
    answer(portal_request, role=Author.STAFF, status=PortalRequest.Status.CLOSED)
    PortalRequest.objects.filter(pk=portal_request.pk).update(closed_at=timezone.now() - datetime.timedelta(days=31))
    html = unescape(owner["http"].get(url_of(portal_request)).content.decode())
    assert gettext("Reopen this request") not in html
    owner["http"].post(url_of(portal_request), {"action": "reopen"})
    portal_request.refresh_from_db()
    assert portal_request.status == PortalRequest.Status.CLOSED


# --- access ----------------------------------------------------------------------------


def test_another_client_a_spanc_and_anonymous_never_see_the_thread(owner):
    portal_request = owner["request"]
    message = answer(portal_request, "Réponse privée", checked_files=[(jpeg(), "jpeg", "image/jpeg")])
    attachment = RequestAttachment.objects.get(message=message)
    urls = [url_of(portal_request), f"{url_of(portal_request)}pieces-jointes/{attachment.pk}/"]

    stranger = HttpClient()
    stranger.force_login(factories.client_user())
    spanc = HttpClient()
    factories.otp_login(spanc, factories.spanc_user(factories.spanc()))
    # Another client: 404. A SPANC: the client space's "this space is for clients" page
    # (pages/wrong_space.py, 403 or 404), never the thread.
    for http, refused in ((stranger, {404}), (spanc, {403, 404})):
        for url in urls:
            response = http.get(url)
            assert response.status_code in refused, url
            assert b"R\xc3\xa9ponse priv\xc3\xa9e" not in response.content and b"\xff\xd8" not in response.content
        assert http.post(urls[0], {"body": "intrusion"}).status_code in refused
    for url in urls:
        response = HttpClient().get(url)
        assert response.status_code == 302 and "/connexion/" in response["Location"]
    assert HttpClient().post(urls[0], {"body": "intrusion"}).status_code in (302, 403)
    assert not RequestMessage.objects.filter(body="intrusion").exists()


def test_query_count_of_the_thread_page_does_not_grow_with_messages(owner, django_assert_num_queries):
    few = owner["request"]
    many = make_request(owner["client"], owner["installation"], owner["user"], subject="Longue discussion")
    for portal_request, count in ((few, 2), (many, 50)):
        for n in range(count):
            role = Author.CLIENT if n % 2 else Author.FRANCHISEE
            message = RequestMessage.objects.create(
                request=portal_request,
                author_role=role,
                channel=Channel.IMPORT,
                body=f"message {n}",
                author_name="Luc Martin",
            )
            attachment = RequestAttachment(
                request=portal_request, message=message, filename=f"p{n}.jpg", content_type="image/jpeg", size=10
            )
            attachment.file.save(f"p{n}.jpg", jpeg(), save=False)
            attachment.save()
        PortalRequest.objects.filter(pk=portal_request.pk).update(last_author_role=Author.FRANCHISEE)
    http = owner["http"]
    for portal_request in (few, many):
        http.get(url_of(portal_request))  # warm caches; marks both read
    with CaptureQueriesContext(connection) as with_two:
        response = http.get(url_of(few))
    assert response.status_code == 200 and response.content.decode().count("aqp-message-item--") >= 2
    with django_assert_num_queries(len(with_two.captured_queries)):
        response = http.get(url_of(many))
    assert response.content.decode().count('class="aqp-message-item ') == 50


# --- who hears what ---------------------------------------------------------------------


def test_an_answer_mails_the_client_a_link_without_the_text_by_default(owner, settings):
    message = answer(owner["request"], "Texte confidentiel de la réponse")
    mail = OutgoingMail.objects.get(key=f"request_message:{message.pk}:client")
    assert mail.to == [owner["client"].email]
    assert "Luc Martin" in mail.body_text
    assert f"https://portail.example{url_of(owner['request'])}" in mail.body_text
    assert "Texte confidentiel" not in mail.body_text and "Texte confidentiel" not in mail.body_html
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail.headers["List-Unsubscribe"].startswith("<https://portail.example/portail/notifications/")

    settings.AQUATIRIS_PORTAL_MAIL_INCLUDES_MESSAGE = True
    message = answer(owner["request"], "Deuxième réponse visible")
    assert "Deuxième réponse visible" in OutgoingMail.objects.get(key=f"request_message:{message.pk}:client").body_text


def test_the_client_reply_goes_to_the_franchisee_with_recap_and_a_fresh_link(owner):
    response = owner["http"].post(url_of(owner["request"]), {"body": "Ma réponse", "attachments": [jpeg("IMG_1.JPG")]})
    assert response.status_code == 302
    reply = RequestMessage.objects.get()
    mail = OutgoingMail.objects.get(key=f"request_message:{reply.pk}:franchisee")
    franchisee = owner["installation"].franchisee
    client = owner["client"]
    assert mail.to == [franchisee.email] and mail.reply_to == [default_from_email()]
    for value in (
        "Ma réponse",
        client.last_name,
        client.first_name,
        client.phone,
        client.email,
        client.code,
        owner["installation"].reference,
    ):
        assert value in mail.body_text, value
    assert "/portail/reponse/" in mail.body_text
    assert [a["filename"] for a in mail.attachments] == ["IMG_1.jpg"]
    # A question: the network head is not told.
    assert not OutgoingMail.objects.filter(key=f"request_message:{reply.pk}:network_head").exists()


def test_after_sales_replies_also_go_to_the_network_head(owner):
    sav = make_request(owner["client"], owner["installation"], owner["user"], kind=PortalRequest.Kind.AFTER_SALES)
    owner["http"].post(url_of(sav), {"body": "Toujours des odeurs"})
    reply = RequestMessage.objects.get()
    head = OutgoingMail.objects.get(key=f"request_message:{reply.pk}:network_head")
    assert head.to == ["sav@aquatiris.example"] and "Toujours des odeurs" in head.body_text
    assert "/portail/reponse/" not in head.body_text  # the reply link is the franchisee's own


def test_every_message_not_from_the_internal_system_is_an_outbox_event(owner):
    message = answer(owner["request"], "Réponse", checked_files=[(jpeg(), "jpeg", "image/jpeg")])
    event = OutboxEvent.objects.get(kind="request_message_posted")
    assert event.payload["reference"] == str(owner["request"].reference)
    assert event.payload["message_id"] == message.pk and event.payload["author_role"] == "franchisee"
    assert event.payload["body"] == "Réponse"
    import json

    from aquatiris_portal.sync.delivery import body_for

    body = json.loads(body_for(event))  # the link is made at each delivery attempt
    url = body["payload"]["attachments"][0]["download_url"]
    assert url.startswith("https://portail.example/portail/sync/pieces-jointes/")
    download = HttpClient().get(url.removeprefix("https://portail.example"))
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert HttpClient().get("/portail/sync/pieces-jointes/forged/").status_code == 404

    post_message(owner["request"], role=Author.INTERNAL_SYSTEM, channel=Channel.IMPORT, body="Importé")
    assert OutboxEvent.objects.filter(kind="request_message_posted").count() == 1


# --- back office ------------------------------------------------------------------------


def customer_service(http):
    from django.contrib.auth.models import Group

    from aquatiris_portal.backoffice.groups import CUSTOMER_SERVICE, ensure_groups

    ensure_groups()
    user = factories.user(first_name="Claire", last_name="Service")
    user.groups.add(Group.objects.get(name=CUSTOMER_SERVICE))
    factories.otp_login(http, user)
    return user


def test_staff_answer_and_close_from_the_admin_page(owner):
    from django.urls import reverse

    portal_request = owner["request"]
    http = HttpClient()
    user = customer_service(http)
    inspect = http.get(reverse("aquatiris_portal_requests:inspect", args=[portal_request.pk]))
    assert inspect.status_code == 200
    reply_url = reverse("aquatiris_portal_requests:reply", args=[portal_request.pk])
    assert f'action="{reply_url}"' in inspect.content.decode()

    response = http.post(
        reply_url, {"body": "Nous revenons vers vous.", "status": "in_progress", "attachments": [jpeg()]}
    )
    assert response.status_code == 302
    message = RequestMessage.objects.get()
    assert message.author_role == Author.STAFF and message.author_user == user and message.channel == "admin"
    assert message.author_name == "Claire Service"
    assert RequestAttachment.objects.filter(message=message).count() == 1
    assert OutgoingMail.objects.filter(key=f"request_message:{message.pk}:client").exists()
    assert (
        "Nous revenons vers vous."
        in http.get(reverse("aquatiris_portal_requests:inspect", args=[portal_request.pk])).content.decode()
    )

    http.post(reply_url, {"body": "", "status": "closed"})  # status only
    portal_request.refresh_from_db()
    assert portal_request.status == "closed" and RequestMessage.objects.count() == 1
    changed = OutboxEvent.objects.get(kind="request_status_changed")
    assert changed.payload == {"reference": str(portal_request.reference), "status": "closed", "changed_by": "staff"}
    html = unescape(owner["http"].get(url_of(portal_request)).content.decode())
    assert 'data-aqp-request-status="closed"' in html and "Nous revenons vers vous." in html


def test_only_staff_allowed_to_read_requests_answer(owner):
    from django.urls import reverse

    reply_url = reverse("aquatiris_portal_requests:reply", args=[owner["request"].pk])
    editor = HttpClient()
    factories.otp_login(editor, factories.user(is_staff=True))
    assert editor.post(reply_url, {"body": "Non"}).status_code in (302, 403)
    unverified = HttpClient()
    unverified.force_login(factories.user(is_staff=True, is_superuser=True))
    assert unverified.post(reply_url, {"body": "Non"}).status_code in (302, 403)
    assert owner["http"].post(reply_url, {"body": "Non"}).status_code in (302, 403)
    assert not RequestMessage.objects.exists()


def test_listing_shows_last_activity_and_waiting_with_a_filter_and_a_dashboard_count(owner, settings):
    from django.urls import reverse

    settings.AQUATIRIS_PORTAL_ANSWER_DUE_HOURS = 48
    waiting = owner["request"]
    answered = make_request(owner["client"], owner["installation"], owner["user"], subject="Répondue")
    fresh = make_request(owner["client"], owner["installation"], owner["user"], subject="Toute fraîche")
    three_days = timezone.now() - datetime.timedelta(days=3)
    PortalRequest.objects.filter(pk__in=[waiting.pk, answered.pk]).update(last_activity_at=three_days)
    PortalRequest.objects.filter(pk=answered.pk).update(last_author_role=Author.FRANCHISEE)

    http = HttpClient()
    customer_service(http)
    index = reverse("aquatiris_portal_requests:index")
    html = unescape(http.get(index).content.decode())
    label = gettext("Waiting > %(hours)s h") % {"hours": 48}
    assert html.count(label) == 1 and gettext("Last activity") in html
    listed = unescape(http.get(index, {"waiting": "true"}).content.decode())

    def inspect(r):
        return reverse("aquatiris_portal_requests:inspect", args=[r.pk])

    assert inspect(waiting) in listed and inspect(answered) not in listed and inspect(fresh) not in listed
    assert inspect(answered) in html and inspect(fresh) in html
    dashboard = http.get(reverse("wagtailadmin_home")).content.decode()
    assert 'data-aqp-waiting="1"' in dashboard


def test_export_carries_the_message_count_and_last_activity(owner):
    from aquatiris_portal.enquiries import exports
    from aquatiris_portal.models import RequestExport

    answer(owner["request"])
    answer(owner["request"], "Deuxième")
    export = RequestExport.objects.create(
        requested_by=factories.user(), format="csv", request_ids=[owner["request"].pk]
    )
    output = io.BytesIO()
    exports.write_export(export, output)
    import csv

    rows = list(csv.reader(io.StringIO(output.getvalue().decode("utf-8-sig"))))
    heading = rows[0]
    row = dict(zip(heading, rows[1], strict=True))
    assert row[gettext("Messages")] == "2"
    owner["request"].refresh_from_db()
    assert row[gettext("Last activity")] == timezone.localtime(owner["request"].last_activity_at).strftime(
        "%d/%m/%Y %H:%M"
    )


# --- message records of an export ---------------------------------------------------------


def _message(portal_request, rid="M-77", **extra):
    record = {
        "type": "message",
        "id": rid,
        "request": str(portal_request.reference),
        "author": {"role": "franchisee", "name": "Luc Martin"},
        "body": "Bonjour, je passe jeudi matin.",
        "sent_at": (timezone.now() + datetime.timedelta(minutes=1)).isoformat(),
    }
    record.update(extra)
    return record


def test_imported_message_joins_the_thread_with_its_file_and_status_once(owner, tmp_path):
    from aquatiris_portal.models import QuarantinedRecord
    from aquatiris_portal.sync.importer import import_source
    from tests.exports import make_pdf as export_pdf
    from tests.exports import sha256, write_export

    portal_request = owner["request"]
    pdf = export_pdf("Devis")
    lines = [
        _message(
            portal_request,
            status="in_progress",
            attachments=[{"file": "files/M-77-1.pdf", "sha256": sha256(pdf), "title": "Devis"}],
        ),
        _message(portal_request, rid="M-78", request=str(__import__("uuid").uuid4())),  # unknown request
        _message(portal_request, rid="M-79", request="not-a-reference"),
        _message(portal_request, rid="M-80", attachments=[{"file": "files/missing.pdf", "sha256": "0" * 64}]),
        _message(portal_request, rid="M-81", attachments=[{"file": "files/M-77-1.pdf", "sha256": "1" * 64}]),
        {
            "type": "message",
            "id": "M-82",
            "request": str(portal_request.reference),
            "body": "sans auteur",
            "sent_at": "2026-12-02T09:00:00Z",
        },
    ]
    write_export(tmp_path / "exports", 1, lines, {"files/M-77-1.pdf": pdf})
    run = import_source(tmp_path / "exports").runs[0]
    assert run.state == run.State.SUCCEEDED

    message = RequestMessage.objects.get()
    assert message.external_id == "M-77" and message.author_role == "franchisee" and message.channel == "import"
    assert message.author_name == "Luc Martin" and message.body == "Bonjour, je passe jeudi matin."
    attachment = RequestAttachment.objects.get(message=message)
    assert attachment.filename == "Devis.pdf" and attachment.content_type == "application/pdf"
    assert attachment.file.read().startswith(b"%PDF")
    portal_request.refresh_from_db()
    assert portal_request.status == "in_progress" and portal_request.last_author_role == "franchisee"
    # The client hears of it; the internal system is not told what it wrote.
    assert OutgoingMail.objects.filter(key=f"request_message:{message.pk}:client").exists()
    assert not OutboxEvent.objects.filter(kind="request_message_posted").exists()
    quarantined = {q.record_id: q.reason for q in QuarantinedRecord.objects.all()}
    assert set(quarantined) == {"M-78", "M-79", "M-80", "M-81", "M-82"}
    assert "request" in quarantined["M-78"].lower() or "demande" in quarantined["M-78"].lower()
    html = unescape(owner["http"].get(url_of(portal_request)).content.decode())
    assert "Bonjour, je passe jeudi matin." in html and "Devis.pdf" in html

    # Re-importing (the same records in a later export, status changed by staff since): nothing changes.
    PortalRequest.objects.filter(pk=portal_request.pk).update(status="closed")
    write_export(tmp_path / "exports", 2, lines[:1], {"files/M-77-1.pdf": pdf})
    run = import_source(tmp_path / "exports").runs[-1]
    assert run.state == run.State.SUCCEEDED and run.counts["unchanged"] == 1
    assert RequestMessage.objects.count() == 1 and RequestAttachment.objects.filter(message__isnull=False).count() == 1
    portal_request.refresh_from_db()
    assert portal_request.status == "closed"
    assert OutgoingMail.objects.filter(key__startswith="request_message:").count() == 1


def test_a_message_without_status_keeps_the_status(owner, tmp_path):
    from aquatiris_portal.sync.importer import import_source
    from tests.exports import write_export

    write_export(tmp_path / "exports", 1, [_message(owner["request"])])
    import_source(tmp_path / "exports")
    owner["request"].refresh_from_db()
    assert owner["request"].status == "new" and RequestMessage.objects.count() == 1


def test_the_admins_status_form_keeps_closed_at_and_tells_the_internal_system(owner):
    from django.urls import reverse

    portal_request = owner["request"]
    http = HttpClient()
    customer_service(http)
    response = http.post(reverse("aquatiris_portal_requests:edit", args=[portal_request.pk]), {"status": "closed"})
    assert response.status_code == 302
    portal_request.refresh_from_db()
    assert portal_request.status == "closed" and portal_request.closed_at is not None
    assert portal_request.can_reopen()
    event = OutboxEvent.objects.get(kind="request_status_changed")
    assert event.payload["status"] == "closed" and event.payload["changed_by"] == "staff"
