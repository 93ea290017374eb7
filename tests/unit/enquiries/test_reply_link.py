"""The franchisee's personal reply link: in the request's mail,
a random token stored as its hash for that request and that franchisee's
address, no login; works 7 days, renewed by each client message, revoked
when the request closes or by staff; lands once then moves into the session
(the page's URL has no token); no token in Django's log lines; dies when
the installation's franchisee changes, opens no other request, logged,
throttled, never indexed."""

import datetime
import hashlib
import ipaddress
import logging
import re
from html import unescape
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from hypothesis import assume as hypothesis_assume
from hypothesis import given
from hypothesis import strategies as st

from aquatiris_portal.enquiries import links
from aquatiris_portal.models import (
    OutboxEvent,
    OutgoingMail,
    PortalRequest,
    ReplyLink,
    ReplyLinkUse,
    RequestAttachment,
    RequestMessage,
    RequestSubject,
    SecurityEvent,
)
from tests import factories
from tests.unit.enquiries.test_threads import jpeg, make_request, space  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("portal_public_url")]


@pytest.fixture
def sent(space):  # noqa: F811
    """A question sent from the client space: its franchisee mail and its link."""
    client = factories.client()
    installation = factories.installation(client=client)
    user = factories.client_user(client)
    http = HttpClient()
    http.force_login(user)
    subject = RequestSubject.objects.create(name="Question sur mon installation")
    response = http.post(
        "/espace-client/contact/",
        {"installation": installation.pk, "subject": subject.pk, "message": "Bonjour, une question"},
    )
    assert response.status_code == 302
    portal_request = PortalRequest.objects.get()
    mail = OutgoingMail.objects.get(key=f"request:{portal_request.reference}:franchisee")
    url = re.search(r"https?://[^/\s]+(/portail/reponse/\S+/)", mail.body_text).group(1)
    return {
        "request": portal_request,
        "installation": installation,
        "client": client,
        "user": user,
        "http": http,
        "url": url,
        "mail": mail,
        "token": url.split("/")[-2],
        "page": reverse("aquatiris_portal:request_reply_page", args=[portal_request.reference]),
    }


def open_link(url, http=None):
    """Open the mail's link like a browser: (client, the page's response)."""
    http = http or HttpClient()
    landing = http.get(url)
    assert landing.status_code == 302, landing.status_code
    return http, http.get(landing["Location"])


def later(days):
    """timezone.now() ``days`` from now (the links read the clock through it)."""
    moment = timezone.now() + datetime.timedelta(days=days)
    return mock.patch("django.utils.timezone.now", return_value=moment)


def test_the_request_mail_carries_a_link_to_the_recap_and_a_reply_form(sent):
    assert sent["url"] in sent["mail"].body_html
    _http, response = open_link(sent["url"])  # no login
    assert response.status_code == 200
    html = unescape(response.content.decode())
    client = sent["client"]
    for value in (
        "Bonjour, une question",
        client.last_name,
        client.first_name,
        client.phone,
        client.email,
        client.code,
        sent["installation"].reference,
    ):
        assert value in html, value
    assert 'name="body"' in html and 'enctype="multipart/form-data"' in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert response["Referrer-Policy"] == "same-origin" and "no-store" in response["Cache-Control"]
    use = ReplyLinkUse.objects.get()
    assert use.action == "view" and use.request == sent["request"]
    assert use.email == sent["installation"].franchisee.email


def test_the_token_lands_once_then_the_page_has_a_url_without_it(sent):
    http = HttpClient()
    landing = http.get(sent["url"])
    assert landing.status_code == 302 and landing["Location"] == sent["page"]
    assert sent["token"] not in landing["Location"]
    assert landing["Referrer-Policy"] == "same-origin" and "no-store" in landing["Cache-Control"]
    page = http.get(sent["page"])
    assert page.status_code == 200
    html = page.content.decode()
    assert sent["token"] not in html  # not in the form's action, not in the attachments' links
    assert '<form method="post" enctype' in html  # posts to the page's own URL
    # The mail's link works again in another browser (a new session) while it lives.
    again, second = open_link(sent["url"])
    assert second.status_code == 200
    # The page's URL alone, in a browser that never opened the link, shows nothing.
    stranger = HttpClient().get(sent["page"])
    assert stranger.status_code == 404
    assert sent["client"].phone not in stranger.content.decode()
    assert gettext("This link no longer works") in unescape(stranger.content.decode())


