"""The installation and documents screens write their repeated rows in
Python (pages/installation_screen.py) rather than through template nodes:
the page is the same as the templates wrote it, and whatever comes from the
records (names, titles, a technician, a summary, a SPANC's document type) is
escaped."""

import datetime
import os
import re
from pathlib import Path

import pytest
from django.test import Client as HttpClient
from wagtail.models import Site

from aquatiris_portal.models import PortalAccount, PortalDocument
from aquatiris_portal.pages.client_space import ClientSpacePage
from aquatiris_portal.records.visits import Visit
from tests import factories

pytestmark = pytest.mark.django_db

# The screens' content as the templates wrote it before their rows moved to
# Python, for the fixture below (AQP_WRITE_GOLDEN=1 writes them again).
GOLDEN = Path(__file__).with_name("installation_screen_golden")
HOSTILE = "<script>alert(1)</script> « N'Diaye & fils »"
AT = datetime.datetime(2026, 3, 1, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def screens():
    """A client with two installations (a switcher), documents of every
    shape (PDF and Word, a theme or none, a SPANC control report, dated on
    the 1st), visits done with and without a readable report, one planned,
    and what people typed carrying markup."""
    site = Site.objects.get(is_default_site=True)
    site.root_page.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))
    client = factories.client(pk=7001)
    franchisee = factories.franchisee(
        company=f"Installateur {HOSTILE}", phone="02 99 00 00 01", email="installateur@example.org"
    )
    first = factories.installation(
        pk=7101,
        client=client,
        franchisee=franchisee,
        reference="AQ-2019-7101",
        label=f"Filtre 5 EH {HOSTILE}",
        address_line1=f"La Ville {HOSTILE}",
        city="Saint-Père",
        stage="commissioned",
        installed_on=datetime.date(2019, 6, 1),
        maintenance_contract_status="active",
        maintenance_contract_until=datetime.date(2099, 1, 1),
        maintenance_contract_every_months=12,
        last_maintenance_on=datetime.date(2019, 6, 1),
    )
    factories.installation(pk=7102, client=client, reference="AQ-2021-7102", address_line1="Le Bourg", city="Dinan")
    study = factories.theme("etude", f"Étude {HOSTILE}", 10)
    spanc_theme = factories.theme("spanc", "Documents SPANC", 50)
    documents = [
        dict(pk=7201, title=f"Étude {HOSTILE}", theme=study, issued_on=datetime.date(2024, 3, 1)),
        dict(pk=7202, title="Plan", theme=study, content_type="application/msword", filename="plan.doc"),
        dict(
            pk=7203,
            title="Contrôle de bon fonctionnement",
            theme=spanc_theme,
            control_result="not_compliant_works_advised",
            document_type=f"Rapport {HOSTILE}",
            issued_on=datetime.date(2025, 11, 27),
        ),
        dict(pk=7204, title="Contrôle de conception", theme=spanc_theme, control_result="compliant"),
        dict(pk=7205, title="Sans thème", theme=None, created_at=AT - datetime.timedelta(days=400)),
        dict(pk=7206, title="Rapport de vidange", theme=None),
        dict(pk=7207, title="Caché", theme=study, visible_to_client=False),
    ]
    for n, data in enumerate(documents):
        factories.document(first, **{"created_at": AT + datetime.timedelta(hours=n), **data})
    hidden_report = PortalDocument.objects.get(pk=7207)
    readable_report = PortalDocument.objects.get(pk=7206)
    visits = [
        dict(done_on=datetime.date(2025, 11, 1), technician=f"Yann {HOSTILE}", summary=f"Ligne 1\n{HOSTILE}"),
        dict(done_on=datetime.date(2024, 5, 27), kind="emptying", report_document=readable_report),
        dict(done_on=datetime.date(2023, 5, 27), kind="repair", report_document=hidden_report, summary="Pompe"),
        dict(planned_for=datetime.date(2099, 1, 5), slot="morning", technician="Maëlle Kerjean"),
    ]
    for n, data in enumerate(visits):
        data = {"kind": "maintenance", **data}
        Visit.objects.create(pk=7301 + n, external_id=f"V-{n}", installation=first, visible_to_client=True, **data)
    user = factories.client_user(client)
    PortalAccount.objects.filter(user=user).update(previous_visit_at=AT - datetime.timedelta(days=30))
    http = HttpClient()
    http.force_login(user)
    return http


def content(http, url):
    """The screen's own part (from its header to the layout's end: the idle
    dialog or the main element's end), one tag a line, without the CSRF
    token nor the closing tags of the layout."""
    response = http.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    html = html[html.index('<header class="aqp-installation-header">') : html.index("</main>")].split("<dialog")[0]
    html = re.sub(r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]*">', "", html)
    # Whitespace between tags is the templates' layout, not the page's: one tag a line.
    html = re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()
    lines = html.replace("><", ">\n<").splitlines()
    while lines and lines[-1] == "</div>":
        lines.pop()
    return "\n".join(lines) + "\n"


SCREENS = {
    "installation": "/espace-client/installations/7101/",
    "documents": "/espace-client/installations/7101/documents/",
    "warranty": "/espace-client/installations/7101/garantie/",
}


@pytest.mark.parametrize("screen", SCREENS)
def test_the_screen_is_what_the_templates_wrote(screens, screen, settings):
    settings.LANGUAGE_CODE = "fr"
    page = content(screens, SCREENS[screen])
    golden = GOLDEN / f"{screen}.html"
    if os.environ.get("AQP_WRITE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(page)
    assert page == golden.read_text()


@pytest.mark.parametrize("screen", SCREENS)
def test_what_people_typed_is_escaped(screens, screen):
    page = content(screens, SCREENS[screen])
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; « N&#x27;Diaye &amp; fils »" in page


def test_each_row_says_what_it_is(screens):
    documents = content(screens, SCREENS["documents"])
    assert documents.count('class="aqp-document"') == 6  # the hidden one left out
    assert "1er mars 2024" in documents or "1 March 2024" in documents
    # A PDF opens in a tab; a Word file is only downloaded.
    assert documents.count("/portail/documents/7201/voir/") == 1 and "/portail/documents/7202/voir/" not in documents
    assert 'href="/portail/documents/7202/" download' in documents
    # New since the previous visit: all but the one added before it.
    assert documents.count("aqp-badge--new") == 5
    installation = content(screens, SCREENS["installation"])
    # The report the client may read is linked; the hidden one is not.
    assert "/portail/documents/7206/" in installation and "/portail/documents/7207/" not in installation
    assert "Ligne 1<br>&lt;script&gt;" in installation
