"""The franchisee reads what he is told about: his reply page shows the
installation (its own address, last requests, visits, warranty, contract)
and sets "planned" (with a day) or "resolved", the client told once; the
SPANC document he is mailed about opens from a personal link (404 for a
forged or expired token and for another document); his mails invite answers
through the link only, with the portal's no-reply sender as Reply-To."""

import datetime
import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone, translation

from aquatiris_portal.enquiries.threads import franchisee_sets_status
from aquatiris_portal.models import (
    DocumentLink,
    DocumentLinkUse,
    OutgoingMail,
    PortalDocument,
    PortalRequest,
    RequestMessage,
    WarrantyExtension,
)
from aquatiris_portal.notifications.mail import default_from_email
from aquatiris_portal.notifications.preferences import set_preference
from aquatiris_portal.records.models import DocumentSource
from aquatiris_portal.records.visits import Visit
from home.demo.pdf import make_pdf
from tests import factories
from tests.unit._pro_space import pro_space_page, verified_client
from tests.unit.enquiries.test_reply_link import later, open_link, sent  # noqa: F401 (fixture)
from tests.unit.enquiries.test_threads import make_request, space  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("portal_public_url")]

Status = PortalRequest.Status


def client_mails(portal_request):
    return OutgoingMail.objects.filter(key__endswith=":client", to=[portal_request.client_email])


# --- the reply page shows the installation ------------------------------------------


def test_the_reply_page_shows_the_installations_address_history_visits_warranty_and_contract(sent):
    installation, client = sent["installation"], sent["client"]
    installation.address_line1, installation.postcode, installation.city = "Lieu-dit Kerbihan", "29390", "Scaër"
    installation.maintenance_contract_status, installation.maintenance_contract_until = "active", None
    installation.save()
    client.address_line1, client.city = "12 rue de la Poste", "Rennes"
    client.save()
    today = timezone.localdate()
    Visit.objects.create(
        external_id="V-done",
        installation=installation,
        kind="maintenance",
        planned_for=today - datetime.timedelta(days=40),
        done_on=today - datetime.timedelta(days=40),
    )
    Visit.objects.create(
        external_id="V-next", installation=installation, kind="emptying", planned_for=today + datetime.timedelta(days=9)
    )
    WarrantyExtension.objects.create(installation=installation, client=client, serial_number="AQ-2024-000001")
    for n in range(6):
        make_request(
            client,
            installation,
            sent["user"],
            subject=f"Ancienne demande {n}",
            created_at=timezone.now() - datetime.timedelta(days=n + 1),
        )
    _http, page = open_link(sent["url"])
    html = unescape(page.content.decode())
    address = re.search(r"data-aqp-installation-address>(.*?)</dd>", html, re.S).group(1)
    assert "Lieu-dit Kerbihan" in address and "Scaër" in address and "Rennes" not in address
    history = re.search(r"data-aqp-history>(.*?)</ul>", html, re.S).group(1)
    # The last 5 requests of the installation, this one first (newest).
    assert history.count("<li>") == 5 and "Question sur mon installation" in history
    assert "Ancienne demande 3" in history and "Ancienne demande 4" not in history
    assert (today - datetime.timedelta(days=40)).strftime("%Y") in html and "Vidange" in html
    warranty = re.search(r"data-aqp-warranty>(.*?)</dd>", html, re.S).group(1)
    assert "Jusqu’au" in warranty
    assert "Actif" in re.search(r"data-aqp-contract>(.*?)</dd>", html, re.S).group(1)


# --- the status control -------------------------------------------------------------


def status_post(http, page, status, planned_for="", note=""):
    return http.post(
        page, {"action": "status", "status-status": status, "status-planned_for": planned_for, "status-note": note}
    )


def test_planned_with_a_day_is_set_shown_in_the_thread_and_told_to_the_client_once(sent):
    http, _page = open_link(sent["url"])
    day = timezone.localdate() + datetime.timedelta(days=5)
    before = client_mails(sent["request"]).count()
    response = status_post(http, sent["page"], "planned", day.isoformat())
    assert response.status_code == 302
    portal_request = PortalRequest.objects.get()
    assert portal_request.status == Status.PLANNED and portal_request.planned_for == day
    message = RequestMessage.objects.get(status_set="planned")
    assert message.status_date == day and message.author_role == "franchisee"
    mails = client_mails(portal_request)
    assert mails.count() == before + 1
    mail = mails.latest("pk")
    assert "Planifiée" in mail.subject and day.strftime("%Y") in mail.body_text and "planifiée le" in mail.body_text
    # The same status and day again (a double submit): nothing more.
    assert status_post(http, sent["page"], "planned", day.isoformat()).status_code == 302
    assert client_mails(portal_request).count() == before + 1 and RequestMessage.objects.count() == 1
    # The client's thread shows the status line and the list the status.
    html = unescape(sent["http"].get(f"/espace-client/demandes/{portal_request.reference}/").content.decode())
    assert 'data-aqp-status-line="planned"' in html and "intervention planifiée le" in html