def test_the_database_keeps_only_the_tokens_hash(sent):
    link = ReplyLink.objects.get()
    assert link.token_hash == hashlib.sha256(sent["token"].encode()).hexdigest()
    assert link.franchisee == sent["installation"].franchisee and link.request == sent["request"]
    row = ReplyLink.objects.filter(pk=link.pk).values().get()
    assert not any(sent["token"] in str(value) for value in row.values())


def test_the_franchisee_answers_with_a_file_and_the_client_hears_of_it(sent):
    http, _page = open_link(sent["url"])
    response = http.post(
        sent["page"], {"body": "Je passe jeudi matin.", "attachments": [SimpleUploadedFile("devis.jpg", jpeg().read())]}
    )
    assert response.status_code == 302 and response["Location"] == sent["page"]
    message = RequestMessage.objects.get()
    franchisee = sent["installation"].franchisee
    assert message.author_role == "franchisee" and message.channel == "reply_link"
    assert message.author_name == franchisee.contact_name
    assert RequestAttachment.objects.filter(message=message).count() == 1
    assert ReplyLinkUse.objects.filter(action="reply", message=message).count() == 1
    assert OutgoingMail.objects.filter(key=f"request_message:{message.pk}:client").exists()
    assert OutboxEvent.objects.filter(kind="request_message_posted", payload__message_id=message.pk).exists()
    # The client reads it in the thread.
    html = unescape(sent["http"].get(f"/espace-client/demandes/{sent['request'].reference}/").content.decode())
    assert "Je passe jeudi matin." in html and "devis.jpg" in html


def test_the_link_of_one_request_opens_no_other(sent):
    other = make_request(sent["client"], sent["installation"], sent["user"], subject="Autre demande secrète")
    attachment = RequestAttachment(request=other, filename="secret.jpg", content_type="image/jpeg", size=10)
    attachment.file.save("secret.jpg", jpeg(), save=False)
    attachment.save()
    http, _page = open_link(sent["url"])
    # The other request's attachment through this link's page: 404.
    assert http.get(f"{sent['page']}pieces-jointes/{attachment.pk}/").status_code == 404
    # The other request's page in this session (its link never opened here): nothing of it.
    other_page = http.get(reverse("aquatiris_portal:request_reply_page", args=[other.reference]))
    assert other_page.status_code == 404 and "Autre demande secrète" not in unescape(other_page.content.decode())
    # A token edited by one character, or any made-up one, is worth nothing.
    token = sent["token"]
    edited = token[:-1] + ("A" if token[-1] != "A" else "B")
    for forged in (edited, "not-a-token", "x" * 300):
        response = HttpClient().get(f"/portail/reponse/{forged}/")
        assert response.status_code == 404 and "Autre demande" not in response.content.decode()
        assert HttpClient().post(f"/portail/reponse/{forged}/", {"body": "intrus"}).status_code in (403, 404)
    assert not RequestMessage.objects.exists()
    # The genuine link of the other request works.
    fresh = links.reply_url(other, sent["installation"].franchisee).removeprefix("https://portail.example")
    assert open_link(fresh)[1].status_code == 200


def test_the_link_dies_when_the_installations_franchisee_changes(sent):
    http, page = open_link(sent["url"])
    assert page.status_code == 200
    installation = sent["installation"]
    installation.franchisee = factories.franchisee()
    installation.save()
    response = HttpClient().get(sent["url"])
    assert response.status_code == 404
    assert sent["client"].phone not in response.content.decode()
    assert gettext("This link no longer works") in unescape(response.content.decode())
    # The page already open in a browser: its POST is refused too.
    assert http.post(sent["page"], {"body": "Trop tard"}).status_code == 404
    assert not RequestMessage.objects.exists()
    assert ReplyLinkUse.objects.filter(action="refused").count() == 2


def test_the_link_dies_when_the_franchisees_address_changes(sent):
    franchisee = sent["installation"].franchisee
    franchisee.email = "nouvelle.adresse@example.org"
    franchisee.save()
    assert HttpClient().get(sent["url"]).status_code == 404


