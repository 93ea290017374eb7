"""Dead ends found in review: each test walks the steps of one bug and fails on the
code before its fix."""

import datetime
import io
import re
from html import unescape
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from openpyxl import load_workbook
from wagtail.models import Site

from aquatiris_portal.models import (
    AfterSalesReason,
    OutgoingMail,
    PortalAccount,
    PortalDocument,
    PortalRequest,
    PortalSettings,
    RequestSubject,
    WarrantyExtension,
)
from aquatiris_portal.pages.client_space import ClientSpacePage
from aquatiris_portal.records.models import DocumentSource
from home.demo.pdf import make_pdf
from tests import factories
from tests.unit._pro_space import pro_space_page, verified_client

pytestmark = pytest.mark.django_db

BASE = "/espace-client/"


@pytest.fixture
def space():
    site = Site.objects.get(is_default_site=True)
    page = site.root_page.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))
    settings_obj = PortalSettings.for_site(site)
    settings_obj.network_head_emails = "sav@aquatiris.example"
    settings_obj.save()
    return page


@pytest.fixture
def owner(space):
    client = factories.client()
    first = factories.installation(
        client=client, reference="AQ-2019-5001", label="Filtre 5 EH", installed_on=datetime.date(2019, 5, 14)
    )
    second = factories.installation(client=client, reference="AQ-2021-5002", label="Jardin 4 EH", stage="quote")
    user = factories.client_user(client)
    http = HttpClient()
    http.force_login(user)
    return {"client": client, "user": user, "http": http, "first": first, "second": second}


def text_of(response):
    return unescape(response.content.decode())


