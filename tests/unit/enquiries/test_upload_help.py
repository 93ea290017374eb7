"""The help of a file field is one sentence built from the limits its
checks enforce (uploads.limits_help): it names each accepted kind, the
count and the size, never contradicts them, and is shown once per field,
tied to the input by aria-describedby."""

import re
from decimal import Decimal
from html import unescape

import pytest
from django.test import Client as HttpClient
from django.utils import translation
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from wagtail.models import Site

from aquatiris_portal.pages.client_space import ClientSpacePage
from aquatiris_portal.snippets.models import SpancDocumentType
from aquatiris_portal.uploads import KINDS, PDF_ONLY, PHOTO_AND_PDF, accept_attribute, limits_help, size_text
from tests import factories
from tests.unit._pro_space import pro_space_page, verified_client

LABELS = {"pdf": "PDF", "jpeg": "JPEG", "png": "PNG", "heic": "HEIC", "docx": "Word (DOCX)"}
UNITS = {
    "fr": {"Go": 1 << 30, "Mo": 1 << 20, "Ko": 1 << 10, "octet": 1, "octets": 1},
    "en": {"GB": 1 << 30, "MB": 1 << 20, "KB": 1 << 10, "byte": 1, "bytes": 1},
}
kinds = st.lists(st.sampled_from(sorted(KINDS)), min_size=1, max_size=5, unique=True)


def _bytes_said(sentence, language):
    """The size the sentence states, in bytes, and its number as written."""
    units = "|".join(sorted(UNITS[language], key=len, reverse=True))
    number, unit = re.search(rf"(\d[\d\s]*(?:[.,]\d)?)\s({units})\b", sentence).groups()
    decimal_mark = "," if language == "fr" else "."
    value = Decimal(re.sub(r"\s", "", number).replace(decimal_mark, "."))
    return value * UNITS[language][unit], number


@pytest.mark.properties
@hypothesis_settings(max_examples=300, deadline=None)
@given(count=st.integers(1, 50), size=st.integers(1, 20 << 30), allowed=kinds, language=st.sampled_from(["fr", "en"]))
def test_the_help_is_one_sentence_naming_each_limit_and_nothing_else(count, size, allowed, language):
    with translation.override(language):
        sentence = str(limits_help(allowed, max_files=count, max_bytes=size))
    flat = re.sub(r"\s", " ", sentence)
    # One sentence: one full stop, at its end (a decimal mark is never followed by a space).
    assert re.findall(r"[.!?](?: |$)", flat) == ["."] and flat.endswith(".")
    # Each accepted kind named, no other kind; never "only"/"uniquement" (a list says it).
    for kind, label in LABELS.items():
        assert (label in flat) == (kind in allowed), (kind, flat)
    assert "uniquement" not in flat and "only" not in flat.lower()
    # The count: a number for several files, "one file" for one.
    if count == 1:
        assert re.search(r"\b(Un fichier|One file)\b", flat) and not re.search(r"\d+ (fichiers|files)", flat)
    else:
        assert re.search(rf"\b{count} (fichiers|files)\b", flat)
    # The size: never more than the limit (a file the help allows is accepted), less than a tenth of a unit below.
    said, number = _bytes_said(flat, language)
    assert said <= size
    unit = max(base for base in (1 << 30, 1 << 20, 1 << 10, 1) if size >= base)
    assert size - said < (Decimal(unit) / 10 if unit > 1 else 1)
    assert ("," in number) == (language == "fr" and not number.replace(" ", "").isdigit())


@pytest.mark.properties
@given(size=st.integers(1, 20 << 30))
def test_a_refused_file_never_seems_within_the_limit(size):
    # The error says the file's size rounded up, the limit rounded down: "10,1 Mo > 10 Mo", never "10 Mo > 10 Mo".
    with translation.override("fr"):
        assert (
            _bytes_said(size_text(size, up=True) + " :", "fr")[0]
            >= size
            >= _bytes_said(size_text(size) + " :", "fr")[0]
        )


def test_the_french_sentence_reads_as_agreed():
    with translation.override("fr"):
        assert (
            str(limits_help(PHOTO_AND_PDF, max_files=5, max_bytes=10 << 20))
            == "Jusqu’à 5 fichiers de 10 Mo chacun : PDF, JPEG, PNG ou HEIC."
        )
        assert str(limits_help(PDF_ONLY, max_files=1, max_bytes=5 << 19)) == "Un fichier de 2,5 Mo au plus : PDF."


