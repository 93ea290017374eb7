"""The client space: every route for the owner only, documents by theme,
warranty extension with certificate, requests routed with their recap and
attachments, uploads refused before anything is written, query budgets."""

import datetime
import io
import re
import uuid
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.utils import timezone
from django.utils.translation import gettext
from pypdf import PdfReader
from wagtail.models import Site

from aquatiris_portal.models import (
    AfterSalesReason,
    OutboxEvent,
    OutgoingMail,
    PortalDocument,
    PortalRequest,
    PortalSettings,
    RequestAttachment,
    RequestSubject,
    WarrantyExtension,
)
from aquatiris_portal.notifications.mail import default_from_email
from aquatiris_portal.pages.client_space import ClientSpacePage
from aquatiris_portal.records.emails import display_email
from aquatiris_portal.storage import backend
from home.demo.pdf import make_pdf
from tests import factories

pytestmark = pytest.mark.django_db

BASE = "/espace-client/"


@pytest.fixture
def space():
    site = Site.objects.get(is_default_site=True)
    page = site.root_page.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))
    settings_obj = PortalSettings.for_site(site)
    settings_obj.network_head_emails = "sav@aquatiris.example\nreseau@aquatiris.example"
    settings_obj.save()
    return page


@pytest.fixture
def subjects():
    return {
        "question": RequestSubject.objects.create(name="Question sur mon installation", sort_order=10),
        "sav": RequestSubject.objects.create(name="Dysfonctionnement / SAV", is_after_sales=True, sort_order=20),
        "inactive": RequestSubject.objects.create(name="Ancien objet", active=False, sort_order=30),
        "reason": AfterSalesReason.objects.create(name="Odeurs", sort_order=10),
    }


@pytest.fixture
def owner(space):
    client = factories.client()
    first = factories.installation(client=client, reference="AQ-2019-5001", label="Filtre 5 EH")
    second = factories.installation(client=client, reference="AQ-2021-5002", label="Jardin 4 EH")
    factories.document(first, title="Étude de sol du terrain")
    factories.document(first, title="Garantie décennale", theme=factories.theme("garanties", "Garanties", 40))
    user = factories.client_user(client)
    http = HttpClient()
    http.force_login(user)
    return {"client": client, "user": user, "http": http, "first": first, "second": second}