def test_the_link_works_seven_days_then_dies(sent):
    link = ReplyLink.objects.get()
    assert link.expires_at - link.created_at == datetime.timedelta(days=7)
    with later(7 - 0.01):
        assert open_link(sent["url"])[1].status_code == 200
    with later(7.01):
        response = HttpClient().get(sent["url"])
        assert response.status_code == 404
        assert gettext("This link no longer works") in unescape(response.content.decode())
        assert sent["client"].phone not in response.content.decode()


def test_the_lifetime_is_a_setting(sent, settings):
    settings.AQUATIRIS_PORTAL_REPLY_LINK_DAYS = 2
    links.reply_url(sent["request"], sent["installation"].franchisee)
    newest = ReplyLink.objects.order_by("-pk").first()
    assert newest.expires_at - newest.created_at == datetime.timedelta(days=2)


def test_a_client_message_renews_the_link_of_the_earlier_mail(sent):
    with later(5):
        sent["http"].force_login(sent["user"])
        response = sent["http"].post(f"/espace-client/demandes/{sent['request'].reference}/", {"body": "Alors ?"})
        assert response.status_code == 302
    reply = RequestMessage.objects.get()
    mail = OutgoingMail.objects.get(key=f"request_message:{reply.pk}:franchisee")
    second = re.search(r"https?://[^/\s]+(/portail/reponse/\S+/)", mail.body_text).group(1)
    assert second != sent["url"]
    with later(10):  # 10 days after the first mail, 5 after the client's message
        assert open_link(sent["url"])[1].status_code == 200  # the first mail's link, renewed
        assert open_link(second)[1].status_code == 200
    with later(12.01):
        assert HttpClient().get(sent["url"]).status_code == 404
        assert HttpClient().get(second).status_code == 404


