"""Every URL of the pro space: the right SPANC only.

Another SPANC, a client, an anonymous visitor and a SPANC without its second
factor never get a folder, a contact or a document of someone else.
"""

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from aquatiris_portal.records.models import DocumentSource
from tests import factories
from tests.unit._pro_space import pro_space_page, verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    page = pro_space_page()
    spanc = factories.spanc(name="SPANC du Pays de Rance")
    other_spanc = factories.spanc(name="SPANC voisin")
    installation = factories.installation(spanc=spanc, client=factories.client(last_name="Quéré"))
    shared = factories.document(installation, title="Étude de sol partagée", visible_to_spanc=True)
    client_only = factories.document(installation, title="Facture privée", visible_to_spanc=False)
    uploaded = factories.document(
        installation,
        title="Rapport de contrôle",
        visible_to_spanc=True,
        visible_to_client=False,
        source=DocumentSource.SPANC_UPLOAD,
        uploaded_by_spanc=spanc,
    )
    return {
        "page": page,
        "spanc": spanc,
        "other_spanc": other_spanc,
        "installation": installation,
        "shared": shared,
        "client_only": client_only,
        "uploaded": uploaded,
        "spanc_user": factories.spanc_user(spanc),
        "other_spanc_user": factories.spanc_user(other_spanc),
        "client_user": factories.client_user(installation.client),
    }


def _folder(w):
    return f"{w['page'].url}dossiers/{w['installation'].pk}/"


# name -> (url builder, is it a list of the SPANC's own folders?)
URLS = {
    "folder_list": (lambda w: w["page"].url, True),
    "folder_search": (lambda w: w["page"].url + "?q=Qu&sort=commune&page=1", True),
    "folder_export": (lambda w: w["page"].url + "export/?q=Qu", True),
    "folder_detail": (_folder, False),
    "folder_upload": (lambda w: _folder(w) + "envoyer/", False),
    "shared_document_view": (lambda w: reverse("aquatiris_portal:document_view", args=[w["shared"].pk]), False),
    "shared_document_download": (lambda w: reverse("aquatiris_portal:document_download", args=[w["shared"].pk]), False),
    "uploaded_document_view": (lambda w: reverse("aquatiris_portal:document_view", args=[w["uploaded"].pk]), False),
}
PRO_SPACE_URLS = ["folder_list", "folder_search", "folder_export", "folder_detail", "folder_upload"]


@pytest.mark.parametrize("name", URLS)
def test_right_spanc_gets_200(world, name):
    response = verified_client(world["spanc_user"]).get(URLS[name][0](world))
    assert response.status_code == 200
    if name in ("folder_list", "folder_search", "folder_detail"):
        assert "Quéré" in response.content.decode()


@pytest.mark.parametrize("name", URLS)
def test_other_spanc_never_sees_the_folder(world, name):
    build, own_list = URLS[name]
    response = verified_client(world["other_spanc_user"]).get(build(world))
    if own_list:  # its own (empty) list, without a trace of the other territory
        assert response.status_code == 200
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert "Quéré".encode() not in body and world["installation"].reference.encode() not in body
        if name == "folder_export":
            from io import BytesIO

            from openpyxl import load_workbook

            rows = list(load_workbook(BytesIO(body), read_only=True).active.iter_rows(values_only=True))
            assert len(rows) == 2  # the filter's line and the header only
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("name", PRO_SPACE_URLS)
def test_client_gets_the_wrong_space_page_even_for_their_own_installation(world, name):
    # Not a 404 but a page saying the space is for SPANC, with nothing of it.
    http = HttpClient()
    http.force_login(world["client_user"])
    response = http.get(URLS[name][0](world))
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html") and b"%PDF" not in response.content
    assert world["installation"].reference.encode() not in response.content


def test_client_never_sees_spanc_upload_by_default(world):
    http = HttpClient()
    http.force_login(world["client_user"])
    assert http.get(reverse("aquatiris_portal:document_view", args=[world["uploaded"].pk])).status_code == 404


@pytest.mark.parametrize("name", URLS)
def test_anonymous_goes_to_login(world, name):
    url = URLS[name][0](world)
    response = HttpClient().get(url)
    assert response.status_code == 302
    login = reverse("aquatiris_portal:login")
    assert response["Location"].startswith(login + "?next=")


@pytest.mark.parametrize("name", PRO_SPACE_URLS)
def test_spanc_without_second_factor_goes_to_otp_step(world, name):
    http = HttpClient()
    http.force_login(world["spanc_user"])  # password only
    response = http.get(URLS[name][0](world))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("aquatiris_portal:otp_verify") + "?next=")


def test_spanc_without_second_factor_gets_no_document(world):
    http = HttpClient()
    http.force_login(world["spanc_user"])
    for doc in ("shared", "uploaded"):
        response = http.get(reverse("aquatiris_portal:document_download", args=[world[doc].pk]))
        # access gives nothing before the second factor: 404, never the bytes.
        assert response.status_code == 404
        assert not response.streaming


@pytest.mark.parametrize("route", ["aquatiris_portal:document_view", "aquatiris_portal:document_download"])
def test_client_only_document_in_a_visible_folder_is_404(world, route):
    http = verified_client(world["spanc_user"])
    assert http.get(_folder(world)).status_code == 200
    response = http.get(reverse(route, args=[world["client_only"].pk]))
    assert response.status_code == 404
    assert b"%PDF" not in response.content


def test_folder_page_lists_only_spanc_documents(world):
    body = verified_client(world["spanc_user"]).get(_folder(world)).content.decode()
    assert "Étude de sol partagée" in body
    assert "Rapport de contrôle" in body
    assert "Facture privée" not in body
    assert reverse("aquatiris_portal:document_view", args=[world["client_only"].pk]) not in body


def test_deleted_document_disappears_from_folder(world):
    from django.utils import timezone

    world["shared"].deleted_at = timezone.now()
    world["shared"].save()
    http = verified_client(world["spanc_user"])
    assert "Étude de sol partagée" not in http.get(_folder(world)).content.decode()
    assert http.get(reverse("aquatiris_portal:document_view", args=[world["shared"].pk])).status_code == 404


def test_unknown_folder_is_404(world):
    http = verified_client(world["spanc_user"])
    assert http.get(f"{world['page'].url}dossiers/999999/").status_code == 404


def test_inactive_spanc_user_gets_404(world):
    user = world["spanc_user"]
    http = verified_client(user)
    user.is_active = False
    user.save()
    response = http.get(world["page"].url)
    # The session of an inactive user is no session: to the login, no data.
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("aquatiris_portal:login") + "?next=")
    assert "Quéré" not in response.content.decode()


def test_pro_space_pages_are_never_cached(world):
    response = verified_client(world["spanc_user"]).get(world["page"].url)
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
