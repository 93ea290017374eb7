"""The folder page's document list written in Python
(pro_space_folder_html.documents_html): for a fixed folder, the markup
folder.html's loop wrote (tags, texts, links, dates in the local time), every
value escaped (<script>, « N'Diaye & fils »), in the request's language."""

import datetime
import re
from pathlib import Path

import pytest
from django.template import engines
from django.utils import timezone, translation

from aquatiris_portal.pages.pro_space_folder_html import documents_html
from aquatiris_portal.records.models import DocumentSource
from tests import factories

pytestmark = pytest.mark.django_db

# folder.html's document loop as it was: the reference the Python must match.
BEFORE = (Path(__file__).parent / "pro_folder_documents_before.html").read_text()


def _squeezed(html):
    return re.sub(r">\s+<", "><", str(html)).strip()


@pytest.fixture
def documents():
    spanc = factories.spanc()
    folder = factories.installation(spanc=spanc)
    late_evening = timezone.make_aware(datetime.datetime(2026, 3, 4, 23, 30), datetime.UTC)  # the 5th in Paris
    made = [
        factories.document(folder, title="<script>alert(1)</script> Étude", note="« N'Diaye & fils »"),
        factories.document(
            folder,
            title="Rapport de contrôle",
            document_type="Contrôle <périodique>",
            control_result="compliant",
            source=DocumentSource.SPANC_UPLOAD,
            uploaded_by_spanc=spanc,
            issued_on=datetime.date(2025, 12, 31),
            content_type="image/png",
        ),
        factories.document(
            folder, title="Envoi", source=DocumentSource.SPANC_UPLOAD, uploaded_by_spanc=spanc, created_at=late_evening
        ),
        factories.document(folder, title="Vide", size=0, content_type=""),
    ]
    made[1].sender = "Zoé <Agent> & co"
    made[2].sender = ""
    return made


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_documents_are_the_loops_markup(documents, language):
    with translation.override(language):
        expected = engines["django"].from_string(BEFORE).render({"documents": documents})
        html = documents_html(documents)
    assert _squeezed(html) == _squeezed(expected)


def test_every_value_is_escaped(documents):
    with translation.override("fr"):
        html = documents_html(documents)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; Étude" in html
    assert "« N&#x27;Diaye &amp; fils »" in html
    assert "Envoyé par Zoé &lt;Agent&gt; &amp; co" in html
    assert "Contrôle &lt;périodique&gt;" in html
    assert '<time datetime="2026-03-05">05/03/2026</time>' in html  # the local day, not UTC's