def jpeg_bytes():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (20, 120, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


# --- 1. a wrong serial number registered for good ------------------------------


def warranty_url(installation):
    return f"{BASE}installations/{installation.pk}/garantie/"


def test_bug1_the_installations_reference_is_refused_with_what_a_serial_looks_like(owner):
    installation = owner["first"]
    for typed in ("AQ-2019-5001", "aq 2019 5001", "AQ20195001"):
        response = owner["http"].post(warranty_url(installation), {"serial_number": typed, "confirm": "1"})
        assert response.status_code == 200
        html = text_of(response)
        assert "AQ-2019-5001" in html and 'aria-invalid="true"' in html
        # says what a serial looks like and where it is printed (the editors' help, by default:)
        assert (
            gettext(
                "The serial number is printed on the manufacturer's plate fixed on your installation: AQ, the "
                "year, then 6 digits, e.g. AQ-2024-012345."
            )
            in html
        )
    assert not WarrantyExtension.objects.exists()
    installation.refresh_from_db()
    assert installation.serial_number == ""


def test_bug1_the_default_pattern_does_not_match_references():
    from aquatiris_portal.enquiries.forms import canonical_serial

    pattern = PortalSettings._meta.get_field("serial_number_pattern").default
    for reference in ("AQ-2018-5001", "AQ-2019-5001", "AQ-2021-50022"):
        assert not re.search(pattern, canonical_serial(reference)), reference
    assert re.search(pattern, canonical_serial("aq 2019 004512"))


@pytest.mark.parametrize(
    "typed", ["aq 2019 004512", "AQ2019004512", "aq-2019-004512", " AQ.2019.004512 ", "AQ 2019-004512"]
)
def test_bug1_the_serial_is_stored_in_its_canonical_form(typed):
    from aquatiris_portal.enquiries.forms import canonical_serial

    assert canonical_serial(typed) == "AQ-2019-004512"


def test_bug1_one_confirmation_step_before_the_certificate(owner):
    http, installation = owner["http"], owner["first"]
    response = http.post(warranty_url(installation), {"serial_number": "aq 2019 004512"})
    assert response.status_code == 200
    html = text_of(response)
    assert "AQ-2019-004512" in html and 'name="confirm"' in html
    assert not WarrantyExtension.objects.exists() and not PortalDocument.objects.filter(source="certificate").exists()
    response = http.post(warranty_url(installation), {"serial_number": "AQ-2019-004512", "confirm": "1"})
    assert response.status_code == 302
    installation.refresh_from_db()
    assert installation.serial_number == "AQ-2019-004512"
    assert WarrantyExtension.objects.get().serial_number == "AQ-2019-004512"


def test_bug1_the_page_says_how_to_correct_a_serial_and_the_certificate_has_the_end_date(owner, settings):
    from pypdf import PdfReader

    from aquatiris_portal.enquiries.warranty import warranty_end
    from aquatiris_portal.storage import backend

    http, installation = owner["http"], owner["first"]
    http.post(warranty_url(installation), {"serial_number": "AQ-2019-004512", "confirm": "1"})
    extension = WarrantyExtension.objects.get()
    settings_obj = PortalSettings.for_site(Site.objects.get(is_default_site=True))
    assert settings_obj.warranty_years == 10
    assert warranty_end(installation, settings_obj) == datetime.date(2029, 5, 14)  # ten years after it was installed
    html = text_of(http.get(warranty_url(installation)))
    assert "14 mai 2029" in html
    # how to correct a mistaken serial: through the installer, whose contact is there
    assert gettext("A mistake in the serial number?") in html and installation.franchisee.phone in html
    with backend().open(extension.document.file.name, "rb") as handle:
        text = "".join(page.extract_text() for page in PdfReader(handle).pages)
    assert "14/05/2029" in text or "14 mai 2029" in text


# --- 2. a photo silently dropped --------------------------------------------------


@pytest.fixture
def subjects():
    return {
        "sav": RequestSubject.objects.create(name="Dysfonctionnement / SAV", is_after_sales=True, sort_order=20),
        "reason": AfterSalesReason.objects.create(name="Odeurs", sort_order=10),
    }


def test_bug2_a_form_error_elsewhere_says_which_files_to_choose_again(owner, subjects, monkeypatch):
    from aquatiris_portal.enquiries import forms

    read = []
    monkeypatch.setattr(forms, "validate_uploads", lambda files, **kw: read.append(files) or [])
    photo = SimpleUploadedFile("IMG_0042.JPG", jpeg_bytes(), content_type="image/jpeg")
    response = owner["http"].post(
        f"{BASE}contact/",
        {
            "installation": owner["first"].pk,
            "subject": subjects["sav"].pk,
            "message": "Ça déborde",
            "attachments": [photo],
        },
    )  # no reason: the form comes back
    assert response.status_code == 200
    html = text_of(response)
    assert "IMG_0042.JPG" in html  # the file is named...
    assert "choisir à nouveau" in html or "choose" in html  # ... and asked again
    assert read == []  # the files were not read while another field was wrong
    assert not PortalRequest.objects.exists()


def test_bug2_required_fields_are_checked_in_the_browser(owner, subjects):
    html = owner["http"].get(f"{BASE}contact/").content.decode()
    form = html.split("data-aqp-contact-form", 1)[0].rsplit("<form", 1)[1]
    # The server checks them now (novalidate): its summary at the top says what is wrong and the files
    # that passed are kept across the error (tests/unit/enquiries/test_error_summary.py); required is still marked.
    assert "novalidate" in form
    assert re.search(r'<textarea[^>]*name="message"[^>]*required', html)


# --- 4. the other space is a 404 ----------------------------------------------------


def test_bug4_a_client_in_the_pro_space_is_told_it_is_for_spanc(owner):
    pro = pro_space_page()
    response = owner["http"].get(pro.url)
    assert response.status_code == 403
    html = text_of(response)
    assert "SPANC" in html and reverse("aquatiris_portal:logout") in html
    assert BASE in html  # and the way to their own space
    # a folder id changes nothing: the same page, no data
    installation = factories.installation(spanc=factories.spanc())
    response = owner["http"].get(f"{pro.url}dossiers/{installation.pk}/")
    assert response.status_code == 403 and installation.client.last_name not in response.content.decode()


def test_bug4_a_spanc_agent_in_the_client_space_is_told_it_is_for_clients(space):
    http = verified_client(factories.spanc_user(factories.spanc()))
    pro = pro_space_page()
    response = http.get(BASE)
    assert response.status_code == 403
    html = text_of(response)
    assert reverse("aquatiris_portal:logout") in html and pro.url in html


def test_bug4_the_example_site_has_404_and_500_pages_in_its_design(client, settings):
    from django.template.loader import render_to_string

    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = text_of(response)
    assert 'class="site-header"' in html and "Page introuvable" in html
    error = render_to_string("500.html")  # rendered with no context at all
    assert 'class="site-header"' in error and "site.css" in error


# --- 5. warranty and contract before there is anything to maintain --------------


def test_bug5_no_warranty_before_the_installation_is_built(owner):
    quote = owner["second"]
    html = text_of(owner["http"].get(BASE))
    assert warranty_url(quote) not in html and warranty_url(owner["first"]) in html
    response = owner["http"].post(warranty_url(quote), {"serial_number": "AQ-2021-004512", "confirm": "1"})
    assert not WarrantyExtension.objects.exists()
    assert 'name="serial_number"' not in response.content.decode()


def test_bug5_no_contract_request_before_the_installation_is_built(owner):
    response = owner["http"].post(f"{BASE}contrat-entretien/", {"installation": owner["second"].pk})
    assert response.status_code == 200 and not PortalRequest.objects.exists()


def test_bug5_a_second_contract_request_is_refused_with_a_clear_message(owner):
    url = f"{BASE}contrat-entretien/"
    assert owner["http"].post(url, {"installation": owner["first"].pk}).status_code == 302
    mails = OutgoingMail.objects.count()
    response = owner["http"].post(url, {"installation": owner["first"].pk})
    assert response.status_code == 200
    from django.utils import formats

    html = text_of(response)
    # the message says it was already asked, and when
    assert formats.date_format(timezone.localtime(PortalRequest.objects.get().created_at), "DATE_FORMAT") in html
    assert 'aria-invalid="true"' in html
    assert PortalRequest.objects.count() == 1 and OutgoingMail.objects.count() == mails


# --- 7. the SPANC told its own upload is new ---------------------------------------


def test_bug7_the_spancs_own_upload_is_not_new_to_it(settings):
    page = pro_space_page()
    spanc = factories.spanc()
    user = factories.spanc_user(spanc)
    http = verified_client(user)
    account = PortalAccount.objects.get(user__portal_memberships__spanc=spanc)
    account.previous_visit_at = timezone.now() - datetime.timedelta(days=2)
    account.save()
    own = factories.installation(spanc=spanc, client=factories.client(last_name="Propre"))
    received = factories.installation(spanc=spanc, client=factories.client(last_name="Recu"))
    factories.document(own, visible_to_spanc=True, source=DocumentSource.SPANC_UPLOAD, uploaded_by_spanc=spanc)
    factories.document(received, visible_to_spanc=True)
    body = http.get(page.url).content.decode()
    rows = {row.split("</a>")[0].rsplit(">", 1)[1].split()[0]: row for row in body.split('<th scope="row"')[1:]}
    assert "Nouveau" in rows["Recu"] and "Nouveau" not in rows["Propre"]
    response = http.get(page.url + "export/")
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    values = {row[0].split()[0]: row for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert "Nouveau" in values["Recu"] and "Nouveau" not in values["Propre"]


# --- 8 and 9. the requests back office ---------------------------------------------


@pytest.fixture
def staff_request(admin_client):
    installation = factories.installation()
    request = PortalRequest(
        client=installation.client,
        installation=installation,
        kind="question",
        message="Bonjour",
        created_at=datetime.datetime(2026, 11, 23, 8, 30, tzinfo=datetime.UTC),
    )
    request.fill_recap()
    request.save()
    return request


def test_bug8_the_inspect_page_shows_the_sites_time(admin_client, staff_request, settings):
    assert settings.TIME_ZONE == "Europe/Paris"
    html = admin_client.get(reverse("aquatiris_portal_requests:inspect", args=[staff_request.pk])).content.decode()
    assert "9:30" in html or "09:30" in html
    assert not re.search(r"(?<!\d)0?8:30", html)  # not the UTC time (was an 'or' that let 8:30 through)


def test_bug9_the_row_menus_edit_opens_the_edit_view(admin_client, staff_request):
    html = admin_client.get(reverse("aquatiris_portal_requests:index")).content.decode()
    edit = reverse("aquatiris_portal_requests:edit", args=[staff_request.pk])
    inspect = reverse("aquatiris_portal_requests:inspect", args=[staff_request.pk])
    assert f'href="{edit}"' in html  # "Modifier" leads to the edit view
    assert f'href="{inspect}"' in html  # the row's title still opens the recap


# --- 10. the "Mes installations" tab ---------------------------------------------------


def test_bug10_my_installations_is_current_on_installation_pages(owner):
    for url in (
        f"{BASE}installations/{owner['first'].pk}/",
        f"{BASE}installations/{owner['first'].pk}/documents/",
        warranty_url(owner["first"]),
    ):
        html = owner["http"].get(url).content.decode()
        nav = html.split('class="aqp-space-nav"', 1)[1].split("</nav>", 1)[0]
        current = re.findall(r'<a href="([^"]+)" aria-current="page"', nav)
        assert current == [BASE], url


# --- 11. a link built from the wrong base ---------------------------------------------


def test_bug11_the_spanc_upload_mail_links_through_the_public_base_url(settings):
    settings.WAGTAILADMIN_BASE_URL = "https://admin.wrong.example"
    page = pro_space_page()
    spanc = factories.spanc()
    installation = factories.installation(spanc=spanc)
    http = verified_client(factories.spanc_user(spanc))
    upload = SimpleUploadedFile("rapport.pdf", make_pdf("Rapport"), content_type="application/pdf")
    http.post(f"{page.url}dossiers/{installation.pk}/envoyer/", {"title": "Rapport", "file": upload, **_upload_extra()})
    mail = OutgoingMail.objects.get()
    assert "admin.wrong.example" not in mail.body_text
    # The franchisee's document link, on the request's own site.
    assert "http://testserver/portail/document-spanc/" in mail.body_text
    settings.AQUATIRIS_PORTAL_PUBLIC_BASE_URL = "https://www.aquatiris.example/"
    from aquatiris_portal.enquiries.spanc_uploads import admin_document_url

    assert admin_document_url(PortalDocument.objects.get()).startswith("https://www.aquatiris.example/admin/")


def _upload_extra():
    """The upload's document type, when the form asks for one."""
    from aquatiris_portal import snippets

    model = getattr(snippets.models, "SpancDocumentType", None)
    if model is None:
        return {"issued_on": "2026-03-12"}
    kind = model.objects.filter(active=True).first() or model.objects.create(name="Rapport de contrôle")
    return {"document_type": kind.name, "issued_on": "2026-03-12", "control_result": "compliant"}


# --- 12. English and unlocalised text -----------------------------------------------------


def test_bug12_skip_link_is_in_french(owner):
    html = owner["http"].get(BASE).content.decode()
    assert "Skip to content" not in html and "Aller au contenu" in html


def test_bug12_boolean_cells_read_yes_or_no(admin_client):
    factories.document(factories.installation(), visible_to_client=True, visible_to_spanc=False)
    html = admin_client.get(reverse("aquatiris_portal_portaldocument_modeladmin_index")).content.decode()
    assert 'alt="True"' not in html and 'alt="False"' not in html
    assert "Oui" in html and "Non" in html


def test_bug12_spanc_export_has_french_dates_frozen_header_and_filter():
    page = pro_space_page()
    spanc = factories.spanc()
    http = verified_client(factories.spanc_user(spanc))
    installation = factories.installation(spanc=spanc)
    factories.document(
        installation, visible_to_spanc=True, created_at=datetime.datetime(2026, 3, 5, 9, 0, tzinfo=datetime.UTC)
    )
    response = http.get(page.url + "export/")
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    assert sheet.freeze_panes == "A3"  # under the filter's line and the header
    assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A2:")
    dates = [cell for row in sheet.iter_rows(min_row=2) for cell in row if isinstance(cell.value, datetime.datetime)]
    assert dates and all(cell.number_format.lower().startswith("dd/mm/yyyy") for cell in dates)


def test_bug12_snippet_listings_say_oui_or_non(admin_client):
    from aquatiris_portal.snippets.models import RequestSubject

    RequestSubject.objects.create(name="Dysfonctionnement / SAV", is_after_sales=True)
    html = admin_client.get(reverse("wagtailsnippets_aquatiris_portal_requestsubject:list")).content.decode()
    cells = html.split("Dysfonctionnement / SAV", 1)[1].split("</tr>", 1)[0]
    spoken = re.findall(r'<span class="w-sr-only">\s*(\w+)\s*</span>', cells)
    assert "True" not in spoken and "False" not in spoken and "True" not in cells  # read as English before
    assert gettext("Yes") in cells  # after-sales, shown in the form


def test_bug5_the_contract_page_says_when_nothing_is_built_yet(space):
    client = factories.client()
    factories.installation(client=client, stage="study")
    http = HttpClient()
    http.force_login(factories.client_user(client))
    html = text_of(http.get(f"{BASE}contrat-entretien/"))
    assert 'name="installation"' not in html
    assert (
        gettext(
            "A maintenance contract can be asked once your installation is built. Your Aquatiris "
            "installer will tell you when."
        )
        in html
    )