def test_the_pickers_accept_is_the_checks_kinds():
    assert accept_attribute(PDF_ONLY) == ".pdf,application/pdf"
    assert set(accept_attribute(PHOTO_AND_PDF).split(",")) >= {".pdf", ".jpg", ".jpeg", ".png", ".heic", ".heif"}


# --- every form with a file field: the help once, tied to the input ------------------


def _file_inputs(html):
    return re.findall(r"<input[^>]*type=\"file\"[^>]*>", html)


def _assert_help_once_and_described(html, sentence):
    html = unescape(html)
    assert html.count(sentence) == 1, html.count(sentence)
    inputs = _file_inputs(html)
    assert len(inputs) == 1
    # No second text about the limits beside it (an editor's copy once was).
    field = html[: html.index(inputs[0])].rsplit('<div class="aqp-field', 1)[1]
    assert len(re.findall(r'class="aqp-help[" ]', field)) == 1, field
    described = re.search(r'aria-describedby="([^"]+)"', inputs[0]).group(1).split()
    helps = [re.search(rf'id="{name}"[^>]*>([^<]*)<', html) for name in described]
    assert any(found and found.group(1).strip() == sentence for found in helps), described


@pytest.fixture
def client_space(db):
    root = Site.objects.get(is_default_site=True).root_page
    page = root.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))
    client = factories.client()
    installation = factories.installation(client=client)
    http = HttpClient()
    http.force_login(factories.client_user(client))
    return {"page": page, "http": http, "installation": installation, "client": client}


def test_the_contact_form_says_its_limits_once_next_to_the_input(client_space, settings):
    settings.AQUATIRIS_PORTAL_UPLOAD_MAX_FILES = 3
    page, http = client_space["page"], client_space["http"]
    html = http.get(page.url + page.reverse_subpage("contact")).content.decode()
    _assert_help_once_and_described(html, str(limits_help(PHOTO_AND_PDF)))
    assert "Jusqu’à 3 fichiers" in unescape(html)


def test_the_thread_reply_says_its_limits_once_next_to_the_input(client_space):
    from aquatiris_portal.models import PortalRequest

    page, http = client_space["page"], client_space["http"]
    request = PortalRequest.objects.create(
        kind=PortalRequest.Kind.QUESTION,
        client=client_space["client"],
        installation=client_space["installation"],
        message="Bonjour",
        subject_label="Question",
    )
    html = http.get(page.url + page.reverse_subpage("request_detail", args=[request.reference])).content.decode()
    _assert_help_once_and_described(html, str(limits_help(PHOTO_AND_PDF)))


@pytest.mark.django_db
def test_the_spanc_upload_says_its_limits_once_and_its_required_marker_truly():
    page = pro_space_page()
    spanc = factories.spanc()
    installation = factories.installation(spanc=spanc)
    SpancDocumentType.objects.create(name="Rapport de contrôle", is_control_report=True)
    http = verified_client(factories.spanc_user(spanc))
    html = http.get(f"{page.url}dossiers/{installation.pk}/envoyer/").content.decode()
    _assert_help_once_and_described(html, str(limits_help(PDF_ONLY)))
    text = unescape(html)
    # The statement at the top names the marker the labels really carry.
    assert "*" not in re.sub(r"<[^>]+>", "", text.split("<form", 1)[1]).replace("/*", "")
    assert "Les champs marqués « (obligatoire) » doivent être remplis." in text
    for name in ("document_type", "issued_on", "file"):
        label = re.search(rf'<label for="id_{name}">(.*?)</label>', text, re.S).group(1)
        assert "(obligatoire)" in label, name
        field = re.search(rf'<(?:input|select)[^>]*name="{name}"[^>]*>', text).group(0)
        assert " required" in field, name
    # The result is asked, not marked required: its help says when it is.
    assert "(obligatoire)" not in re.search(r'<label for="id_control_result">(.*?)</label>', text, re.S).group(1)
    assert "Obligatoire pour un rapport de contrôle (Rapport de contrôle)." in text
    assert "Fields marked with *" not in text and "Les champs marqués d’un *" not in text