def test_resolved_is_told_to_the_client_unless_she_turned_answers_off(sent):
    set_preference(sent["user"], "request_answers", False)
    http, _page = open_link(sent["url"])
    before = OutgoingMail.objects.count()
    assert status_post(http, sent["page"], "resolved", note="Pompe changée.").status_code == 302
    portal_request = PortalRequest.objects.get()
    assert portal_request.status == Status.RESOLVED and portal_request.planned_for is None
    assert OutgoingMail.objects.count() == before  # her preference holds
    assert RequestMessage.objects.get().body == "Pompe changée."


@pytest.mark.parametrize("day", ["", "past", "far"])
def test_planned_needs_a_day_of_the_coming_year(sent, day):
    http, _page = open_link(sent["url"])
    today = timezone.localdate()
    value = {
        "": "",
        "past": (today - datetime.timedelta(days=1)).isoformat(),
        "far": (today + datetime.timedelta(days=400)).isoformat(),
    }[day]
    response = status_post(http, sent["page"], "planned", value)
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    assert PortalRequest.objects.get().status == Status.NEW and not RequestMessage.objects.exists()


def test_the_franchisee_may_set_only_planned_or_resolved(sent):
    http, _page = open_link(sent["url"])
    assert status_post(http, sent["page"], "closed").status_code == 200
    assert PortalRequest.objects.get().status == Status.NEW
    with pytest.raises(ValueError):
        franchisee_sets_status(sent["request"], sent["installation"].franchisee, "closed")


def test_the_status_control_needs_the_link(sent):
    response = status_post(HttpClient(), sent["page"], "resolved")
    assert response.status_code == 404 and PortalRequest.objects.get().status == Status.NEW


def test_answering_from_the_page_moves_the_request_to_answered(sent):
    http, _page = open_link(sent["url"])
    assert http.post(sent["page"], {"body": "Je passe jeudi."}).status_code == 302
    assert PortalRequest.objects.get().status == Status.ANSWERED


# --- his mails -----------------------------------------------------------------------


def test_the_franchisees_mails_invite_answers_through_the_link_only(sent):
    sent["http"].post(f"/espace-client/demandes/{sent['request'].reference}/", {"body": "Une précision"})
    reply = OutgoingMail.objects.get(key__endswith=":franchisee", key__startswith="request_message:")
    for mail in (sent["mail"], reply):
        text = mail.body_text + mail.body_html
        assert "répondre à cet e-mail" not in text.lower() and "Répondez à cet e-mail" not in text
        assert "Les réponses à cet e-mail ne sont pas lues" in mail.body_text
        assert "/portail/reponse/" in mail.body_text
        assert mail.reply_to == [default_from_email()] and sent["client"].email not in mail.reply_to


# --- the SPANC document's link -------------------------------------------------------


