"""The proof loop on the real stack (PostgreSQL, the private files on S3,
Chromium): a SPANC agent ticks two folders of its list and asks them for
their bordereau de vidange; one owner, on a phone (360×740), finds the task
at the top of their dashboard, answers with a PDF; the SPANC filters its list
on « reçu » and finds that folder only. axe-core at every impact level is 0
at 360 and 1280 px on the ask page, the dashboard's task and the answer page.
Screenshot docs/screenshots/proof-task-360.png (PORTAL_UPDATE_SCREENSHOTS=1)."""

import datetime
import re

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from home.demo.pdf import make_pdf
from tests import factories
from tests.integration.screens import shoot
from tests.unit._pro_space import FAST_HASHERS, pro_space_page

from .test_a11y import run_axe, session_cookie
from .test_visits_browser import site_with_spaces

pytestmark = [pytest.mark.integration, pytest.mark.browser]

PASSWORD = "correct-Horse-battery-9"


def axe_clean(page, name):
    found = []
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        found += [
            f"{name} at {width}px: [{v['impact']}] {v['id']} — {v['help']} ({' | '.join(v['nodes'])})"
            for v in run_axe(page)
        ]
    page.set_viewport_size({"width": 360, "height": 740})
    return found


@pytest.mark.django_db(transaction=True)
def test_the_spanc_asks_in_bulk_the_owner_answers_from_a_phone_the_spanc_filters_received(
    live_server,
    wagtail_root,
    page,
    browser,
    settings,
    s3_private_storage,
    stack_report,
    tmp_path,
):
    from aquatiris_portal.models import ProofKind, ProofRequest
    from aquatiris_portal.pages.client_space import ClientSpacePage

    settings.PASSWORD_HASHERS = FAST_HASHERS
    base = live_server.url
    if not ClientSpacePage.objects.exists():
        site_with_spaces(wagtail_root)
    if not ProofKind.objects.filter(name="Bordereau de vidange").exists():  # the migration's list, if flushed
        ProofKind.objects.create(name="Bordereau de vidange", sort_order=10)
    pro_space = pro_space_page()
    spanc = factories.spanc(name="SPANC de Lannion")
    franchisee = factories.franchisee()
    client = factories.client(last_name="Le Goff", first_name="Maëlle")
    answering = factories.installation(spanc=spanc, client=client, franchisee=franchisee, stage="commissioned")
    other = factories.installation(spanc=spanc, franchisee=franchisee, stage="commissioned")
    owner = factories.client_user(client)
    agent = factories.spanc_user(spanc)
    failures = []

    # The SPANC agent ticks both folders and asks for the bordereau de vidange.
    spanc_context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        spanc_context.add_cookies(
            [{"name": django_settings.SESSION_COOKIE_NAME, "value": session_cookie(agent, verified=True), "url": base}]
        )
        spanc_page = spanc_context.new_page()
        spanc_page.goto(base + pro_space.url)
        for installation in (answering, other):
            spanc_page.locator(f"#aqp-folder-{installation.pk}").check()
        spanc_page.get_by_role("button", name="Demander un justificatif aux dossiers sélectionnés").click()
        spanc_page.wait_for_url(re.compile(r".*/justificatifs/$"))
        failures += axe_clean(spanc_page, "proof ask")
        spanc_page.set_viewport_size({"width": 1280, "height": 900})
        spanc_page.get_by_label("Justificatif demandé").select_option(label="Bordereau de vidange")
        due = timezone.localdate() + datetime.timedelta(days=30)
        spanc_page.get_by_label("À envoyer avant le").fill(due.isoformat())
        spanc_page.get_by_role("button", name="Demander le justificatif").click()
        spanc_page.wait_for_url(re.compile(r".*/espace-pro/$"))
        assert "Le justificatif a été demandé à 2 dossiers" in spanc_page.locator("body").inner_text()
        assert ProofRequest.objects.filter(status="requested").count() == 2

        # The owner, on a phone, answers from the dashboard's task with a PDF.
        page.set_viewport_size({"width": 360, "height": 740})
        page.goto(base + "/espace-client/")
        page.fill("input[name=email]", owner.email)
        page.fill("input[name=password]", PASSWORD)
        page.click("form.aqp-form button[type=submit]")
        page.wait_for_url(re.compile(r".*/espace-client/$"))
        task = page.locator(".aqp-tasks").get_by_role(
            "link", name=re.compile("Le SPANC de Lannion vous demande votre bordereau de vidange avant le")
        )
        assert task.count() == 1
        failures += axe_clean(page, "dashboard task")
        shoot(page, "proof-task", widths=(360,))
        page.set_viewport_size({"width": 360, "height": 740})
        task.click()
        page.wait_for_url(re.compile(r".*/justificatifs/\d+/$"))
        failures += axe_clean(page, "proof answer")
        pdf = tmp_path / "bordereau.pdf"
        pdf.write_bytes(make_pdf("Bordereau de vidange", ["Vidange du 2 mars"]))
        page.get_by_label("Photo ou PDF du justificatif").set_input_files(str(pdf))
        page.get_by_role("button", name="Envoyer mon justificatif").click()
        page.wait_for_url(re.compile(r".*/espace-client/$"))
        assert "votre justificatif a été envoyé au SPANC de Lannion" in page.locator("body").inner_text()
        proof = ProofRequest.objects.get(installation=answering)
        assert proof.status == "received"
        assert s3_private_storage.exists(proof.answer_document.file.name)  # on S3

        # The SPANC filters its list on « reçu »: that folder only.
        spanc_page.goto(base + pro_space.url)
        spanc_page.get_by_label("Justificatif", exact=True).select_option("received")
        spanc_page.get_by_role("button", name="Filtrer").click()
        spanc_page.wait_for_url(re.compile(r".*proof=received.*"))
        rows = spanc_page.locator("table.aqp-folders tbody tr")
        assert rows.count() == 1
        assert answering.reference in rows.first.inner_text() and "reçu" in rows.first.inner_text()
    finally:
        spanc_context.close()
    assert not failures, "axe-core violations:\n" + "\n".join(failures)
    stack_report(
        "proof loop: a SPANC asks 2 folders in bulk, the owner answers from a phone (360×740) with a PDF "
        "stored on S3, the SPANC filters « reçu »; axe-core 0 at 360 and 1280 px on the ask page, the "
        "dashboard's task and the answer page"
    )
