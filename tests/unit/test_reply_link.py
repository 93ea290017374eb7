"""The franchisee's personal reply link (issue 16): in the request's mail,
signed for that request and that franchisee's address, no login, expires,
dies when the installation's franchisee changes, opens no other request,
logged, throttled, never indexed."""

import re
import time
from html import unescape
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.utils.translation import gettext

from aquatiris_portal.enquiries import links
from aquatiris_portal.models import (
    OutboxEvent,
    OutgoingMail,
    PortalRequest,
    ReplyLinkUse,
    RequestAttachment,
    RequestMessage,
)
from aquatiris_portal.models import RequestSubject
from tests import factories
from tests.unit.test_threads import jpeg, make_request, space  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AQUATIRIS_PORTAL_PUBLIC_BASE_URL = "https://portail.example"


@pytest.fixture
def sent(space):  # noqa: F811
    """A question sent from the client space: its franchisee mail and its link."""
    client = factories.client()
    installation = factories.installation(client=client)
    user = factories.client_user(client)
    http = HttpClient()
    http.force_login(user)
    subject = RequestSubject.objects.create(name="Question sur mon installation")
    response = http.post("/espace-client/contact/", {"installation": installation.pk, "subject": subject.pk,
                                                     "message": "Bonjour, une question"})
    assert response.status_code == 302
    portal_request = PortalRequest.objects.get()
    mail = OutgoingMail.objects.get(key=f"request:{portal_request.reference}:franchisee")
    url = re.search(r"https?://[^/\s]+(/portail/reponse/\S+/)", mail.body_text).group(1)
    return {"request": portal_request, "installation": installation, "client": client, "user": user, "http": http,
            "url": url, "mail": mail}


def test_the_request_mail_carries_a_link_to_the_recap_and_a_reply_form(sent):
    assert sent["url"] in sent["mail"].body_html
    response = HttpClient().get(sent["url"])  # no login
    assert response.status_code == 200
    html = unescape(response.content.decode())
    client = sent["client"]
    for value in ("Bonjour, une question", client.last_name, client.first_name, client.phone, client.email,
                  client.code, sent["installation"].reference):
        assert value in html, value
    assert 'name="body"' in html and 'enctype="multipart/form-data"' in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert response["Referrer-Policy"] == "same-origin" and "no-store" in response["Cache-Control"]
    use = ReplyLinkUse.objects.get()
    assert use.action == "view" and use.request == sent["request"]
    assert use.email == sent["installation"].franchisee.email


def test_the_franchisee_answers_with_a_file_and_the_client_hears_of_it(sent):
    http = HttpClient()
    http.get(sent["url"])
    response = http.post(sent["url"], {"body": "Je passe jeudi matin.",
                                       "attachments": [SimpleUploadedFile("devis.jpg", jpeg().read())]})
    assert response.status_code == 302
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
    token = sent["url"].split("/")[-2]
    # The other request's attachment through this link: 404.
    assert HttpClient().get(f"{sent['url']}pieces-jointes/{attachment.pk}/").status_code == 404
    # A token edited to name the other request: its signature no longer holds.
    import base64
    import json

    payload, stamp, signature = token.split(":")
    data = json.loads(base64.urlsafe_b64decode(payload + "=="))
    data["r"] = other.pk
    edited = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")
    forged = f"{edited}:{stamp}:{signature}"
    assert HttpClient().get(f"/portail/reponse/{links.reply_token(other, sent['installation'].franchisee)}/"
                            ).status_code == 200  # the genuine link of the other request works
    ReplyLinkUse.objects.filter(request=other).delete()
    assert HttpClient().get(f"/portail/reponse/{forged}/").status_code == 404
    assert HttpClient().get("/portail/reponse/not-a-token/").status_code == 404
    # A token signed for another purpose (another salt) is worth nothing here.
    from django.core import signing

    other_salt = signing.dumps({"r": other.pk, "f": sent["installation"].franchisee_id, "e": "x"}, salt="other")
    assert HttpClient().get(f"/portail/reponse/{other_salt}/").status_code == 404
    assert not ReplyLinkUse.objects.filter(request=other).exists()
    assert HttpClient().post(f"/portail/reponse/{forged}/", {"body": "intrus"}).status_code in (403, 404)
    assert not RequestMessage.objects.exists()


