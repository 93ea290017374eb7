"""The SPANC's upload asks the documents' type, date and (for a control
report) result, takes several PDFs in one sending, stores each as its own
document with them, and tells the internal system all three."""

import datetime
import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.utils import timezone
from django.utils.translation import gettext
from wagtail.models import Site

from aquatiris_portal.enquiries.pending_uploads import PendingUpload
from aquatiris_portal.models import OutboxEvent, OutgoingMail, PortalDocument
from aquatiris_portal.pages.client_space import ClientSpacePage
from aquatiris_portal.records.control_results import ControlResult
from aquatiris_portal.records.models import DocumentSource
from aquatiris_portal.snippets.models import SpancDocumentType
from home.demo.pdf import make_pdf
from tests import factories
from tests.unit._pro_space import pro_space_page, verified_client

pytestmark = pytest.mark.django_db

TODAY = "2026-03-12"


@pytest.fixture
def folder():
    page = pro_space_page()
    spanc = factories.spanc()
    installation = factories.installation(spanc=spanc, franchisee=factories.franchisee())
    SpancDocumentType.objects.create(name="Rapport de contrôle", is_control_report=True, sort_order=1)
    SpancDocumentType.objects.create(name="Courrier", sort_order=2)
    http = verified_client(factories.spanc_user(spanc))
    return {
        "page": page,
        "http": http,
        "installation": installation,
        "spanc": spanc,
        "url": f"{page.url}dossiers/{installation.pk}/envoyer/",
        "folder_url": f"{page.url}dossiers/{installation.pk}/",
    }


def pdf(name, text="Rapport"):
    return SimpleUploadedFile(name, make_pdf(text, [name]), content_type="application/pdf")


def send(folder, files, **fields):
    data = {
        "document_type": "Rapport de contrôle",
        "issued_on": TODAY,
        "control_result": ControlResult.WORKS_ADVISED,
        "title": "",
        "note": "",
        "file": files,
    }
    data.update(fields)
    return folder["http"].post(folder["url"], {key: value for key, value in data.items() if value is not None})


def uploads():
    return PortalDocument.objects.filter(source=DocumentSource.SPANC_UPLOAD).order_by("pk")


def errors(response, field):
    return response.context["form"].errors.get(field, [])


def test_several_files_are_several_documents_with_the_type_date_and_result(folder):
    response = send(folder, [pdf("controle-2026.pdf", "Un"), pdf("annexe-plan.pdf", "Deux")])
    assert response.status_code == 302 and response["Location"] == folder["folder_url"]
    documents = list(uploads())
    assert [document.title for document in documents] == ["controle-2026", "annexe-plan"]
    for document in documents:
        assert document.installation == folder["installation"]
        assert document.document_type == "Rapport de contrôle"
        assert document.issued_on == datetime.date(2026, 3, 12)
        assert document.control_result == ControlResult.WORKS_ADVISED
    assert len({document.sha256 for document in documents}) == 2
    # One mail per sending, naming each document with its own personal link.
    mail = OutgoingMail.objects.get()
    assert mail.subject.startswith("2 nouveaux documents") or mail.subject.startswith("2 new documents")
    for document in documents:
        assert document.title in mail.body_text and document.title in mail.body_html
    links = re.findall(r"https?://\S+/portail/document-spanc/\S+/", mail.body_text)
    assert len(set(links)) == 2 and mail.sensitive
    page = unescape(folder["http"].get(folder["folder_url"]).content.decode())
    assert page.count("Non conforme – travaux à prévoir") == 2


def test_a_typed_title_names_each_document_with_its_file(folder):
    send(folder, [pdf("a.pdf", "A"), pdf("b.pdf", "B")], title="Contrôle du 12 mars")
    assert [document.title for document in uploads()] == ["Contrôle du 12 mars – a", "Contrôle du 12 mars – b"]


def test_the_type_is_required(folder):
    response = send(folder, [pdf("r.pdf")], document_type="")
    assert response.status_code == 200 and errors(response, "document_type")
    assert not uploads().exists()


@pytest.mark.parametrize("issued_on, code", [("", "required"), ("pas une date", "invalid"), ("tomorrow", "future")])
def test_the_date_is_required_and_not_in_the_future(folder, issued_on, code):
    if issued_on == "tomorrow":
        issued_on = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = send(folder, [pdf("r.pdf")], issued_on=issued_on)
    assert response.status_code == 200
    assert [error.code for error in response.context["form"].errors.as_data()["issued_on"]] == [code]
    assert not uploads().exists()


def test_today_is_a_valid_date_and_the_picker_stops_at_it(folder):
    today = timezone.localdate().isoformat()
    html = folder["http"].get(folder["url"]).content.decode()
    assert re.search(rf'<input[^>]*name="issued_on"[^>]*max="{today}"', html)
    assert send(folder, [pdf("r.pdf")], issued_on=today).status_code == 302