def test_the_page_is_throttled(sent, settings):
    settings.AQUATIRIS_PORTAL_REPLY_LINK_THROTTLE = {"link": 3, "ip": 100, "minutes": 15}
    http = HttpClient()
    assert [http.get(sent["url"]).status_code for _ in range(4)] == [302, 302, 302, 429]
    assert [http.get(sent["page"]).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert ReplyLinkUse.objects.count() == 3


def test_refused_tokens_are_one_counted_row_per_address_and_minute(sent):
    for index in range(5):
        assert HttpClient().get(f"/portail/reponse/forged-{index}/", REMOTE_ADDR="198.51.100.4").status_code == 404
    [event] = SecurityEvent.objects.filter(kind="token_refused")
    assert event.ip == "198.51.100.4" and event.details["route"] == "reply_link" and event.details["count"] == 5
    assert not any("forged" in str(value) for value in (event.path, event.details))


def test_closing_the_request_revokes_the_link(sent):
    http, page = open_link(sent["url"])
    assert page.status_code == 200
    sent["request"].set_status(PortalRequest.Status.CLOSED)
    sent["request"].save()
    link = ReplyLink.objects.get()
    assert link.revoked_at is not None and link.revoke_reason == "closed"
    response = HttpClient().get(sent["url"])
    assert response.status_code == 404 and 'name="body"' not in response.content.decode()
    # The page already open: the POST is refused with the French page, no 500.
    refused = http.post(sent["page"], {"body": "Encore"})
    assert refused.status_code == 404
    assert gettext("This link no longer works") in unescape(refused.content.decode())
    assert not RequestMessage.objects.exists()
    # Reopened by the client: the old link stays dead; the next client message brings a new one.
    from aquatiris_portal.enquiries.threads import reopen

    assert reopen(sent["request"])
    assert HttpClient().get(sent["url"]).status_code == 404


def test_closing_from_the_admin_status_form_revokes_the_link(sent):
    from tests.unit.enquiries.test_threads import customer_service

    staff = HttpClient()
    customer_service(staff)
    response = staff.post(reverse("aquatiris_portal_requests:edit", args=[sent["request"].pk]), {"status": "closed"})
    assert response.status_code == 302
    assert ReplyLink.objects.get().revoked_at is not None
    assert HttpClient().get(sent["url"]).status_code == 404


def test_staff_revoke_the_link_from_the_requests_admin_page(sent):
    from tests.unit.enquiries.test_threads import customer_service

    http, _page = open_link(sent["url"])
    staff = HttpClient(enforce_csrf_checks=True)
    user = customer_service(staff)
    inspect_url = reverse("aquatiris_portal_requests:inspect", args=[sent["request"].pk])
    revoke_url = reverse("aquatiris_portal_requests:revoke_reply_links", args=[sent["request"].pk])
    html = staff.get(inspect_url).content.decode()
    assert f'action="{revoke_url}"' in html
    assert staff.get(revoke_url).status_code == 405  # a POST only
    assert staff.post(revoke_url).status_code == 403  # with its CSRF token
    assert ReplyLink.objects.get().revoked_at is None
    csrf = staff.cookies["csrftoken"].value
    assert staff.post(revoke_url, HTTP_X_CSRFTOKEN=csrf).status_code == 302
    link = ReplyLink.objects.get()
    assert link.revoked_at is not None and link.revoked_by == user and link.revoke_reason == "staff"
    event = SecurityEvent.objects.get(kind="reply_link_revoked")
    assert event.user == user and event.details == {"request_id": sent["request"].pk, "links": 1}
    assert HttpClient().get(sent["url"]).status_code == 404
    assert http.post(sent["page"], {"body": "Après révocation"}).status_code == 404
    assert not RequestMessage.objects.exists()
    assert f'action="{revoke_url}"' not in staff.get(inspect_url).content.decode()


def test_only_staff_who_may_change_requests_revoke(sent):
    from tests.unit.enquiries.test_threads import customer_service

    revoke_url = reverse("aquatiris_portal_requests:revoke_reply_links", args=[sent["request"].pk])
    editor = HttpClient()
    factories.otp_login(editor, factories.user(is_staff=True))
    assert editor.post(revoke_url).status_code in (302, 403)
    assert sent["http"].post(revoke_url).status_code in (302, 403)
    assert ReplyLink.objects.get().revoked_at is None
    staff = HttpClient()
    customer_service(staff)
    assert staff.post(revoke_url).status_code == 302
    assert ReplyLink.objects.get().revoked_at is not None


class _Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


@pytest.fixture
def log_lines():
    """What the handlers of Django's path-writing loggers receive, before
    any other handler (the example site's console handler also redacts:
    this proves the filter the package puts on the loggers)."""
    handler = _Records()
    names = ("django.security.csrf", "django.request")
    for name in names:
        logging.getLogger(name).handlers.insert(0, handler)
    yield handler.lines
    for name in names:
        logging.getLogger(name).removeHandler(handler)


def test_the_reply_link_in_the_server_log_of_a_csrf_failure(sent, log_lines):
    response = HttpClient(enforce_csrf_checks=True).post(sent["url"], {"body": "Sans jeton CSRF"})
    assert response.status_code == 403
    [line] = [line for line in log_lines if line.startswith("Forbidden")]
    print("\n" + line)
    assert sent["token"] not in line
    assert line == "Forbidden (CSRF cookie not set.): /portail/reponse/[redacted]/"


def test_a_dead_reply_link_in_the_request_log_is_redacted(sent, log_lines):
    sent["request"].set_status(PortalRequest.Status.CLOSED)
    sent["request"].save()
    assert HttpClient().get(sent["url"]).status_code == 404
    assert HttpClient().get("/portail/reponse/forged-token-value/").status_code == 404
    assert "Not Found: /portail/reponse/[redacted]/" in log_lines
    assert not any(sent["token"] in line or "forged-token-value" in line for line in log_lines)


def test_the_example_sites_handlers_redact_tokens_too():
    from aquatiris_portal.log_filters import RedactTokens

    for name in ("django.security", "django.request"):
        # The example site's console handler (pytest may add its own).
        [handler] = [h for h in logging.getLogger(name).handlers if type(h) is logging.StreamHandler]
        assert any(isinstance(f, RedactTokens) for f in handler.filters), name


def test_the_franchisees_mails_keep_no_body_once_sent(sent):
    from aquatiris_portal.notifications.tasks import REDACTED, deliver_mail

    mail = sent["mail"]
    assert mail.sensitive
    deliver_mail(mail.pk)
    mail.refresh_from_db()
    assert mail.status == OutgoingMail.Status.SENT
    assert mail.body_text == REDACTED and mail.body_html == ""
    assert sent["token"] not in str(OutgoingMail.objects.filter(pk=mail.pk).values().get())
    # The client's copy, which carries no link, is an ordinary mail.
    assert not OutgoingMail.objects.get(key=f"request:{sent['request'].reference}:client_copy").sensitive


def test_the_client_reply_mail_to_the_franchisee_is_sensitive_too(sent):
    sent["http"].post(f"/espace-client/demandes/{sent['request'].reference}/", {"body": "Alors ?"})
    reply = RequestMessage.objects.get()
    assert OutgoingMail.objects.get(key=f"request_message:{reply.pk}:franchisee").sensitive


@pytest.mark.parametrize(
    "forwarded, proxies, expected",
    [
        ("203.0.113.9:4711", 1, "203.0.113.9"),
        ("[2001:db8::7]:443", 1, "2001:db8::7"),
        ("198.51.100.1, 203.0.113.9, 10.0.0.1", 2, "203.0.113.9"),
        ("not-an-address", 1, "192.0.2.50"),
    ],
)
def test_the_logged_address_follows_the_trusted_proxy_rule(sent, settings, forwarded, proxies, expected):
    settings.AQUATIRIS_PORTAL_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.AQUATIRIS_PORTAL_TRUSTED_PROXY_COUNT = proxies
    http = HttpClient(REMOTE_ADDR="192.0.2.50", HTTP_X_FORWARDED_FOR=forwarded)
    _http, page = open_link(sent["url"], http)
    assert page.status_code == 200
    use = ReplyLinkUse.objects.get()
    assert use.ip == expected and ipaddress.ip_address(use.ip)


def test_the_link_dies_when_a_sync_update_gives_the_installation_another_franchisee(sent, tmp_path):
    from aquatiris_portal.sync.importer import import_source
    from tests.exports import write_export

    installation = sent["installation"]
    client = sent["client"]
    assert open_link(sent["url"])[1].status_code == 200
    write_export(
        tmp_path / "exports",
        1,
        [
            {"type": "franchisee", "id": "F-NEW", "company": "Aquatiris Nouveau", "email": "nouveau@example.org"},
            {
                "type": "installation",
                "id": installation.external_id,
                "client": client.external_id,
                "franchisee": "F-NEW",
                "reference": installation.reference,
                "address": {
                    "line1": installation.address_line1,
                    "line2": "",
                    "postcode": installation.postcode,
                    "city": installation.city,
                },
            },
        ],
    )
    assert import_source(tmp_path / "exports").runs[0].state == "succeeded"
    installation.refresh_from_db()
    assert installation.franchisee.external_id == "F-NEW"
    assert HttpClient().get(sent["url"]).status_code == 404
    # The new franchisee's own link (from the next mail) works.
    fresh = links.reply_url(sent["request"], installation.franchisee).removeprefix("https://portail.example")
    assert open_link(fresh)[1].status_code == 200


def test_staff_read_the_uses_of_the_link_on_the_requests_admin_page(sent):
    from tests.unit.enquiries.test_threads import customer_service

    open_link(sent["url"], HttpClient(REMOTE_ADDR="203.0.113.7"))
    staff = HttpClient()
    customer_service(staff)
    html = staff.get(reverse("aquatiris_portal_requests:inspect", args=[sent["request"].pk])).content.decode()
    assert "203.0.113.7" in html and sent["installation"].franchisee.email in html


TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@given(
    token=st.text(TOKEN_ALPHABET, min_size=8, max_size=64),
    before=st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
    after=st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
    route=st.sampled_from(
        ["/portail/reponse/{}/", "/portail/sync/documents/{}/", "/portail/notifications/desabonnement/{}/"]
    ),
)
def test_no_token_of_a_link_path_survives_the_log_filter(token, before, after, route):
    """Whatever surrounds it in the line (a runserver request line, quotes,
    a status), a token in the path of a tokened route is replaced and the
    rest of the line is kept."""
    from aquatiris_portal.log_filters import REDACTED, redact

    hypothesis_assume(token not in before + after + route)
    path = route.format(token)
    line = redact(f"{before} {path} {after}")
    assert token not in line
    assert line == f"{before} {route.format(REDACTED)} {after}"
