"""What ``portal_demo`` adds so that ``make demo`` shows every promise: the
accessibility statement every page links (RGAA), visits in every state (done
with a report, planned, one whose reminder is due) and a SPANC report."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.test import Client as HttpClient
from django.utils import timezone

from aquatiris_portal.pages.accessibility import AccessibilityStatementPage

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    for _ in range(2):  # safe twice
        call_command("portal_demo", stdout=io.StringIO())
    settings.DEBUG = False  # the site's own 404 page, not Django's debug page


def test_the_demo_creates_the_statement_once_and_every_page_links_it(demo):
    statement = AccessibilityStatementPage.objects.live().get()
    assert statement.conformance == AccessibilityStatementPage.Conformance.PARTIAL
    body = HttpClient().get("/pas-de-page-ici/").content.decode()
    assert f'<a href="{statement.get_url()}">Accessibilité : partiellement conforme</a>' in body


def test_the_demo_has_visits_of_every_state_and_a_spanc_report(demo):
    from pypdf import PdfReader

    from aquatiris_portal.digests.visit_reminders import due_visits
    from aquatiris_portal.models import Client, Visit

    anne = Client.objects.get(email="anne.durand@example.org")
    visits = Visit.objects.live().filter(installation__client=anne)
    assert visits.done().filter(kind="maintenance").exists()
    assert visits.planned().filter(planned_for__gt=timezone.localdate() + datetime.timedelta(days=30)).exists()
    assert due_visits(timezone.localdate()).filter(installation__client=anne).exists()  # a reminder is due
    inspection = visits.done().filter(kind="spanc_inspection").first()
    report = inspection.report_document
    assert report.visible_to_spanc and report.theme.slug == "spanc"
    with report.file.open("rb") as f:
        assert PdfReader(f).pages[0].extract_text().startswith("Contrôle périodique SPANC")
    assert anne.installations.filter(last_maintenance_on__isnull=False).exists()
    assert Visit.objects.count() == 12  # safe twice: 4 visits on each of 3 installations, once