def test_the_result_is_required_for_a_control_report_only(folder):
    response = send(folder, [pdf("r.pdf")], control_result="")
    assert response.status_code == 200 and errors(response, "control_result") == [
        gettext("Please give the result of the control: this type of document is a control report.")
    ]
    assert not uploads().exists()
    # Another type needs none, and keeps none if one was picked.
    assert send(folder, [pdf("courrier.pdf")], document_type="Courrier").status_code == 302
    assert (
        send(
            folder, [pdf("courrier2.pdf", "2")], document_type="Courrier", control_result=ControlResult.COMPLIANT
        ).status_code
        == 302
    )
    assert list(uploads().values_list("document_type", "control_result")) == [("Courrier", ""), ("Courrier", "")]


def test_an_unknown_result_is_refused(folder):
    response = send(folder, [pdf("r.pdf")], control_result="excellent")
    assert response.status_code == 200 and errors(response, "control_result")
    assert not uploads().exists()


def test_a_bad_file_among_good_ones_stores_nothing_and_keeps_the_good_ones(folder):
    bad = SimpleUploadedFile("photo.pdf", b"\xff\xd8\xff\xe0 not a pdf" * 10, content_type="application/pdf")
    response = send(folder, [pdf("un.pdf", "Un"), bad, pdf("deux.pdf", "Deux")])
    assert response.status_code == 200
    assert errors(response, "file") == [
        gettext("“%(name)s” is not a PDF: save your scan as a PDF, then send it again.") % {"name": "photo.pdf"}
    ]
    assert not uploads().exists() and OutgoingMail.objects.count() == 0 and OutboxEvent.objects.count() == 0
    kept = list(PendingUpload.objects.order_by("pk"))
    assert [row.filename for row in kept] == ["un.pdf", "deux.pdf"]
    html = unescape(response.content.decode())
    assert "un.pdf" in html and "deux.pdf" in html and 'name="kept_files"' in html
    # The next post takes them back: no file chosen again, two documents, the kept rows gone.
    again = send(folder, [], kept_files=[row.token for row in kept])
    assert again.status_code == 302
    assert [document.filename for document in uploads()] == ["un.pdf", "deux.pdf"]
    assert not PendingUpload.objects.exists()


def test_the_good_files_are_kept_when_another_field_is_wrong(folder):
    response = send(folder, [pdf("un.pdf")], issued_on="")
    assert response.status_code == 200 and errors(response, "issued_on")
    assert list(PendingUpload.objects.values_list("filename", flat=True)) == ["un.pdf"]
    # The summary at the top lists the error.
    assert "aqp-error-summary" in response.content.decode()


def test_another_accounts_kept_file_is_not_taken(folder):
    send(folder, [pdf("un.pdf")], issued_on="")
    token = PendingUpload.objects.get().token
    other_spanc = factories.spanc()
    other_folder = factories.installation(spanc=other_spanc)
    other = verified_client(factories.spanc_user(other_spanc))
    response = other.post(
        f"{folder['page'].url}dossiers/{other_folder.pk}/envoyer/",
        {"document_type": "Courrier", "issued_on": TODAY, "kept_files": [token]},
    )
    assert response.status_code == 200 and errors(response, "file")
    assert not uploads().exists() and PendingUpload.objects.filter(token=token).exists()


def test_more_files_than_the_limit_are_refused(folder, settings):
    settings.AQUATIRIS_PORTAL_UPLOAD_MAX_FILES = 2
    response = send(folder, [pdf(f"r{n}.pdf", str(n)) for n in range(3)])
    assert response.status_code == 200 and errors(response, "file")
    assert not uploads().exists()


def test_the_outbox_event_carries_the_type_date_and_result(folder):
    send(folder, [pdf("un.pdf", "Un"), pdf("deux.pdf", "Deux")])
    events = list(OutboxEvent.objects.filter(kind="document_uploaded").order_by("pk"))
    assert [event.payload["document_id"] for event in events] == list(uploads().values_list("pk", flat=True))
    for event in events:
        assert event.payload["document_type"] == "Rapport de contrôle"
        assert event.payload["issued_on"] == TODAY
        assert event.payload["control_result"] == "not_compliant_works_advised"
    send(folder, [pdf("lettre.pdf", "L")], document_type="Courrier", control_result="")
    last = OutboxEvent.objects.filter(kind="document_uploaded").latest("pk")
    assert last.payload["document_type"] == "Courrier" and last.payload["control_result"] == ""


def test_the_client_and_the_admin_see_the_result(folder, settings, admin_client):
    from django.urls import reverse

    send(folder, [pdf("r.pdf")], control_result=ControlResult.WORKS_REQUIRED)
    document = uploads().get()
    settings.AQUATIRIS_PORTAL_CLIENTS_SEE_SPANC_UPLOADS = True
    site = Site.objects.get(is_default_site=True)
    client_space = site.root_page.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))
    owner = HttpClient()
    owner.force_login(factories.client_user(folder["installation"].client))
    url = client_space.url + client_space.reverse_subpage("documents", args=[folder["installation"].pk])
    html = unescape(owner.get(url).content.decode())
    assert "Rapport de contrôle : Non conforme – travaux obligatoires" in html
    listing = unescape(admin_client.get(reverse("aquatiris_portal_portaldocument_modeladmin_index")).content.decode())
    assert "Non conforme – travaux obligatoires" in listing
    inspect = admin_client.get(reverse("aquatiris_portal_portaldocument_modeladmin_inspect", args=[document.pk]))
    assert "Non conforme – travaux obligatoires" in unescape(inspect.content.decode())
