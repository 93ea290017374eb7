"""The spaces' texts are fields of the space pages: the screens read them
from the page, editors edit them in the page editor with Wagtail's preview
and revisions (draft, publish, revert)."""

from html import unescape

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from wagtail.models import Site
from wagtail.test.utils.form_data import nested_form_data, streamfield

from aquatiris_portal.pages.client_space import ClientSpacePage
from aquatiris_portal.snippets.site_settings import PortalSettings
from tests import factories
from tests.unit._pro_space import pro_space_page

pytestmark = pytest.mark.django_db

MOVED = (
    "client_space_intro",
    "pro_space_intro",
    "maintenance_contract_text",
    "request_form_intro",
    "spanc_upload_intro",
    "emergency_text",
    "emergency_phone",
)


@pytest.fixture
def space():
    root = Site.objects.get(is_default_site=True).root_page
    return root.add_child(
        instance=ClientSpacePage(
            title="Espace client",
            slug="espace-client",
            intro="Bienvenue dans votre espace (page)",
            request_form_intro="Écrivez-nous ici (page)",
            maintenance_contract_text="Un contrat, c'est serein (page)",
            emergency_text="En cas de débordement (page)",
            emergency_phone="02 99 99 99 99",
        )
    )


@pytest.fixture
def client_http(space):
    installation = factories.installation()
    http = HttpClient()
    http.force_login(factories.client_user(installation.client))
    return http, installation


def test_the_settings_no_longer_hold_the_texts():
    names = {field.name for field in PortalSettings._meta.get_fields()}
    assert not names & set(MOVED)


def test_the_client_screens_read_the_texts_from_the_page(space, client_http):
    http, installation = client_http
    dashboard = unescape(http.get("/espace-client/").content.decode())
    assert "Bienvenue dans votre espace (page)" in dashboard
    assert "En cas de débordement (page)" in dashboard and 'href="tel:0299999999"' in dashboard
    contact = unescape(http.get("/espace-client/contact/").content.decode())
    assert "Écrivez-nous ici (page)" in contact and "En cas de débordement (page)" in contact
    contract = unescape(http.get("/espace-client/contrat-entretien/").content.decode())
    assert "Un contrat, c'est serein (page)" in contract


def test_the_pro_screens_read_the_texts_from_the_page():
    page = pro_space_page()
    page.intro = "Vos dossiers clients (page)"
    page.spanc_upload_intro = "Déposez le rapport en PDF (page)"
    page.save_revision().publish()
    spanc_user = factories.spanc_user()
    installation = factories.installation(spanc=factories.spanc_of(spanc_user))
    http = HttpClient()
    factories.otp_login(http, spanc_user)
    base = page.url
    assert "Vos dossiers clients (page)" in unescape(http.get(base).content.decode())
    upload = http.get(base + page.reverse_subpage("folder_upload", args=[installation.pk]))
    assert "Déposez le rapport en PDF (page)" in unescape(upload.content.decode())


def _edit_data(page, **changes):
    values = {
        "title": page.title,
        "slug": page.slug,
        "intro": page.intro,
        "request_form_intro": page.request_form_intro,
        "maintenance_contract_text": page.maintenance_contract_text,
        "emergency_text": page.emergency_text,
        "emergency_phone": page.emergency_phone,
    }
    if any(field.name == "code_facsimile" for field in ClientSpacePage._meta.get_fields()):
        values["code_facsimile"] = streamfield([])
        values["code_help"] = getattr(page, "code_help", "")
    values.update(changes)
    return nested_form_data(values)


def test_draft_publish_and_revert_through_the_page_editor(space, client_http, admin_client):
    http, _installation = client_http
    edit = reverse("wagtailadmin_pages:edit", args=[space.pk])
    assert "Bienvenue dans votre espace (page)" in admin_client.get(edit).content.decode()
    space.save_revision().publish()  # a first revision to revert to

    response = admin_client.post(edit, _edit_data(space, intro="Nouveau mot d'accueil (brouillon)"))
    assert response.status_code == 302
    assert "Nouveau mot d'accueil" not in unescape(http.get("/espace-client/").content.decode())  # a draft
    assert (
        ClientSpacePage.objects.get(pk=space.pk).get_latest_revision_as_object().intro
        == "Nouveau mot d'accueil (brouillon)"
    )

    response = admin_client.post(
        edit, {**_edit_data(space, intro="Nouveau mot d'accueil (publié)"), "action-publish": "publish"}
    )
    assert response.status_code == 302
    assert "Nouveau mot d'accueil (publié)" in unescape(http.get("/espace-client/").content.decode())

    first = ClientSpacePage.objects.get(pk=space.pk).revisions.order_by("created_at", "pk").first()
    revert = reverse("wagtailadmin_pages:revisions_revert", args=[space.pk, first.pk])
    assert "Bienvenue dans votre espace (page)" in unescape(admin_client.get(revert).content.decode())
    response = admin_client.post(
        edit, {**_edit_data(space, intro=first.as_object().intro), "action-publish": "publish", "revision": first.pk}
    )
    assert response.status_code == 302
    assert "Bienvenue dans votre espace (page)" in unescape(http.get("/espace-client/").content.decode())


def test_the_page_preview_shows_the_draft_texts(space, admin_client):
    preview = reverse("wagtailadmin_pages:preview_on_edit", args=[space.pk])
    data = _edit_data(
        space,
        intro="Texte d'accueil en aperçu",
        emergency_text="Urgence en aperçu",
        request_form_intro="Formulaire en aperçu",
        maintenance_contract_text="Contrat en aperçu",
    )
    assert admin_client.post(preview, data).json()["is_valid"]
    response = admin_client.get(preview)
    html = unescape(response.content.decode())
    assert response.status_code == 200
    for text in ("Texte d'accueil en aperçu", "Urgence en aperçu", "Formulaire en aperçu", "Contrat en aperçu"):
        assert text in html


def test_the_pro_page_preview_shows_the_draft_texts(admin_client):
    page = pro_space_page()
    preview = reverse("wagtailadmin_pages:preview_on_edit", args=[page.pk])
    data = nested_form_data(
        {
            "title": page.title,
            "slug": page.slug,
            "intro": "Intro pro en aperçu",
            "spanc_upload_intro": "Dépôt en aperçu",
        }
    )
    assert admin_client.post(preview, data).json()["is_valid"]
    html = unescape(admin_client.get(preview).content.decode())
    assert "Intro pro en aperçu" in html and "Dépôt en aperçu" in html


def test_the_editor_form_groups_the_texts_with_help(space, admin_client):
    html = unescape(admin_client.get(reverse("wagtailadmin_pages:edit", args=[space.pk])).content.decode())
    for field in ("intro", "request_form_intro", "maintenance_contract_text", "emergency_text", "emergency_phone"):
        help_text = str(ClientSpacePage._meta.get_field(field).help_text)
        assert help_text and f'name="{field}"' in html
