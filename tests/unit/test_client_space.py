"""The client space: every route for the owner only, documents by theme,
warranty extension with certificate, requests routed with their recap and
attachments, uploads refused before anything is written, query budgets."""

import io
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.utils import timezone
from pypdf import PdfReader
from wagtail.models import Site

from aquatiris_portal.demo.pdf import make_pdf
from aquatiris_portal.models import (
    AfterSalesReason,
    Installation,
    OutboxEvent,
    OutgoingMail,
    PortalDocument,
    PortalRequest,
    PortalSettings,
    RequestAttachment,
    RequestSubject,
    WarrantyExtension,
)
from aquatiris_portal.pages.client_space import ClientSpacePage
from aquatiris_portal.storage import backend
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
    factories.document(first, title="Garantie décennale",
                       theme=factories.theme("garanties", "Garanties", 40))
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