def test_the_link_dies_when_the_installations_franchisee_changes(sent):
    assert HttpClient().get(sent["url"]).status_code == 200
    installation = sent["installation"]
    installation.franchisee = factories.franchisee()
    installation.save()
    response = HttpClient().get(sent["url"])
    assert response.status_code == 404
    assert sent["client"].phone not in response.content.decode()
    assert gettext("This link no longer works") in unescape(response.content.decode())
    assert HttpClient().post(sent["url"], {"body": "Trop tard"}).status_code == 404
    assert not RequestMessage.objects.exists()
    assert ReplyLinkUse.objects.filter(action="refused").count() == 2


def test_the_link_dies_when_the_franchisees_address_changes(sent):
    franchisee = sent["installation"].franchisee
    franchisee.email = "nouvelle.adresse@example.org"
    franchisee.save()
    assert HttpClient().get(sent["url"]).status_code == 404


def test_the_link_expires(sent, settings):
    settings.AQUATIRIS_PORTAL_REPLY_LINK_DAYS = 30
    later = time.time() + 31 * 24 * 3600
    with mock.patch("django.core.signing.time.time", return_value=later):
        assert HttpClient().get(sent["url"]).status_code == 404
    assert HttpClient().get(sent["url"]).status_code == 200
    # A fresh link comes with each client reply.
    sent["http"].post(f"/espace-client/demandes/{sent['request'].reference}/", {"body": "Alors ?"})
    reply = RequestMessage.objects.get()
    mail = OutgoingMail.objects.get(key=f"request_message:{reply.pk}:franchisee")
    assert re.search(r"/portail/reponse/\S+/", mail.body_text)


def test_the_page_is_throttled(sent, settings):
    settings.AQUATIRIS_PORTAL_REPLY_LINK_THROTTLE = {"link": 3, "ip": 100, "minutes": 15}
    http = HttpClient()
    assert [http.get(sent["url"]).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert ReplyLinkUse.objects.count() == 3


def test_a_closed_request_shows_no_form(sent):
    sent["request"].set_status(PortalRequest.Status.CLOSED)
    sent["request"].save()
    html = unescape(HttpClient().get(sent["url"]).content.decode())
    assert gettext("This request is closed.") in html and 'name="body"' not in html
    HttpClient().post(sent["url"], {"body": "Encore"})
    assert not RequestMessage.objects.exists()


def test_reply_token_names_the_request_and_a_digest_of_the_address_only(sent):
    token = links.reply_token(sent["request"], sent["installation"].franchisee)
    import base64
    import json

    payload = json.loads(base64.urlsafe_b64decode(token.split(":")[0] + "=="))
    assert set(payload) == {"r", "f", "e"} and "@" not in json.dumps(payload)


def test_the_link_dies_when_a_sync_update_gives_the_installation_another_franchisee(sent, tmp_path):
    from aquatiris_portal.sync.importer import import_source
    from tests.exports import write_export

    installation = sent["installation"]
    client = sent["client"]
    assert HttpClient().get(sent["url"]).status_code == 200
    write_export(tmp_path / "exports", 1, [
        {"type": "franchisee", "id": "F-NEW", "company": "Aquatiris Nouveau", "email": "nouveau@example.org"},
        {"type": "installation", "id": installation.external_id, "client": client.external_id,
         "franchisee": "F-NEW", "reference": installation.reference,
         "address": {"line1": installation.address_line1, "line2": "", "postcode": installation.postcode,
                     "city": installation.city}},
    ])
    assert import_source(tmp_path / "exports").runs[0].state == "succeeded"
    installation.refresh_from_db()
    assert installation.franchisee.external_id == "F-NEW"
    assert HttpClient().get(sent["url"]).status_code == 404
    # The new franchisee's own link (from the next mail) works.
    fresh = links.reply_url(sent["request"], installation.franchisee).removeprefix("https://portail.example")
    assert HttpClient().get(fresh).status_code == 200


def test_staff_read_the_uses_of_the_link_on_the_requests_admin_page(sent):
    from django.urls import reverse

    from tests.unit.test_threads import customer_service

    HttpClient().get(sent["url"], REMOTE_ADDR="203.0.113.7")
    staff = HttpClient()
    customer_service(staff)
    html = staff.get(reverse("aquatiris_portal_requests:inspect", args=[sent["request"].pk])).content.decode()
    assert "203.0.113.7" in html and sent["installation"].franchisee.email in html
