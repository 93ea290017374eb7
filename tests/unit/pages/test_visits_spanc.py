"""Visits on the pro side: the folder shows the
visits shared with SPANC (kind, dates, summary, SPANC-visible reports) and
never a client-only one nor another territory's; the folder list's "last
maintenance" column (sortable, from the installation's index), the filter
"no maintenance for more than N months" (setting, a choice), the Excel
export's column."""

import datetime
import re
from html import unescape
from io import BytesIO

import pytest
from openpyxl import load_workbook

from aquatiris_portal.models import Visit
from aquatiris_portal.pages.client_visits import add_months
from tests import factories
from tests.unit._pro_space import pro_space_page, verified_client

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def visit(installation, vid, **kw):
    data = dict(
        external_id=vid, installation=installation, kind="maintenance", visible_to_client=True, visible_to_spanc=True
    )
    data.update(kw)
    return Visit.objects.create(**data)


@pytest.fixture
def world():
    page = pro_space_page()
    spanc = factories.spanc()
    old = add_months(TODAY, -30)
    folders = {
        # name: (installed_on, last_maintenance_on)
        "Abgrall": (add_months(TODAY, -60), add_months(TODAY, -25)),  # overdue at 24
        "Bihan": (add_months(TODAY, -60), add_months(TODAY, -3)),  # fine
        "Cadiou": (old, None),  # never maintained, installed 30 months ago: overdue
        "Derrien": (add_months(TODAY, -6), None),  # installed recently: not overdue
        "Even": (None, None),  # not installed: nothing to maintain
    }
    made = {}
    for n, (name, (installed, last)) in enumerate(folders.items()):
        made[name] = factories.installation(
            spanc=spanc,
            installed_on=installed,
            last_maintenance_on=last,
            reference=f"AQ-2020-80{n}",
            client=factories.client(last_name=name),
        )
    # Another territory, overdue: never listed.
    factories.installation(spanc=factories.spanc(), installed_on=old, client=factories.client(last_name="Ailleurs"))
    user = factories.spanc_user(spanc)
    return {"page": page, "spanc": spanc, "folders": made, "http": verified_client(user)}


def names(html):
    return re.findall(r'<th scope="row"[^>]*>\s*<a href="[^"]+">(\w+)', html)


def test_folder_shows_shared_visits_and_spanc_reports_only(world):
    folder = world["folders"]["Abgrall"]
    for_spanc = factories.document(folder, title="Rapport SPANC", visible_to_client=False, visible_to_spanc=True)
    client_only = factories.document(folder, title="Rapport client", visible_to_client=True, visible_to_spanc=False)
    visit(folder, "V-SHARED", done_on=TODAY, summary="Filtre vérifié", report_document=for_spanc)
    visit(
        folder,
        "V-CLIENT-REPORT",
        done_on=TODAY,
        summary="Passage partagé",
        report_document=client_only,
        kind="emptying",
    )
    visit(folder, "V-CLIENT-ONLY", done_on=TODAY, summary="Visite privée", visible_to_spanc=False)
    visit(folder, "V-PLANNED", planned_for=TODAY + datetime.timedelta(days=9), kind="spanc_inspection")
    html = unescape(world["http"].get(f"{world['page'].url}dossiers/{folder.pk}/").content.decode())
    visits = html.split('id="aqp-pro-visits-heading"', 1)[1].split("</section>", 1)[0]
    assert "Filtre vérifié" in visits and "Passage partagé" in visits
    assert "Visite privée" not in html
    assert f"/{for_spanc.pk}/" in visits and f"/{client_only.pk}/" not in visits
    assert (TODAY + datetime.timedelta(days=9)).strftime("%d/%m/%Y") in visits


def test_visits_of_another_territory_are_never_shown(world):
    other = factories.installation(spanc=factories.spanc())
    visit(other, "V-ELSEWHERE", done_on=TODAY, summary="Ailleurs")
    assert world["http"].get(f"{world['page'].url}dossiers/{other.pk}/").status_code == 404


def test_filter_lists_exactly_the_overdue_folders_of_the_territory(world, settings):
    html = unescape(world["http"].get(world["page"].url, {"overdue": 24}).content.decode())
    assert sorted(names(html)) == ["Abgrall", "Cadiou"]
    assert re.search(r'<option value="24" selected>', html)
    # The count says it is filtered, and offers the way back to every folder.
    status = re.search(r'<p role="status">(.*?)</p>', html, re.S).group(1)
    assert (
        "2 dossiers sur votre territoire correspondent : sans entretien depuis plus de 24 mois, en service." in status
    )
    assert re.search(r'<a href="[^"?]*/">Afficher tous les dossiers</a>', status)
    html = unescape(world["http"].get(world["page"].url, {"overdue": 36}).content.decode())
    assert names(html) == []
    # An unknown choice is no filter; the setting's value is a choice.
    assert len(names(unescape(world["http"].get(world["page"].url, {"overdue": 7}).content.decode()))) == 5
    settings.AQUATIRIS_PORTAL_SPANC_MAINTENANCE_OVERDUE_MONTHS = 7
    html = unescape(world["http"].get(world["page"].url, {"overdue": 7}).content.decode())
    assert sorted(names(html)) == ["Abgrall", "Cadiou"]


def test_last_maintenance_column_sorts_both_ways(world):
    html = unescape(world["http"].get(world["page"].url, {"sort": "maintenance"}).content.decode())
    listed = names(html)
    assert listed.index("Abgrall") < listed.index("Bihan")
    assert add_months(TODAY, -3).strftime("%d/%m/%Y") in html
    reverse = names(unescape(world["http"].get(world["page"].url, {"sort": "-maintenance"}).content.decode()))
    assert reverse.index("Bihan") < reverse.index("Abgrall")


def test_the_filter_travels_through_the_folder_link(world):
    html = unescape(world["http"].get(world["page"].url, {"overdue": 24}).content.decode())
    assert "overdue=24" in re.search(r'<th scope="row"[^>]*>\s*<a href="([^"]+)"', html).group(1)


def test_excel_export_carries_last_maintenance_and_the_filter(world):
    response = world["http"].get(world["page"].url + "export/", {"overdue": 24})
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(workbook.active.values)
    heading = list(rows[1])  # under the filter's line
    column = heading.index("Dernier entretien") if "Dernier entretien" in heading else heading.index("Last maintenance")
    by_name = {row[0].split()[0]: row[column] for row in rows[2:]}
    assert set(by_name) == {"Abgrall", "Cadiou"}
    assert str(by_name["Abgrall"])[:10] == add_months(TODAY, -25).isoformat() and not by_name["Cadiou"]
