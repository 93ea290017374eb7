"""The first connection does not swallow mistakes: no autofocus where a page
has more than one field (every logged-out screen, found by the URL sweep);
the "sent" page says what to do when nothing arrives, with the network's
phone as a link, and is the same response whether the code matched or not;
the code help names the document and shows where the code is printed (the
editor's picture with its words, or a drawing with a code of a real shape)."""

import re
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.test import Client as HttpClient
from django.urls import reverse
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Site

from aquatiris_portal.models import OutgoingMail
from aquatiris_portal.pages.client_space import ClientSpacePage
from aquatiris_portal.pages.first_connection import EXAMPLE_CLIENT_CODE, EXAMPLE_PRO_CODE, CodeFacsimileBlock
from aquatiris_portal.records.codes import canonical_code
from aquatiris_portal.snippets.site_settings import PortalSettings
from home.demo import people
from tests import factories
from tests.unit import _url_sweep as sweep
from tests.unit._url_sweep import _private_root, world  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_auth_delay")]
ACTIVATION = reverse("aquatiris_portal:activation")
LOGIN = reverse("aquatiris_portal:login")
INVENTED_CODE = "CLI-7H2M9"  # the old example, a shape no real code has


class Fields(HTMLParser):
    """The form fields a person fills on a page, and those with autofocus."""

    def __init__(self):
        super().__init__()
        self.fields, self.autofocus = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "select", "textarea"):
            if attrs.get("type") not in ("hidden", "submit", "button", "checkbox", "radio") and "hidden" not in attrs:
                self.fields.append(attrs.get("name"))
        if "autofocus" in attrs:
            self.autofocus.append(attrs.get("name") or tag)


def fields_of(response):
    parser = Fields()
    parser.feed(response.content.decode())
    return parser


# --- no autofocus where a page has more than one field --------------------------


def test_login_and_activation_pages_have_no_autofocus():
    for url in (LOGIN, ACTIVATION):
        page = fields_of(HttpClient().get(url))
        assert len(page.fields) >= 2 and page.autofocus == [], (url, page.fields, page.autofocus)


def test_every_logged_out_screen_autofocuses_only_a_lone_field(world):
    """Every URL of the portal (both spaces, their routes, the account
    screens), asked by a visitor, redirects followed: a page with an
    autofocus has that one field only."""
    http = HttpClient()
    checked = []
    for route in sweep.all_routes():
        if route.kind == "url" and route.namespace != sweep.APP and not route.namespace.startswith(sweep.APP):
            continue  # the admin's and documents' doors: not the spaces' screens
        try:
            url = sweep.url_for(route, world)
        except LookupError:  # a route the sweep cannot fill yet: test_second_factor_sweep names it
            continue
        response = http.get(url, follow=True)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        page = fields_of(response)
        checked.append(route.id)
        if page.autofocus:
            assert len(page.fields) == 1 and page.autofocus == page.fields, (route.id, page.fields, page.autofocus)
    assert {
        "aquatiris_portal:login",
        "aquatiris_portal:activation",
        "page:ClientSpacePage",
        "page:ProSpacePage",
    } <= set(checked), checked


# --- the "sent" page ----------------------------------------------------------------


def _network_phone(number):
    portal_settings = PortalSettings.for_site(Site.objects.get(is_default_site=True))
    portal_settings.network_phone = number
    portal_settings.save()


def _comparable(response):
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    # Date and Expires (never_cache: "now") are the clock's: both must be there, their seconds may differ.
    headers = {name: "<clock>" if name in ("Date", "Expires") else value for name, value in response.headers.items()}
    return response.status_code, body, headers, sorted(response.cookies)


def test_the_sent_page_is_the_same_response_whether_the_code_matched(settings):
    record = factories.client(email="anne.durand@example.org")
    _network_phone("02 99 00 00 99")
    matching = HttpClient().post(ACTIVATION, {"email": record.email, "code": record.code})
    assert OutgoingMail.objects.count() == 1  # the code matched: a link left
    wrong = HttpClient().post(ACTIVATION, {"email": record.email, "code": "AQ/22/9999"})
    assert OutgoingMail.objects.count() == 1  # it did not: nothing more
    for part, wrong_part, matching_part in zip(
        ("status", "body", "headers", "cookies"), _comparable(wrong), _comparable(matching), strict=True
    ):
        assert wrong_part == matching_part, part
    assert matching.status_code == 200
    assert "/lien/" not in matching.content.decode()  # the link travels by mail only


