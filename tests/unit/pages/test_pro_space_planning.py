"""The SPANC agent's list: planning columns (address, capacity,
installation date, stage) sortable from an index, search/sort/page kept
through a folder and an upload and back, the upload's document type and a
plain word on whether the client will see it."""

import datetime
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils.translation import gettext

from aquatiris_portal.models import PortalDocument
from aquatiris_portal.pages import pro_space_folders as folders_
from aquatiris_portal.records.models import DocumentSource
from aquatiris_portal.snippets.models import SpancDocumentType
from home.demo.pdf import make_pdf
from tests import factories
from tests.unit._pro_space import pro_space_page, verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    page = pro_space_page()
    spanc = factories.spanc()
    folders = {}
    for n, (name, installed, stage) in enumerate(
        [
            ("Abgrall", datetime.date(2021, 3, 1), "maintenance"),
            ("Bihan", None, "study"),
            ("Cadiou", datetime.date(2018, 6, 1), "commissioned"),
            ("Derrien", datetime.date(2024, 1, 15), "installation"),
        ]
    ):
        folders[name] = factories.installation(
            spanc=spanc,
            installed_on=installed,
            stage=stage,
            reference=f"AQ-2020-70{n}",
            label=f"Filtre planté de roseaux {n + 4} EH",
            address_line1=f"{n + 1} rue des Roseaux",
            client=factories.client(last_name=name),
        )
    user = factories.spanc_user(spanc)
    return {"page": page, "spanc": spanc, "folders": folders, "user": user, "http": verified_client(user)}


def names(html):
    return re.findall(r'<th scope="row"[^>]*>\s*<a href="[^"]+">(\w+)', html)


def test_the_list_shows_address_capacity_installation_date_and_stage(world):
    html = unescape(world["http"].get(world["page"].url).content.decode())
    row = html.split('<th scope="row"', 2)[1]  # Abgrall, first by name
    assert "1 rue des Roseaux" in row and "4 EH" in row and "01/03/2021" in row
    assert gettext("Maintenance") in row


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("installed", ["Bihan", "Cadiou", "Abgrall", "Derrien"]),  # no date first (SQLite) ...
        ("-installed", ["Derrien", "Abgrall", "Cadiou", "Bihan"]),
        ("stage", ["Cadiou", "Derrien", "Abgrall", "Bihan"]),  # stage values in alphabetical order
    ],
)
def test_planning_columns_sort(world, sort, expected):
    html = world["http"].get(world["page"].url, {"sort": sort}).content.decode()
    got = names(html)
    if sort == "installed" and connection.vendor != "sqlite":
        expected = ["Cadiou", "Abgrall", "Derrien", "Bihan"]  # PostgreSQL puts nulls last
    assert got == expected


@pytest.mark.parametrize("sort", ["installed", "-installed", "stage", "-stage"])
def test_planning_sorts_are_read_from_an_index(world, sort):
    from aquatiris_portal import access

    spanc_user = world["user"]
    factories.verified(spanc_user)
    keys = folders_.folder_keys(spanc_user, sort=sort).values("pk")[:25]
    sql, params = keys.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(("EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ") + sql, params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    index = "aqp_inst_spanc_installed" if "installed" in sort else "aqp_inst_spanc_stage"
    assert index in plan, plan
    assert "TEMP B-TREE FOR ORDER BY" not in plan and "Sort" not in plan.split(index)[0], plan
    assert access.installations_for_spanc(spanc_user).count() == 4


def test_search_sort_and_page_survive_a_folder_and_an_upload(world, settings):
    settings.AQUATIRIS_PORTAL_UPLOAD_MAX_BYTES = 5 * 1024 * 1024
    http, page = world["http"], world["page"]
    folder = world["folders"]["Cadiou"]
    html = http.get(page.url, {"q": "saint", "sort": "-installed", "page": "1"}).content.decode()
    link = re.search(rf'href="([^"]*dossiers/{folder.pk}/[^"]*)"', html).group(1)
    state = parse_qs(urlsplit(unescape(link)).query)
    assert state == {"q": ["saint"], "sort": ["-installed"]}  # page 1 is the default: not carried
    folder_html = unescape(http.get(unescape(link)).content.decode())
    back = re.search(r'<p class="aqp-back"><a href="([^"]+)"', folder_html).group(1)
    assert parse_qs(urlsplit(back).query) == state and urlsplit(back).path == page.url
    upload = re.search(rf'href="([^"]*dossiers/{folder.pk}/envoyer/[^"]*)"', folder_html).group(1)
    assert parse_qs(urlsplit(upload).query) == state
    SpancDocumentType.objects.create(name="Contrôle de bon fonctionnement")
    response = http.post(
        upload,
        {
            "document_type": "Contrôle de bon fonctionnement",
            "title": "Rapport",
            "issued_on": "2026-03-12",
            "file": SimpleUploadedFile("r.pdf", make_pdf("Rapport"), "application/pdf"),
        },
    )
    assert response.status_code == 302
    assert parse_qs(urlsplit(response["Location"]).query) == state  # back in the folder, then the same list


def test_the_state_carried_is_only_search_sort_and_page():
    from django.http import QueryDict

    state = folders_.list_state(QueryDict("q=%20le%20%20roux%20&sort=drop-table&page=abc&next=https://evil.example"))
    assert parse_qs(state) == {"q": ["le roux"]}
    assert parse_qs(folders_.list_state(QueryDict("sort=-stage&page=3"))) == {"sort": ["-stage"], "page": ["3"]}


def test_the_upload_asks_for_a_document_type_and_keeps_it(world):
    SpancDocumentType.objects.create(name="Contrôle de conception", sort_order=1)
    SpancDocumentType.objects.create(name="Ancien type", active=False)
    folder = world["folders"]["Abgrall"]
    url = f"{world['page'].url}dossiers/{folder.pk}/envoyer/"
    html = world["http"].get(url).content.decode()
    assert 'name="document_type"' in html and "Contrôle de conception" in html and "Ancien type" not in html
    missing = world["http"].post(
        url,
        {
            "title": "Rapport",
            "issued_on": "2026-03-12",
            "file": SimpleUploadedFile("r.pdf", make_pdf("Rapport"), "application/pdf"),
        },
    )
    assert missing.status_code == 200 and not PortalDocument.objects.filter(source=DocumentSource.SPANC_UPLOAD)
    world["http"].post(
        url,
        {
            "document_type": "Contrôle de conception",
            "title": "Rapport",
            "issued_on": "2026-03-12",
            "file": SimpleUploadedFile("r.pdf", make_pdf("Rapport"), "application/pdf"),
        },
    )
    document = PortalDocument.objects.get(source=DocumentSource.SPANC_UPLOAD)
    assert document.document_type == "Contrôle de conception"
    assert "Contrôle de conception" in world["http"].get(f"{world['page'].url}dossiers/{folder.pk}/").content.decode()


@pytest.mark.parametrize("clients_see", [False, True])
def test_the_upload_says_plainly_whether_the_client_will_see_it(world, settings, clients_see):
    settings.AQUATIRIS_PORTAL_CLIENTS_SEE_SPANC_UPLOADS = clients_see
    folder = world["folders"]["Abgrall"]
    html = unescape(world["http"].get(f"{world['page'].url}dossiers/{folder.pk}/envoyer/").content.decode())
    said = (
        gettext("The client will see these documents")
        if clients_see
        else gettext("The client will not see these documents.")
    )
    assert said in html
    assert f'data-aqp-client-sees="{"yes" if clients_see else "no"}"' in html