def jpeg_bytes():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (20, 120, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_dashboard_shows_installation_cards_with_franchisee_links(owner):
    response = owner["http"].get(BASE)
    assert response.status_code == 200
    html = response.content.decode()
    for installation in (owner["first"], owner["second"]):
        assert installation.reference in html
        assert f'href="tel:{installation.franchisee.phone.replace(" ", "")}"' in html
        assert f'href="mailto:{installation.franchisee.email}"' in html
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


# --- every route: owner 200, another client 404, SPANC 404, anonymous -> login


@pytest.fixture
def owner_request(owner):
    portal_request = PortalRequest(
        kind=PortalRequest.Kind.QUESTION,
        client=owner["client"],
        installation=owner["first"],
        message="Bonjour",
        subject_label="Question",
    )
    portal_request.fill_recap()
    portal_request.save()
    attachment = RequestAttachment(request=portal_request, filename="photo.jpg", content_type="image/jpeg", size=10)
    attachment.file.save("photo.jpg", SimpleUploadedFile("photo.jpg", jpeg_bytes()), save=False)
    attachment.save()
    return portal_request, attachment


def _planned_visit(owner):
    """A planned visit of the owner's first installation (the visit routes name one)."""
    from aquatiris_portal.models import Visit

    return Visit.objects.get_or_create(
        external_id="V-ROUTES",
        defaults={
            "installation": owner["first"],
            "kind": "maintenance",
            "planned_for": timezone.localdate() + datetime.timedelta(days=5),
        },
    )[0]


# (route name, url builder, whether the URL names an object of the owner)
ROUTES = [
    ("dashboard", lambda o, r, a: BASE, False),
    ("installation", lambda o, r, a: f"{BASE}installations/{o['first'].pk}/", True),
    ("documents", lambda o, r, a: f"{BASE}installations/{o['first'].pk}/documents/", True),
    ("warranty", lambda o, r, a: f"{BASE}installations/{o['first'].pk}/garantie/", True),
    ("contact", lambda o, r, a: f"{BASE}contact/?installation={o['first'].pk}", False),
    ("maintenance_contract", lambda o, r, a: f"{BASE}contrat-entretien/", False),
    ("requests", lambda o, r, a: f"{BASE}demandes/", False),
    ("request_detail", lambda o, r, a: f"{BASE}demandes/{r.reference}/", True),
    ("request_attachment", lambda o, r, a: f"{BASE}demandes/{r.reference}/pieces-jointes/{a.pk}/", True),
    ("maintenance", lambda o, r, a: f"{BASE}entretien/", False),
    ("news", lambda o, r, a: f"{BASE}actualites/", False),
    ("visit_calendar", lambda o, r, a: f"{BASE}visites/{_planned_visit(o).pk}/agenda/", True),
    ("move_visit", lambda o, r, a: f"{BASE}visites/{_planned_visit(o).pk}/deplacer/", True),
    ("proof_answer", lambda o, r, a: f"{BASE}justificatifs/{_proof_request(o).pk}/", True),
    ("document_accesses", lambda o, r, a: f"{BASE}qui-a-consulte-mes-documents/", False),
]


def _proof_request(owner):
    from aquatiris_portal.models import ProofKind, ProofRequest

    installation = owner["first"]
    return ProofRequest.objects.create(
        installation=installation,
        spanc=factories.spanc(),
        kind=ProofKind.objects.first(),
        due_on=datetime.date(2099, 1, 1),
    )


def test_routes_list_covers_every_route_of_the_page():
    declared = {pattern.name for pattern in ClientSpacePage.get_subpage_urls()} - {"index_route"}
    assert declared == {name for name, _url, _obj in ROUTES}


@pytest.mark.parametrize("name,build,names_object", ROUTES, ids=[r[0] for r in ROUTES])
def test_every_route_owner_only(name, build, names_object, owner, owner_request, subjects):
    url = build(owner, *owner_request)
    response = owner["http"].get(url)
    assert response.status_code == 200, url

    stranger = HttpClient()
    stranger.force_login(factories.client_user())
    response = stranger.get(url)
    if names_object:
        assert response.status_code == 404
    else:  # their own (empty) screen, never the owner's data
        assert response.status_code == 200
        assert owner["first"].reference.encode() not in response.content

    # Another kind of account: the page saying whom the space is for, nothing of the space.
    spanc = HttpClient()
    factories.otp_login(spanc, factories.spanc_user())
    response = spanc.get(url)
    assert response.status_code == 403 and owner["first"].reference.encode() not in response.content

    staff = HttpClient()
    factories.otp_login(staff, factories.user(is_staff=True, is_superuser=True))
    response = staff.get(url)
    assert response.status_code == 403 and owner["first"].reference.encode() not in response.content

    anonymous = HttpClient().get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/portail/connexion/?next=")
    assert b"%PDF" not in anonymous.content and b"\xff\xd8" not in anonymous.content


def test_unknown_ids_are_404_for_the_owner(owner):
    http = owner["http"]
    assert http.get(f"{BASE}installations/999999/").status_code == 404
    assert http.get(f"{BASE}installations/999999/garantie/").status_code == 404
    assert http.get(f"{BASE}demandes/{uuid.uuid4()}/").status_code == 404


# --- dashboard, progress, documents -----------------------------------------


def test_installation_pages_have_a_one_click_switcher(owner):
    html = owner["http"].get(f"{BASE}installations/{owner['first'].pk}/documents/").content.decode()
    # The other installation is one link away, on the same tab.
    assert f'href="{BASE}installations/{owner["second"].pk}/documents/"' in html
    assert 'aria-current="true"' in html


def test_progress_marks_done_and_current_stages_with_editor_names(owner):
    from aquatiris_portal.models import ProjectStage

    ProjectStage.objects.create(stage="commissioned", public_name="Mise en eau", description="On remplit le filtre.")
    html = owner["http"].get(f"{BASE}installations/{owner['first'].pk}/").content.decode()
    current = re.search(r'<li class="aqp-step aqp-step--current" aria-current="step">(.*?)</li>', html, re.S)
    assert current and "Mise en eau" in current.group(1) and "On remplit le filtre." in current.group(1)
    assert html.count('aria-current="step"') == 1
    assert html.count("aqp-step--done") == 3  # study, quote, installation
    done = gettext("Done")
    assert html.count(f'<span class="aqp-step__status">{done}</span>') == 3  # said in words, not by colour


def test_documents_grouped_by_theme_new_marked_word_download_only(owner):
    installation = owner["first"]
    account = owner["user"].portal_account
    account.previous_visit_at = timezone.now()
    account.save()
    factories.theme("factures", "Factures", 30)
    factories.document(installation, title="Facture neuve", theme=factories.theme("factures"))
    factories.document(
        installation,
        title="Plan Word",
        filename="plan.docx",
        content=b"PK\x03\x04word/",
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        theme=factories.theme("factures"),
    )
    factories.document(installation, title="Caché", visible_to_client=False)
    html = owner["http"].get(f"{BASE}installations/{installation.pk}/documents/").content.decode()
    headings = re.findall(r'<h2 id="theme-\d+">(.*?)</h2>', html)
    assert headings == ["Étude de sol", "Factures", "Garanties"]
    assert "Caché" not in html
    items = dict(
        re.findall(
            r'<li class="aqp-document">\s*<div class="aqp-document__title">\s*<span>(.*?)</span>(.*?)</li>', html, re.S
        )
    )
    assert "aqp-badge--new" in items["Facture neuve"] and "aqp-badge--new" not in items["Étude de sol du terrain"]
    assert "/voir/" not in items["Plan Word"] and gettext("Download") in items["Plan Word"]
    assert "/voir/" in items["Facture neuve"]
    assert "delete" not in html.lower() and "supprimer" not in html.lower()


# --- warranty extension -------------------------------------------------------


def warranty_url(installation):
    return f"{BASE}installations/{installation.pk}/garantie/"


def test_serial_number_registers_once_with_certificate_event_and_mail(owner, stub_broker):
    http, installation = owner["http"], owner["first"]
    response = http.post(warranty_url(installation), {"serial_number": "aq-2024-012345", "confirm": "1"})
    assert response.status_code == 302
    again = http.post(warranty_url(installation), {"serial_number": "AQ-2024-012345", "confirm": "1"}, follow=True)
    assert gettext("This serial number is already registered for this installation.") in unescape(
        again.content.decode()
    )

    installation.refresh_from_db()
    assert installation.serial_number == "AQ-2024-012345" and installation.serial_registered_at
    extension = WarrantyExtension.objects.get()
    certificate = PortalDocument.objects.get(source="certificate")
    assert extension.document == certificate and certificate.installation == installation
    assert certificate.theme.slug == "garanties"
    with backend().open(certificate.file.name, "rb") as handle:
        text = "".join(page.extract_text() for page in PdfReader(handle).pages)
    assert "AQ-2024-012345" in text and extension.certificate_number in text
    assert owner["client"].last_name in text and installation.city in text

    events = OutboxEvent.objects.filter(kind="serial_number_registered")
    assert events.count() == 1 and events.get().payload["serial_number"] == "AQ-2024-012345"
    mails = OutgoingMail.objects.filter(key__startswith="warranty:")
    assert mails.count() == 1 and mails.get().to == [owner["client"].email]
    assert mails.get().attachments[0]["name"] == certificate.file.name

    page = http.get(warranty_url(installation)).content.decode()
    assert f"/portail/documents/{certificate.pk}/voir/" in page
    documents = http.get(f"{BASE}installations/{installation.pk}/documents/").content.decode()
    assert extension.certificate_number in documents


def test_another_serial_asks_to_contact_the_franchisee(owner):
    installation = owner["first"]
    installation.serial_number = "AQ-2019-000001"  # known by the internal system
    installation.save()
    response = owner["http"].post(warranty_url(installation), {"serial_number": "AQ-2024-012345", "confirm": "1"})
    html = response.content.decode()
    assert response.status_code == 200 and gettext(
        "Another serial number is already known for this installation. "
        "Please contact your franchisee so they can check it with you."
    ) in unescape(html)
    assert installation.franchisee.phone in html and installation.franchisee.email in html
    assert not WarrantyExtension.objects.exists() and not PortalDocument.objects.filter(source="certificate").exists()
    assert not OutboxEvent.objects.exists() and not OutgoingMail.objects.exists()


def test_serial_number_pattern_error_shows_the_help(owner):
    response = owner["http"].post(warranty_url(owner["first"]), {"serial_number": "12345"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "n'est pas un n° de série valide" in unescape(html) and "AQ-2024-012345" in html  # the editor's help
    assert 'aria-invalid="true"' in html
    assert not WarrantyExtension.objects.exists() and not OutboxEvent.objects.exists()


def test_warranty_of_another_clients_installation_is_404_and_writes_nothing(owner):
    other = factories.installation()
    response = owner["http"].post(warranty_url(other), {"serial_number": "AQ-2024-012345"})
    assert response.status_code == 404
    assert not WarrantyExtension.objects.exists()
    other.refresh_from_db()
    assert other.serial_number == ""


# --- contact form -------------------------------------------------------------


def contact(owner, subject, files=(), reason=None, installation=None, **extra):
    data = {
        "installation": (installation or owner["first"]).pk,
        "subject": subject.pk,
        "message": "L'eau stagne dans le filtre depuis une semaine.",
        **extra,
    }
    if reason is not None:
        data["reason"] = reason.pk
    if files:
        data["attachments"] = list(files)
    return owner["http"].post(f"{BASE}contact/", data)


def test_after_sales_request_goes_to_franchisee_and_network_head_with_recap_and_files(owner, subjects, mailoutbox):
    from aquatiris_portal.notifications.tasks import deliver_mail

    photo = SimpleUploadedFile("IMG_0001.JPG", jpeg_bytes(), content_type="image/jpeg")
    report = SimpleUploadedFile("rapport.pdf", make_pdf("Rapport"), content_type="application/pdf")
    response = contact(owner, subjects["sav"], [photo, report], reason=subjects["reason"])
    assert response.status_code == 302
    portal_request = PortalRequest.objects.get()
    assert response["Location"] == f"{BASE}demandes/{portal_request.reference}/"
    assert portal_request.kind == "after_sales" and portal_request.after_sales_reason == "Odeurs"
    assert portal_request.franchisee == owner["first"].franchisee
    assert RequestAttachment.objects.count() == 2
    event = OutboxEvent.objects.get(kind="request_submitted")
    assert event.payload["reference"] == str(portal_request.reference) and len(event.payload["attachments"]) == 2

    franchisee_mail = OutgoingMail.objects.get(key=f"request:{portal_request.reference}:franchisee")
    head_mail = OutgoingMail.objects.get(key=f"request:{portal_request.reference}:network_head")
    copy = OutgoingMail.objects.get(key=f"request:{portal_request.reference}:client_copy")
    assert franchisee_mail.to == [owner["first"].franchisee.email]
    assert head_mail.to == ["sav@aquatiris.example", "reseau@aquatiris.example"]
    assert copy.to == [owner["client"].email]
    client = owner["client"]
    for mail in (franchisee_mail, head_mail):
        for value in (
            client.last_name,
            client.first_name,
            client.address_line1,
            client.postcode,
            client.city,
            client.phone,
            display_email(client.email),  # shown as typed: the domain in Unicode
            client.code,
            owner["first"].reference,
            "Odeurs",
        ):
            assert value in mail.body_text, value
        assert [a["filename"] for a in mail.attachments] == ["IMG_0001.jpg", "rapport.pdf"]

    for mail in (franchisee_mail, head_mail, copy):
        deliver_mail.fn(mail.pk)
    sent = {tuple(message.to): message for message in mailoutbox}
    delivered = sent[(owner["first"].franchisee.email,)]
    assert [name for name, _content, _type in delivered.attachments] == ["IMG_0001.jpg", "rapport.pdf"]
    assert delivered.attachments[1][1].startswith(b"%PDF")
    # The franchisee answers through his link: his mail's Reply-To is the portal's no-reply sender.
    assert delivered.reply_to == [default_from_email()] and client.email not in delivered.reply_to
    assert len(sent[("sav@aquatiris.example", "reseau@aquatiris.example")].attachments) == 2

    detail = owner["http"].get(response["Location"]).content.decode()
    assert gettext("Your request was sent. A copy was emailed to you.") in unescape(detail) and "IMG_0001.jpg" in detail


def test_question_goes_to_the_franchisee_only(owner, subjects):
    assert contact(owner, subjects["question"], installation=owner["second"]).status_code == 302
    portal_request = PortalRequest.objects.get()
    assert portal_request.kind == "question" and portal_request.installation == owner["second"]
    keys = set(OutgoingMail.objects.values_list("key", flat=True))
    assert keys == {f"request:{portal_request.reference}:franchisee", f"request:{portal_request.reference}:client_copy"}
    assert OutgoingMail.objects.get(key__endswith="franchisee").to == [owner["second"].franchisee.email]


def test_contact_form_lists_active_subjects_and_works_without_javascript(owner, subjects):
    html = owner["http"].get(f"{BASE}contact/").content.decode()
    assert "Dysfonctionnement / SAV" in html and "Ancien objet" not in html
    # The reason list is in the page (no JS needed) with a label saying what it is for.
    assert gettext("Reason (only for a malfunction / after-sales request)") in unescape(html)
    assert f'data-after-sales-subjects="{subjects["sav"].pk}"' in html
    assert "client_space.js" in html and "<script>" not in html  # no inline script (CSP)
    assert 'type="file"' in html and "multiple" in html and "10" in html  # limits are shown


def test_after_sales_without_reason_is_refused(owner, subjects):
    response = contact(owner, subjects["sav"])
    assert response.status_code == 200
    assert gettext("Please choose the reason of your after-sales request.") in unescape(response.content.decode())
    assert not PortalRequest.objects.exists() and not OutgoingMail.objects.exists()


def test_inactive_subject_and_foreign_installation_are_refused(owner, subjects):
    assert contact(owner, subjects["inactive"]).status_code == 200
    assert contact(owner, subjects["question"], installation=factories.installation()).status_code == 200
    assert not PortalRequest.objects.exists() and not OutgoingMail.objects.exists()


def _oversize():
    return [SimpleUploadedFile("grande.jpg", jpeg_bytes() + b"\0" * 4096, content_type="image/jpeg")]


BAD_UPLOADS = {
    "exe_renamed_jpg": (
        lambda: [
            SimpleUploadedFile("photo.jpg", b"MZ\x90\x00\x03\x00\x00\x00" + b"\0" * 200, content_type="image/jpeg")
        ],
        "n'est pas une photo lisible : enregistrez-la à nouveau en JPEG",
    ),
    "html_renamed_png": (
        lambda: [
            SimpleUploadedFile("photo.png", b"<!DOCTYPE html><html><script>alert(1)</script>", content_type="image/png")
        ],
        "n'est pas une photo lisible : enregistrez-la à nouveau en JPEG",
    ),
    "oversize": (_oversize, "est trop volumineux"),
    "too_many": (
        lambda: [SimpleUploadedFile(f"p{n}.jpg", jpeg_bytes(), content_type="image/jpeg") for n in range(3)],
        "au maximum 2 fichiers",
    ),
}


@pytest.mark.parametrize("case", list(BAD_UPLOADS))
def test_bad_uploads_are_refused_and_nothing_is_stored_or_sent(case, owner, subjects, settings, mailoutbox):
    settings.AQUATIRIS_PORTAL_UPLOAD_MAX_BYTES = 4000
    settings.AQUATIRIS_PORTAL_UPLOAD_MAX_FILES = 2
    files, message = BAD_UPLOADS[case]
    response = contact(owner, subjects["sav"], files(), reason=subjects["reason"])
    html = unescape(response.content.decode())  # messages are checked as users read them (in French)
    assert response.status_code == 200
    assert message in html and gettext("Your request was not sent.") in html
    assert gettext("No file was kept: please choose your files again.") in html
    assert PortalRequest.objects.count() == 0
    assert RequestAttachment.objects.count() == 0
    assert OutgoingMail.objects.count() == 0 and mailoutbox == []
    assert OutboxEvent.objects.count() == 0
    root = backend().path("")
    stored = [p for p in __import__("pathlib").Path(root).rglob("*") if p.is_file() and "requests" in p.parts]
    assert stored == []


def test_maintenance_contract_request_is_routed_like_a_request(owner):
    html = owner["http"].get(f"{BASE}contrat-entretien/").content.decode()
    assert gettext("Ask for a maintenance contract: your franchisee will contact you with an offer.") in unescape(html)
    response = owner["http"].post(f"{BASE}contrat-entretien/", {"installation": owner["second"].pk, "message": ""})
    assert response.status_code == 302
    portal_request = PortalRequest.objects.get()
    assert portal_request.kind == "maintenance_contract" and portal_request.franchisee == owner["second"].franchisee
    assert OutgoingMail.objects.filter(to=[owner["second"].franchisee.email]).count() == 1
    assert not OutgoingMail.objects.filter(key__endswith="network_head").exists()
    assert OutboxEvent.objects.filter(kind="request_submitted").count() == 1


def test_my_requests_lists_date_subject_status_of_mine_only(owner, subjects):
    contact(owner, subjects["question"])
    other = factories.client()
    stranger_request = PortalRequest(kind="question", client=other, message="x", subject_label="Secret d'un autre")
    stranger_request.fill_recap()
    stranger_request.save()
    html = owner["http"].get(f"{BASE}demandes/").content.decode()
    assert "Question sur mon installation" in html and "Secret d" not in html
    assert str(PortalRequest.Status.NEW.label) in html and timezone.localdate().strftime("%d/%m/%Y") in html


def test_maintenance_page_lists_guides_of_the_private_collection(owner):
    from django.contrib.auth.models import Group
    from django.core.files.base import ContentFile
    from wagtail.documents.models import Document
    from wagtail.models import Collection

    collection = Collection.get_first_root_node().add_child(name="Guides d'entretien")
    Document.objects.create(
        title="Guide du filtre planté", collection=collection, file=ContentFile(make_pdf("Guide"), name="guide.pdf")
    )
    factories.document(owner["first"], title="Carnet d'entretien", theme=factories.theme("entretien", "Entretien", 50))
    html = owner["http"].get(f"{BASE}entretien/").content.decode()
    assert "Guide du filtre planté" in html and "Carnet d&#x27;entretien" in html
    assert Group.objects.get(name="Portal clients").user_set.filter(pk=owner["user"].pk).exists()


def test_guides_collection_is_private_to_client_users(owner, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    from wagtail.documents.models import Document

    from home.demo.ledger import Ledger
    from home.management.commands.portal_demo import Command as PortalDemo

    demo = PortalDemo()  # only its guides collection: the owner's pages are not the demo's to replace
    demo.ledger = Ledger()
    demo.maintenance_guides()
    guide = Document.objects.get(collection__name="Guides d'entretien")
    # A client account created any way joins the group (receiver), so Wagtail serves the guide.
    fresh = HttpClient()
    fresh.force_login(factories.client_user())
    response = fresh.get(guide.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    spanc = HttpClient()
    factories.otp_login(spanc, factories.spanc_user())
    from django.urls import reverse

    refused = spanc.get(guide.url)  # not in the clients' group: Wagtail asks for another login
    assert refused.status_code == 302 and not refused.streaming
    assert refused["Location"].startswith(reverse("aquatiris_portal:login") + "?next=")
    anonymous = HttpClient().get(guide.url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("aquatiris_portal:login") + "?next=")


# --- query budgets ------------------------------------------------------------


def _client_with(installations, documents, requests_count):
    from aquatiris_portal.models import DocumentTheme

    client = factories.client()
    themes = [
        factories.theme(slug, slug.title(), order)
        for slug, order in (("etude-de-sol", 10), ("factures", 30), ("garanties", 40), ("entretien", 50))
    ]
    records = [factories.installation(client=client) for _ in range(installations)]
    PortalDocument.objects.bulk_create(
        [
            PortalDocument(
                installation=records[n % installations],
                theme=themes[n % len(themes)],
                title=f"Doc {n}",
                filename=f"doc{n}.pdf",
                content_type="application/pdf",
                size=10,
            )
            for n in range(documents)
        ]
    )
    for n in range(requests_count):
        portal_request = PortalRequest(
            kind="question", client=client, installation=records[0], message="m", subject_label=f"Sujet {n}"
        )
        portal_request.fill_recap()
        portal_request.save()
        RequestAttachment.objects.create(
            request=portal_request, file="requests/x.jpg", filename="x.jpg", content_type="image/jpeg"
        )
    assert DocumentTheme.objects.count() >= 4
    user = factories.client_user(client)
    return user, records[0], PortalRequest.objects.filter(client=client).first()


def _count_queries(user, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    http = HttpClient()
    http.force_login(user)
    assert http.get(url).status_code == 200  # warm-up (group membership, site caches)
    with CaptureQueriesContext(connection) as queries:
        assert http.get(url).status_code == 200
    return len(queries)


BUDGET_ROUTES = [
    "",
    "installations/{i}/",
    "installations/{i}/documents/",
    "installations/{i}/garantie/",
    "contact/",
    "contrat-entretien/",
    "demandes/",
    "demandes/{r}/",
    "entretien/",
    "actualites/",
]


def test_query_budget_is_the_same_for_small_and_large_clients(space, subjects):
    small = _client_with(1, 3, 1)
    large = _client_with(5, 200, 45)
    figures = {}
    for route in BUDGET_ROUTES:
        counts = []
        for user, installation, portal_request in (small, large):
            url = BASE + route.format(i=installation.pk, r=portal_request.reference)
            counts.append(_count_queries(user, url))
        figures[route or "dashboard"] = counts
    print("query counts (small, large):", figures)
    assert all(small_count == large_count for small_count, large_count in figures.values()), figures
    over = {route: counts[1] for route, counts in figures.items() if counts[1] > QUERY_BUDGETS[route]}
    assert not over, (over, figures)


# Per screen: session, user, the memberships with the portal account, the
# installations, then the screen's own. The page, its view restrictions
# and editors' content (news, settings, stage names) come from the cache
# (pages/space_routes.py, content_cache.py).
# Visits: the next visits (dashboard), the installation's visits, next
# and done, with their reports and the reminder choice, in one query; this
# month's seasonal tasks (entretien): one query each.
# The dashboard's proof tasks (a SPANC's requests): one query, only when
# an installation has one (none here).
# The installation's dossier (its latest archive, for « en préparation » / « prêt »): one query.
# The documents' page and count: one query.
QUERY_BUDGETS = {
    "dashboard": 6,
    "installations/{i}/": 7,
    "installations/{i}/documents/": 5,
    "installations/{i}/garantie/": 4,
    "contact/": 9,
    "contrat-entretien/": 6,
    "demandes/": 6,
    "demandes/{r}/": 7,
    "entretien/": 10,
    "actualites/": 4,
}