@pytest.fixture
def uploaded(settings):
    settings.AQUATIRIS_PORTAL_PUBLIC_BASE_URL = "https://portail.example"
    page = pro_space_page()
    spanc = factories.spanc(name="SPANC du Trieux", email="spanc@trieux.example")
    franchisee = factories.franchisee(company="Aquatiris Trieux", email="trieux@aquatiris.example")
    installation = factories.installation(spanc=spanc, franchisee=franchisee)
    http = verified_client(factories.spanc_user(spanc))
    content = make_pdf("Rapport", ["Contrôle périodique"])
    response = http.post(
        f"{page.url}dossiers/{installation.pk}/envoyer/",
        {
            "title": "Rapport de contrôle",
            "note": "Conforme.",
            "issued_on": "2026-03-12",
            "file": SimpleUploadedFile("rapport.pdf", content, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    document = PortalDocument.objects.get(source=DocumentSource.SPANC_UPLOAD)
    mail = OutgoingMail.objects.get(key=f"spanc_upload:{document.pk}")
    url = re.search(r"https?://[^/\s]+(/portail/document-spanc/\S+/)", mail.body_text).group(1)
    return {
        "document": document,
        "mail": mail,
        "url": url,
        "content": content,
        "installation": installation,
        "franchisee": franchisee,
        "page": reverse("aquatiris_portal:franchisee_document_page", args=[document.pk]),
    }


def test_the_spanc_document_opens_from_the_franchisees_link_and_downloads(uploaded):
    assert uploaded["mail"].to == ["trieux@aquatiris.example"] and uploaded["mail"].sensitive
    assert "/admin/" not in uploaded["mail"].body_text
    http, page = open_link(uploaded["url"])
    html = unescape(page.content.decode())
    assert page.status_code == 200 and "Rapport de contrôle" in html and "Conforme." in html
    assert page["X-Robots-Tag"] == "noindex, nofollow" and "no-store" in page["Cache-Control"]
    file = http.get(reverse("aquatiris_portal:franchisee_document_file", args=[uploaded["document"].pk]))
    assert file.status_code == 200 and b"".join(file.streaming_content) == uploaded["content"]
    assert file["Content-Disposition"].startswith("attachment")
    assert list(DocumentLinkUse.objects.order_by("pk").values_list("action", "email")) == [
        ("view", "trieux@aquatiris.example"),
        ("download", "trieux@aquatiris.example"),
    ]
    # Only the token's hash is stored.
    token = uploaded["url"].split("/")[-2]
    assert not DocumentLink.objects.filter(token_hash=token).exists()


def test_a_forged_token_is_a_404(uploaded):
    assert HttpClient().get("/portail/document-spanc/forged-token-123/").status_code == 404


def test_an_expired_link_is_a_404(uploaded):
    with later(7 - 0.01):
        http, page = open_link(uploaded["url"])
        assert page.status_code == 200
    with later(7.01):
        response = HttpClient().get(uploaded["url"])
        assert http.get(uploaded["page"]).status_code == 404
    assert response.status_code == 404
    assert list(DocumentLinkUse.objects.values_list("action", flat=True).order_by("pk")) == [
        "view",
        "refused",
        "refused",
    ]


def test_the_link_opens_no_other_document(uploaded):
    other = factories.document(uploaded["installation"], title="Autre rapport")
    http, _page = open_link(uploaded["url"])
    for name in ("franchisee_document_page", "franchisee_document_file"):
        response = http.get(reverse(f"aquatiris_portal:{name}", args=[other.pk]))
        assert response.status_code == 404 and b"Autre rapport" not in response.content


def test_the_link_dies_with_the_document_or_a_new_franchisee(uploaded):
    http, _page = open_link(uploaded["url"])
    installation = uploaded["installation"]
    installation.franchisee = factories.franchisee()
    installation.save()
    assert http.get(uploaded["page"]).status_code == 404
    installation.franchisee = uploaded["franchisee"]
    installation.save()
    PortalDocument.objects.filter(pk=uploaded["document"].pk).update(deleted_at=timezone.now())
    assert HttpClient().get(uploaded["url"]).status_code == 404


def test_without_a_franchisee_address_the_network_head_gets_the_admin_link(settings):
    page = pro_space_page()
    spanc = factories.spanc()
    installation = factories.installation(spanc=spanc, franchisee=factories.franchisee(email=""))
    from wagtail.models import Site

    from aquatiris_portal.models import PortalSettings

    settings_obj = PortalSettings.for_site(Site.objects.get(is_default_site=True))
    settings_obj.network_head_emails = "sav@aquatiris.example"
    settings_obj.save()
    http = verified_client(factories.spanc_user(spanc))
    http.post(
        f"{page.url}dossiers/{installation.pk}/envoyer/",
        {
            "title": "Rapport",
            "issued_on": "2026-03-12",
            "file": SimpleUploadedFile("r.pdf", make_pdf("R", ["x"]), content_type="application/pdf"),
        },
    )
    mail = OutgoingMail.objects.get(key__startswith="spanc_upload:")
    assert mail.to == ["sav@aquatiris.example"] and "/portaldocument/inspect/" in mail.body_text
    assert not DocumentLink.objects.exists()


def test_the_reply_page_mail_texts_in_french_say_the_link_lasts(uploaded):
    with translation.override("fr"):
        assert "il fonctionne 7 jours" in uploaded["mail"].body_text


def test_document_link_uses_and_dead_links_go_after_the_retention(uploaded):
    from aquatiris_portal.enquiries.retention import purge_link_traces

    open_link(uploaded["url"])
    assert purge_link_traces(days=90) == (0, 0)
    with later(91):
        assert purge_link_traces(days=90) == (1, 0)  # the use; the link died 84 days ago
    with later(98):
        assert purge_link_traces(days=90) == (0, 1)
    assert not DocumentLink.objects.exists() and not DocumentLinkUse.objects.exists()
