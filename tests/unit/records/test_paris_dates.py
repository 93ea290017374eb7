"""Dates in Paris time, in one format (dd/mm/yyyy): a moment late in the
UTC evening is already the next day in Paris. The warranty certificate, its
document and the admin titles of requests and messages show the Paris day."""

import datetime

import pytest
import time_machine
from pypdf import PdfReader
from wagtail.models import Site

from aquatiris_portal.enquiries.services import register_serial_number
from aquatiris_portal.models import PortalRequest, PortalSettings
from aquatiris_portal.records.local_dates import date_text, date_time_text
from tests import factories

pytestmark = pytest.mark.django_db
# 23:30 UTC on 14 March is 00:30 on 15 March in Paris (UTC+1 in winter).
LATE_UTC = datetime.datetime(2026, 3, 14, 23, 30, tzinfo=datetime.UTC)


def test_the_helpers_give_the_paris_day_and_time():
    assert date_text(LATE_UTC) == "15/03/2026"
    assert date_time_text(LATE_UTC) == "15/03/2026 00:30"
    assert date_text(datetime.date(2026, 3, 14)) == "14/03/2026"
    assert date_text(None) == date_time_text(None) == ""


@time_machine.travel(LATE_UTC, tick=False)
def test_a_registration_at_half_past_midnight_in_paris_is_dated_that_day():
    installation = factories.installation(installed_on=datetime.date(2026, 1, 5))
    result = register_serial_number(
        user=factories.user(),
        client=installation.client,
        installation_pk=installation.pk,
        serial_number="AQ-2026-000123",
        portal_settings=PortalSettings.for_site(Site.objects.get(is_default_site=True)),
    )
    assert result.status == "registered", result.status
    document = result.extension.document
    assert document.issued_on == datetime.date(2026, 3, 15)
    with document.file.open("rb") as f:
        text = " ".join(PdfReader(f).pages[0].extract_text().split())
    assert "15/03/2026" in text and "14/03/2026" not in text
    assert "05/01/2036" in text  # the end of the warranty, in the same format
    assert "mars" not in text  # one format, no spelled-out month beside it


@time_machine.travel(LATE_UTC, tick=False)
def test_the_admin_titles_show_the_paris_day():
    installation = factories.installation()
    request = PortalRequest.objects.create(
        kind=PortalRequest.Kind.QUESTION,
        client=installation.client,
        installation=installation,
        message="Bonjour",
        subject_label="Question",
        client_last_name="Durand",
        client_first_name="Anne",
    )
    assert str(request).endswith("(15/03/2026)"), str(request)
