"""A SPANC sends a PDF into a folder: stored, the franchisee told, the
internal system told. A bad file changes nothing and tells why."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext

from aquatiris_portal.models import OutboxEvent, OutgoingMail, PortalDocument
from aquatiris_portal.records.models import DocumentSource
from aquatiris_portal.storage import backend
from aquatiris_portal.uploads import PDF_ONLY, limits_help
from home.demo.pdf import make_pdf
from tests import factories
from tests.unit._pro_space import pro_space_page, verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def folder(settings):
    settings.AQUATIRIS_PORTAL_PUBLIC_BASE_URL = "https://www.aquatiris.example"
    page = pro_space_page()
    spanc = factories.spanc(name="SPANC de la Vallée", email="controle@spanc-vallee.example")
    franchisee = factories.franchisee(company="Aquatiris Vallée", email="franchise@aquatiris-vallee.example")
    installation = factories.installation(
        spanc=spanc,
        franchisee=franchisee,
        client=factories.client(first_name="Yvonne", last_name="Kerhervé", code="CLI-4242"),
    )
    http = verified_client(factories.spanc_user(spanc))
    url = f"{page.url}dossiers/{installation.pk}/envoyer/"
    return {
        "page": page,
        "spanc": spanc,
        "franchisee": franchisee,
        "installation": installation,
        "http": http,
        "upload_url": url,
        "folder_url": f"{page.url}dossiers/{installation.pk}/",
    }


def _post(folder, content, name="rapport.pdf", title="Rapport de contrôle", note="Conforme.", issued_on="2026-03-12"):
    return folder["http"].post(
        folder["upload_url"],
        {
            "title": title,
            "note": note,
            "issued_on": issued_on,
            "file": SimpleUploadedFile(name, content, content_type="application/pdf"),
        },
    )


def _stored_files():
    storage = backend()
    try:
        _dirs, _files = storage.listdir("documents")
    except FileNotFoundError:
        return 0
    return len(_dirs) + len(_files)


def test_upload_form_shows_the_limit(folder, settings):
    settings.AQUATIRIS_PORTAL_UPLOAD_MAX_BYTES = 5 * 1024 * 1024
    body = folder["http"].get(folder["upload_url"]).content.decode()
    assert 'enctype="multipart/form-data"' in body
    assert escape(limits_help(PDF_ONLY, max_bytes=5 * 1024 * 1024)) in body  # « ... de 5 Mo ... »
    assert '<label for="id_file">' in body and '<label for="id_title">' in body


def test_good_pdf_is_stored_and_tells_franchisee_and_internal_system(folder):
    content = make_pdf("Rapport", ["Contrôle de bon fonctionnement"])
    response = _post(folder, content)
    assert response.status_code == 302 and response["Location"] == folder["folder_url"]

    document = PortalDocument.objects.get(source=DocumentSource.SPANC_UPLOAD)
    assert document.installation == folder["installation"]
    assert document.title == "Rapport de contrôle" and document.note == "Conforme."
    assert document.uploaded_by_spanc == folder["spanc"] and document.uploaded_by is not None
    assert document.visible_to_spanc is True
    assert document.theme.slug == "spanc"
    assert document.content_type == "application/pdf" and document.filename == "rapport.pdf"
    with document.file.open("rb") as handle:
        assert handle.read() == content

    mail = OutgoingMail.objects.get()
    assert mail.to == ["franchise@aquatiris-vallee.example"]
    assert mail.reply_to == ["controle@spanc-vallee.example"]
    assert "SPANC de la Vallée" in mail.subject and "Kerhervé" in mail.subject
    for text in (
        "SPANC de la Vallée",
        "Rapport de contrôle",
        "Conforme.",
        "Kerhervé",
        "Yvonne",
        "CLI-4242",
        folder["installation"].reference,
        "https://www.aquatiris.example/portail/document-spanc/",
    ):
        assert text in mail.body_text
    # The franchisee has no admin account: his mail carries his personal document link, not the admin's.
    assert "/portail/document-spanc/" in mail.body_html and "/portaldocument/inspect/" not in mail.body_text

    event = OutboxEvent.objects.get()
    assert event.kind == "document_uploaded"
    assert event.ordering_key == f"installation:{folder['installation'].external_id}"
    assert event.payload["document_id"] == document.pk
    assert event.payload["installation"] == folder["installation"].external_id
    assert event.payload["sha256"] == document.sha256 and len(document.sha256) == 64
    assert event.payload["size"] == len(content) and event.payload["content_type"] == "application/pdf"
    assert event.payload["title"] == "Rapport de contrôle"

    page = folder["http"].get(folder["folder_url"]).content.decode()
    assert "Rapport de contrôle" in page
    # Signed by the agent who sent it (their address when they gave no name).
    assert gettext("Sent by %(person)s") % {"person": document.uploaded_by.email} in page


def test_clients_see_spanc_uploads_only_while_the_setting_says_so(folder, settings):
    """Decided by access at read time: the setting applies to past uploads too."""
    from django.test import Client as HttpClient

    _post(folder, make_pdf("Rapport"))
    document = PortalDocument.objects.get(source=DocumentSource.SPANC_UPLOAD)
    owner = HttpClient()
    owner.force_login(factories.client_user(folder["installation"].client))
    url = reverse("aquatiris_portal:document_download", args=[document.pk])
    assert owner.get(url).status_code == 404
    settings.AQUATIRIS_PORTAL_CLIENTS_SEE_SPANC_UPLOADS = True
    assert owner.get(url).status_code == 200


def test_double_submit_creates_one_document(folder):
    content = make_pdf("Rapport")
    assert _post(folder, content).status_code == 302
    assert _post(folder, content).status_code == 302
    assert PortalDocument.objects.filter(source=DocumentSource.SPANC_UPLOAD).count() == 1
    assert OutgoingMail.objects.count() == 1 and OutboxEvent.objects.count() == 1
    # Another file is another document.
    _post(folder, make_pdf("Autre rapport"), title="Autre")
    assert PortalDocument.objects.filter(source=DocumentSource.SPANC_UPLOAD).count() == 2


def _encrypted_pdf():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf("Secret"))))
    writer.encrypt("secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


BAD_FILES = {
    "text": ("notes.pdf", b"Just some text, not a PDF at all.\n" * 20, "corrupt_or_type"),
    "exe_renamed": ("rapport.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 500, "type"),
    "html": ("rapport.pdf", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", "type"),
    "truncated_pdf": ("rapport.pdf", make_pdf("Rapport", ["x"] * 20)[:600], "corrupt"),
    "encrypted_pdf": ("rapport.pdf", _encrypted_pdf(), "encrypted"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_file_is_refused_and_nothing_happens(folder, case):
    name, content, _why = BAD_FILES[case]
    response = _post(folder, content, name=name)
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert len(errors) == 1 and name in errors[0]
    body = response.content.decode()
    assert 'role="alert"' in body and 'aria-invalid="true"' in body
    assert PortalDocument.objects.count() == 0
    assert OutgoingMail.objects.count() == 0 and OutboxEvent.objects.count() == 0
    assert _stored_files() == 0


def test_encrypted_pdf_message_says_password(folder):
    response = _post(folder, BAD_FILES["encrypted_pdf"][1])
    assert response.context["form"].errors.as_data()["file"][0].code == "encrypted"


def test_oversize_file_is_refused_with_the_limit(folder, settings):
    settings.AQUATIRIS_PORTAL_UPLOAD_MAX_BYTES = 1000
    content = make_pdf("Gros rapport", ["ligne de texte assez longue pour grossir le fichier"] * 60)
    assert len(content) > 1000
    response = _post(folder, content)
    error = response.context["form"].errors.as_data()["file"][0]
    assert error.code == "too_large"
    assert PortalDocument.objects.count() == 0 and OutgoingMail.objects.count() == 0
    assert OutboxEvent.objects.count() == 0 and _stored_files() == 0


def test_missing_date_keeps_nothing(folder):
    response = _post(folder, make_pdf("Rapport"), issued_on="")
    assert response.status_code == 200 and "issued_on" in response.context["form"].errors
    assert PortalDocument.objects.count() == 0 and OutgoingMail.objects.count() == 0


def test_failure_after_the_file_is_written_leaves_nothing(folder, monkeypatch):
    from aquatiris_portal.enquiries import spanc_uploads

    def broken(*args, **kwargs):
        raise RuntimeError("outbox down")

    monkeypatch.setattr(spanc_uploads, "record_event", broken)
    with pytest.raises(RuntimeError):
        _post(folder, make_pdf("Rapport"))
    assert PortalDocument.objects.count() == 0 and OutgoingMail.objects.count() == 0
    assert not list(_walk_files())


def _walk_files():
    import os

    from django.conf import settings

    for _root, _dirs, files in os.walk(settings.AQUATIRIS_PORTAL_PRIVATE_ROOT):
        yield from files


def test_no_franchisee_address_goes_to_network_head(folder):
    from wagtail.models import Site

    from aquatiris_portal.models import PortalSettings

    settings_obj = PortalSettings.for_site(Site.objects.get(is_default_site=True))
    settings_obj.network_head_emails = "reseau@aquatiris.example"
    settings_obj.save()
    folder["installation"].franchisee = None
    folder["installation"].save()
    _post(folder, make_pdf("Rapport"))
    assert OutgoingMail.objects.get().to == ["reseau@aquatiris.example"]


def test_other_spanc_cannot_upload_into_the_folder(folder):
    other = verified_client(factories.spanc_user(factories.spanc()))
    response = other.post(
        folder["upload_url"],
        {
            "title": "Intrus",
            "issued_on": "2026-03-12",
            "file": SimpleUploadedFile("x.pdf", make_pdf("x"), content_type="application/pdf"),
        },
    )
    assert response.status_code == 404
    assert PortalDocument.objects.count() == 0 and OutgoingMail.objects.count() == 0


def test_upload_needs_csrf_token(folder):
    from django.test import Client as HttpClient

    strict = HttpClient(enforce_csrf_checks=True)
    strict.cookies = folder["http"].cookies  # the verified SPANC's session
    response = strict.post(
        folder["upload_url"],
        {
            "title": "Sans jeton",
            "file": SimpleUploadedFile("x.pdf", make_pdf("x"), content_type="application/pdf"),
        },
    )
    assert response.status_code == 403
    assert PortalDocument.objects.count() == 0
