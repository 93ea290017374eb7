"""The SPANC's maintenance filter counts installations in service only.

"Sans entretien depuis plus de 24 mois" listed folders at the study, quote
or installation stage (nothing built, nothing to maintain), and a quote row
showed an installation date. Now: under the maintenance filter the stage
filter defaults to "En service" (commissioning or maintenance); a select
offers each stage and "Tous"; a study or quote row shows a dash for its
installation date; the count sentence says what is filtered; the export
says the same in its first row and its file name."""

import datetime
import re
from html import unescape
from io import BytesIO

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from aquatiris_portal.pages import pro_space_folders as folders_
from aquatiris_portal.pages.client_visits import add_months
from tests import factories
from tests.unit._pro_space import pro_space_page, verified_client

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
LONG_AGO = add_months(TODAY, -40)
STAGES = ["study", "quote", "installation", "commissioned", "maintenance"]
ALL = sorted(STAGES)


@pytest.fixture
def world():
    """One folder per stage, each installed (or planned) 40 months ago and never maintained."""
    page = pro_space_page()
    spanc = factories.spanc()
    made = {}
    for n, stage in enumerate(STAGES):
        made[stage] = factories.installation(
            spanc=spanc,
            stage=stage,
            installed_on=LONG_AGO,
            reference=f"AQ-2022-70{n}",
            client=factories.client(last_name=f"Nom{stage.capitalize()}", first_name="Anne"),
        )
    return {"page": page, "folders": made, "http": verified_client(factories.spanc_user(spanc))}


def listed(world, **params):
    html = unescape(world["http"].get(world["page"].url, params).content.decode())
    names = re.findall(r'<th scope="row"[^>]*>\s*<a href="[^"]+">Nom(\w+)', html)
    return sorted(name.lower() for name in names), html


def status(html):
    return " ".join(re.search(r'<p role="status">(.*?)</p>', html, re.S).group(1).split())


def row_of(html, stage):
    return re.search(rf"Nom{stage.capitalize()}.*?</tr>", html, re.S).group(0)


def test_the_maintenance_filter_counts_installations_in_service_only(world):
    names, html = listed(world, overdue=24)
    assert names == ["commissioned", "maintenance"]
    assert re.search(r'<option value="service" selected>En service</option>', html)
    assert status(html).startswith(
        "2 dossiers sur votre territoire correspondent : sans entretien depuis plus de 24 mois, en service."
    )


def test_the_stage_filter_picks_one_stage_or_all(world):
    names, html = listed(world, overdue=24, stage="quote")
    assert names == ["quote"]
    assert (
        "1 dossier sur votre territoire correspond : sans entretien depuis plus de 24 mois, étape « Devis »."
        in status(html)
    )
    names, html = listed(world, overdue=24, stage="all")
    assert names == ALL and "toutes les étapes" in status(html)
    assert re.search(r'<option value="all" selected>Tous</option>', html)
    # The stage filter alone, and an unknown value (no filter: the defaults).
    assert listed(world, stage="installation")[0] == ["installation"]
    assert listed(world, stage="nonsense")[0] == ALL
    assert listed(world, overdue=24, stage="nonsense")[0] == ["commissioned", "maintenance"]


def test_the_plain_list_shows_every_stage_and_says_nothing_filtered(world):
    names, html = listed(world)
    assert names == ALL
    assert status(html).startswith("5 dossiers sur votre territoire.")
    # "Tous" is sent as "": picking "24 months" there and submitting gets the
    # maintenance filter's default (in service), not every stage.
    assert re.search(r'<option value="" selected>Tous</option>', html)
    assert listed(world, overdue=24, stage="")[0] == ["commissioned", "maintenance"]


def test_a_quote_or_study_row_shows_no_installation_date(world):
    _names, html = listed(world, stage="all")
    date = LONG_AGO.strftime("%d/%m/%Y")
    for stage in ("study", "quote"):
        assert date not in row_of(html, stage), stage
        assert 'data-label="Date d\'installation">—</td>' in row_of(html, stage), stage
    for stage in ("installation", "commissioned", "maintenance"):
        assert f'datetime="{LONG_AGO.isoformat()}"' in row_of(html, stage), stage


def test_the_filter_travels_through_folder_links(world):
    _names, html = listed(world, overdue=24, stage="quote")
    link = re.search(r'<th scope="row"[^>]*>\s*<a href="([^"]+)"', html).group(1)
    assert "overdue=24" in link and "stage=quote" in link
    # The default is not repeated in links.
    _names, html = listed(world, overdue=24)
    assert "stage=" not in re.search(r'<th scope="row"[^>]*>\s*<a href="([^"]+)"', html).group(1)


def test_the_export_says_its_filter_and_keeps_the_screens_columns(world):
    response = world["http"].get(world["page"].url + "export/", {"overdue": 24})
    assert re.search(
        r'filename="dossiers-spanc-sans-entretien-depuis-plus-de-24-mois-en-service-\d{4}-\d\d-\d\d\.xlsx"',
        response["Content-Disposition"],
    ), response["Content-Disposition"]
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows())
    assert rows[0][0].value == "Filtre : sans entretien depuis plus de 24 mois, en service"
    heading = [cell.value for cell in rows[1]]
    assert heading[:9] == [
        "Client",
        "Adresse",
        "Code postal",
        "Commune",
        "Référence de l'installation",
        "Capacité",
        "Étape",
        "Date d'installation",
        "Dernier entretien",
    ], heading
    by_name = {row[0].value.split()[0]: row for row in rows[2:]}
    assert sorted(by_name) == ["NomCommissioned", "NomMaintenance"]
    installed = by_name["NomCommissioned"][7]
    assert (
        installed.is_date
        and installed.number_format == "dd/mm/yyyy"
        and str(installed.value)[:10] == LONG_AGO.isoformat()
    )


def test_the_exports_quote_row_has_no_installation_date(world):
    response = world["http"].get(world["page"].url + "export/", {"stage": "quote"})
    rows = list(load_workbook(BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    assert rows[0][0] == "Filtre : étape « Devis »"
    (quote,) = rows[2:]
    assert quote[6] == "Devis" and quote[7] is None


@hypothesis_settings(max_examples=200, deadline=None)
@given(
    query=st.text(max_size=120),
    stage=st.sampled_from([*STAGES, "service", "all", "x"]),
    months=st.sampled_from([None, 12, 24]),
)
def test_the_export_file_name_is_plain_ascii_whatever_was_searched(query, stage, months):
    parts = folders_.filter_parts(folders_.clean_query(query), months, folders_.clean_stage(stage, months))
    name = folders_.export_filename(TODAY, parts)
    assert re.fullmatch(r"dossiers-spanc(-[a-z0-9_-]+)?-\d{4}-\d\d-\d\d\.xlsx", name), name
    assert len(name) <= 130