def test_the_sent_page_says_what_to_do_when_nothing_arrives():
    _network_phone("02 99 00 00 99")
    body = HttpClient().post(ACTIVATION, {"email": "nobody@example.org", "code": "AQ/22/0001"}).content.decode()
    assert '<a href="tel:0299000099">02 99 00 00 99</a>' in body
    assert "courrier indésirable" in body or "spam" in body  # the spam folder
    assert "10 minutes" in body
    assert "devis" in body and "facture" in body  # where to check the code
    assert "contactez votre expert" not in body.lower()


def test_without_a_network_phone_the_sent_page_names_someone_to_contact():
    body = HttpClient().post(ACTIVATION, {"email": "nobody@example.org", "code": "AQ/22/0001"}).content.decode()
    assert "tel:" not in body
    assert "installateur Aquatiris" in body


# --- the code help ----------------------------------------------------------------


def _space(world, **fields):
    page = world.pages[ClientSpacePage]
    for name, value in fields.items():
        setattr(page, name, value)
    page.save()
    return page


def test_example_codes_have_the_shapes_of_real_codes():
    real = {canonical_code(code) for *_, code in people.SHOWCASE.values()} | {
        canonical_code(spanc[1]) for spanc in people.SPANCS
    }
    assert canonical_code(EXAMPLE_CLIENT_CODE) in real and canonical_code(EXAMPLE_PRO_CODE) in real
    body = HttpClient().get(ACTIVATION).content.decode()
    assert INVENTED_CODE not in body
    assert EXAMPLE_CLIENT_CODE in body and EXAMPLE_PRO_CODE in body


def test_without_editor_content_the_code_help_names_the_document_and_draws_it(world):
    _space(world, code_help="", code_facsimile=[])
    body = HttpClient().get(ACTIVATION).content.decode()
    help_ = body.split('<details class="aqp-code-help">', 1)[1].split("</details>", 1)[0]
    assert "devis" in help_ and "facture" in help_
    assert f'<mark class="aqp-facsimile__code">{EXAMPLE_CLIENT_CODE}</mark>' in help_
    assert "<figcaption>" in help_


def test_the_editors_picture_and_words_replace_the_drawing(world):
    from wagtail.images import get_image_model

    image = get_image_model().objects.create(title="Facture", file=get_test_image_file(size=(800, 300)))
    alt = "Haut d’une facture : Client : Anne Durand (AQ/22/0457)"
    _space(
        world,
        code_help="Votre code est sur la lettre de bienvenue.",
        code_facsimile=[("facsimile", {"image": image, "alt_text": alt})],
    )
    body = HttpClient().get(ACTIVATION).content.decode()
    help_ = body.split('<details class="aqp-code-help">', 1)[1].split("</details>", 1)[0]
    assert "lettre de bienvenue" in help_ and "devis" not in help_
    img = re.search(r"<img [^>]+>", help_).group(0)
    assert 'alt="Haut d’une facture : Client : Anne Durand (AQ/22/0457)"' in img
    assert "srcset=" in img and "sizes=" in img  # responsive
    assert "aqp-facsimile__sheet" not in help_


def test_a_picture_without_its_words_is_refused():
    from wagtail.images import get_image_model

    image = get_image_model().objects.create(title="Facture", file=get_test_image_file())
    block = CodeFacsimileBlock()
    with pytest.raises(ValidationError):
        block.clean(block.to_python({"image": image.pk, "alt_text": ""}))
    assert block.clean(block.to_python({"image": image.pk, "alt_text": "Haut d’une facture"}))["alt_text"]


def test_editors_find_the_code_help_on_the_client_space_page(world):
    from html import unescape

    editor = HttpClient()
    factories.otp_login(editor, world.staff_user)
    page = world.pages[ClientSpacePage]
    html = unescape(editor.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode())
    assert "Première connexion" in html  # the panel
    assert 'name="code_help"' in html and "code_facsimile" in html
    assert "texte alternatif" in html or "alt_text" in html
