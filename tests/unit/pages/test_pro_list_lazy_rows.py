"""The folder list written straight from its query's tuples
(pro_space_list_page.rows_html_of) is the markup of the eager path (model
instances, folder_rows' dicts, rows_html) for drawn folders: names with
<script>, « N'Diaye & fils », quotes, NUL, empty postcodes and addresses,
every stage and proof state, the "new" badge. The page's instances and the
rows' dicts are made only when read, and are then the eager path's."""

import datetime
from unittest import mock

import pytest
from django.utils import formats, timezone, translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from aquatiris_portal.enquiries.proof_models import ProofStatus
from aquatiris_portal.pages import pro_space_folders as folders_
from aquatiris_portal.pages import pro_space_list_page as list_page
from aquatiris_portal.records.models import Client, Installation, Stage
from tests import factories
from tests.unit._pro_space import bulk_folders, pro_space_page, verified_client

TEXT = st.one_of(
    st.sampled_from(["<script>alert(1)</script>", "« N'Diaye & fils »", 'AQ-"7"', "Zoé", "", "a\0b"]),
    st.text(max_size=12),
)
DAY = st.dates(min_value=datetime.date(1990, 1, 1), max_value=datetime.date(2040, 12, 31))
MOMENT = st.datetimes(
    min_value=datetime.datetime(2000, 1, 1), max_value=datetime.datetime(2040, 1, 1), timezones=st.just(datetime.UTC)
)
LABEL = st.one_of(TEXT, st.sampled_from(["Filtre planté de roseaux 5 EH", "Micro-station 12 EH", "4 EH <b>"]))
PREVIOUS = datetime.datetime(2020, 6, 1, tzinfo=datetime.UTC)


@st.composite
def _tuples(draw):
    """One page's rows, in pro_space_list_page.COLUMNS' order."""
    count = draw(st.integers(0, 6))
    rows = []
    for pk in range(1, count + 1):
        values = {
            "id": pk,
            "client_id": 100 + pk,
            "spanc_id": 1,
            "address_line1": draw(TEXT),
            "postcode": draw(st.one_of(st.just(""), TEXT)),
            "city": draw(TEXT),
            "reference": draw(TEXT),
            "label": draw(LABEL),
            "installed_on": draw(st.none() | DAY),
            "stage": draw(st.sampled_from(Stage.values)),
            "last_maintenance_on": draw(st.none() | DAY),
            "client__id": 100 + pk,
            "client__first_name": draw(TEXT),
            "client__last_name": draw(TEXT),
            "document_count": draw(st.integers(0, 40)),
            "latest_document_at": draw(st.none() | MOMENT),
            "latest_received_at": draw(st.none() | MOMENT),
            "proof_status": draw(st.sampled_from([None, *ProofStatus.values])),
            "proof_due_on": draw(st.none() | DAY),
            "list_total": count,
        }
        rows.append(tuple(values[name] for name in list_page.COLUMNS))
    return rows


def _url_of(pk):
    return f"/espace-pro/dossiers/{pk}/?q=a&sort=-commune"


def _eager(rows, previous):
    """What the list wrote before: instances, folder_rows' dicts, rows_html."""
    folders = list_page.to_folders(rows)
    return list_page.rows_html(folders_.folder_rows(folders, previous, lambda folder: _url_of(folder.pk)))


@hsettings(max_examples=150, deadline=None)
@given(rows=_tuples(), previous=st.sampled_from([None, PREVIOUS]), language=st.sampled_from(["fr", "en"]))
def test_the_rows_written_from_the_tuples_are_the_eager_path_s(rows, previous, language):
    with translation.override(language), timezone.override("Europe/Paris"):
        assert list_page.rows_html_of(list_page.FolderPage(rows), previous, _url_of) == _eager(rows, previous)


def test_every_text_of_a_row_is_escaped():
    values = dict.fromkeys(list_page.COLUMNS, None)
    values.update(
        id=7,
        address_line1="« N'Diaye & fils »",
        postcode="<i>",
        city="Saint-Malo",
        reference='AQ-"7"',
        label="4 EH",
        stage=Stage.MAINTENANCE,
        client__first_name="Zoé",
        client__last_name="<script>alert(1)</script>",
        document_count=0,
    )
    with translation.override("fr"):
        html = list_page.rows_html_of(list_page.FolderPage([tuple(values.values())]), None, _url_of)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; Zoé" in html
    assert "« N&#x27;Diaye &amp; fils »" in html and "Saint-Malo (&lt;i&gt;)" in html
    assert 'href="/espace-pro/dossiers/7/?q=a&amp;sort=-commune"' in html and "AQ-&quot;7&quot;" in html


@pytest.mark.django_db
def test_the_page_s_instances_and_rows_are_made_when_read_and_are_the_eager_ones():
    spanc = factories.spanc()
    bulk_folders(spanc, 4, prefix="L")
    values = {"spanc": spanc, "words": [], "today": timezone.localdate(), "cutoff": None}
    page = list_page.page_folders(values, {"sort": "name", "stage": folders_.STAGE_ALL, "proof": ""}, 1)
    rows = list_page.FolderRows(page, PREVIOUS, _url_of)
    assert len(page) == len(rows) == 4 and bool(rows)
    assert page._folders is None and rows._rows is None  # length and truth made nothing
    list_page.rows_html_of(page, PREVIOUS, _url_of)
    assert page._folders is None  # nor did the markup
    folders = list(page)
    assert all(type(folder) is Installation and type(folder.client) is Client for folder in folders)
    eager = folders_.folder_rows(list_page.to_folders(page.rows), PREVIOUS, lambda folder: _url_of(folder.pk))

    def by_pk(dicts):
        return [{**row, "folder": row["folder"].pk} for row in dicts]

    assert by_pk(rows) == by_pk(eager)
    assert all(row["folder"] is folder for row, folder in zip(rows, folders, strict=True))  # the page's own
    assert rows[0] is list(rows)[0] and page[0] is folders[0]  # made once


@pytest.mark.django_db
@hsettings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.sampled_from(["", "?page=2", "?q=Nom0000", "?sort=-latest"]))
def test_a_host_template_reading_rows_and_page_obj_gets_the_folders(query):
    pro_space_page()
    spanc = factories.spanc()
    bulk_folders(spanc, 30, prefix="H")
    response = verified_client(factories.spanc_user(spanc)).get("/espace-pro/" + query)
    assert response.status_code == 200
    rows, page_obj = response.context["rows"], response.context["page_obj"]
    assert [row["folder"].pk for row in rows] == [folder.pk for folder in page_obj]
    shown = [row["url"].split("/")[-2] for row in rows]
    assert shown and all(f'href="/espace-pro/dossiers/{pk}/' in response.content.decode() for pk in shown)
    assert [row["name"] for row in rows] == [f"{f.client.last_name} {f.client.first_name}" for f in page_obj]


@hsettings(max_examples=60, deadline=None)
@given(rows=_tuples(), date_format=st.sampled_from(["j N Y", "d&m<Y", "d/m/Y \\h", "Y-m-d", "D d M"]))
def test_any_date_format_gives_the_eager_path_s_dates(rows, date_format):
    def get_format(name, *args, **kwargs):
        return date_format if name == "SHORT_DATE_FORMAT" else formats.get_format(name, *args, **kwargs)

    with (
        mock.patch.object(list_page, "get_format", get_format),
        mock.patch.object(folders_, "get_format", get_format),
        translation.override("fr"),
        timezone.override("Europe/Paris"),
    ):
        assert list_page.rows_html_of(list_page.FolderPage(rows), PREVIOUS, _url_of) == _eager(rows, PREVIOUS)
