"""The folder list's rows written in Python (pro_space_list_page.rows_html):
for a fixed page, the markup the list has always had, every value escaped
(a name with <script>, « N'Diaye & fils », quotes in a reference), the
fixed texts in the language of the request."""

from types import SimpleNamespace

from django.utils import translation
from django.utils.safestring import SafeString

from aquatiris_portal.pages.pro_space_list_page import rows_html


def _rows():
    return [
        {
            "folder": SimpleNamespace(pk=7),
            "url": "/espace-pro/dossiers/7/?q=a&sort=-commune",
            "new": True,
            "name": "<script>alert(1)</script> Zoé",
            "town": "Saint-Malo (35400)",
            "address": "« N'Diaye & fils »",
            "reference": 'AQ-"7"',
            "capacity": "5 EH",
            "installed": {"iso": "2020-01-02", "text": "02/01/2020"},
            "stage": "En service",
            "maintenance": None,
            "documents": 3,
            "latest": {"iso": "2026-03-04T10:11:12+01:00", "text": "04/03/2026"},
            "proof": {"status": "overdue", "text": "en retard"},
        },
        {
            "folder": SimpleNamespace(pk=8),
            "url": "/espace-pro/dossiers/8/",
            "new": False,
            "name": "Martin Paul",
            "town": "Dinan",
            "address": "—",
            "reference": "AQ-8",
            "capacity": "—",
            "installed": None,
            "stage": "Étude",
            "maintenance": {"iso": "2025-05-06", "text": "06/05/2025"},
            "documents": 0,
            "latest": None,
            "proof": None,
        },
    ]


# What the list wrote for these rows before its fixed texts were translated once per process.
EXPECTED_FR = (
    '<tr><th scope="row" data-label="Client"><a href="/espace-pro/dossiers/7/?q=a&amp;sort=-commune">'
    '&lt;script&gt;alert(1)&lt;/script&gt; Zoé</a> <span class="aqp-badge">Nouveau</span></th>'
    '<td data-label="Commune">Saint-Malo (35400)</td>'
    '<td data-label="Adresse">« N&#x27;Diaye &amp; fils »</td>'
    '<td data-label="Référence de l&#x27;installation">AQ-&quot;7&quot;</td>'
    '<td data-label="Capacité">5 EH</td>'
    '<td data-label="Date d&#x27;installation"><time datetime="2020-01-02">02/01/2020</time></td>'
    '<td data-label="Étape">En service</td>'
    '<td data-label="Dernier entretien">—</td>'
    '<td data-label="Documents">3</td>'
    '<td data-label="Dernier document"><time datetime="2026-03-04T10:11:12+01:00">04/03/2026</time></td>'
    '<td data-label="Justificatif"><span class="aqp-proof aqp-proof--overdue">en retard</span></td>'
    '<td data-label="Choisir"><input type="checkbox" name="folder" value="7" id="aqp-folder-7" '
    'aria-label="Choisir &lt;script&gt;alert(1)&lt;/script&gt; Zoé (AQ-&quot;7&quot;)"></td></tr>\n'
    '<tr><th scope="row" data-label="Client"><a href="/espace-pro/dossiers/8/">Martin Paul</a></th>'
    '<td data-label="Commune">Dinan</td>'
    '<td data-label="Adresse">—</td>'
    '<td data-label="Référence de l&#x27;installation">AQ-8</td>'
    '<td data-label="Capacité">—</td>'
    '<td data-label="Date d&#x27;installation">—</td>'
    '<td data-label="Étape">Étude</td>'
    '<td data-label="Dernier entretien"><time datetime="2025-05-06">06/05/2025</time></td>'
    '<td data-label="Documents">0</td>'
    '<td data-label="Dernier document">—</td>'
    '<td data-label="Justificatif">—</td>'
    '<td data-label="Choisir"><input type="checkbox" name="folder" value="8" id="aqp-folder-8" '
    'aria-label="Choisir Martin Paul (AQ-8)"></td></tr>\n'
)


def test_the_rows_are_the_lists_markup_with_every_value_escaped():
    with translation.override("fr"):
        html = rows_html(_rows())
    assert isinstance(html, SafeString)
    assert html == EXPECTED_FR
    assert "<script>" not in html and "N'Diaye & fils" not in html


def test_the_fixed_texts_follow_the_language_of_each_request():
    with translation.override("fr"):
        french = rows_html(_rows())
    with translation.override("en"):
        english = rows_html(_rows())
    with translation.override("fr"):
        again = rows_html(_rows())
    assert 'data-label="Town"' in english and "Choose Martin Paul (AQ-8)" in english
    assert '<span class="aqp-badge">New</span>' in english
    assert french == again == EXPECTED_FR
