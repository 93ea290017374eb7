"""The franchisee reads what he is told about, in Chromium on PostgreSQL:

1. the demo client sends a question; the franchisee's mail (as queued: the
   link exists only there) carries his personal link and no "reply to this
   email";
2. he opens it (no login): the installation's own address, its last
   requests, its warranty and contract are on the page;
3. he answers: the client's list says "Répondue" with a "non lu" badge;
4. he sets "Planifiée" with a day: the client's list says "Planifiée" and
   her thread shows the status line.

Screenshots of the reply page at 1280 and 360 px (``franchisee-reply``),
axe-core finds no violation at any impact, at both widths."""

import datetime
import re

import pytest

from tests.factories import run_portal_demo
from tests.integration.screens import shoot

from .test_a11y import run_axe

CLIENT_EMAIL, CLIENT_PASSWORD = "anne.durand@example.org", "demo-Client-2026!"

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def axe_at(page, widths=(360, 1280)):
    found = {}
    for width in widths:
        page.set_viewport_size({"width": width, "height": 900})
        found[width] = [f"{v['id']} ({v['impact']}): {v['help']} {v['nodes']}" for v in run_axe(page)]
    page.set_viewport_size({"width": 1280, "height": 900})
    return found


@pytest.mark.django_db(transaction=True)
def test_the_franchisee_answers_and_plans_from_his_link(live_server, wagtail_root, browser, page, settings, tmp_path):
    from aquatiris_portal.models import Client, OutgoingMail, PortalRequest, RequestSubject

    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.AQUATIRIS_PORTAL_PUBLIC_BASE_URL = live_server.url
    run_portal_demo()
    client = Client.objects.get(email=CLIENT_EMAIL)
    installation = client.installations.select_related("franchisee").order_by("reference").first()
    subject = RequestSubject.objects.filter(active=True, is_after_sales=False).order_by("sort_order").first()

    # 1. The client sends a question.
    page.goto(live_server.url + "/espace-client/")
    page.fill("input[name=email]", CLIENT_EMAIL)
    page.fill("input[name=password]", CLIENT_PASSWORD)
    page.click("form.aqp-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/espace-client/$"))
    page.goto(f"{live_server.url}/espace-client/contact/?installation={installation.pk}")
    page.select_option("select[name=subject]", label=subject.name)
    page.fill("textarea[name=message]", "Le regard déborde depuis hier.")
    page.click("form.aqp-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/espace-client/demandes/[0-9a-f-]+/$"))
    reference = page.url.rstrip("/").rsplit("/", 1)[-1]
    mail = OutgoingMail.objects.get(key=f"request:{reference}:franchisee")
    assert "répondre à cet e-mail" not in mail.body_text.lower()
    assert "Les réponses à cet e-mail ne sont pas lues" in mail.body_text
    link = re.search(rf"{re.escape(live_server.url)}/portail/reponse/\S+/", mail.body_text).group(0)

    # 2. The franchisee opens his link in his own browser.
    franchisee_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    franchisee = franchisee_context.new_page()
    try:
        franchisee.goto(link)
        franchisee.wait_for_url(re.compile(rf".*/portail/reponse/demande/{reference}/$"))
        address = franchisee.locator("[data-aqp-installation-address]").inner_text()
        assert installation.address_line1 and installation.address_line1 in address
        assert installation.city in address
        assert subject.name in franchisee.locator("[data-aqp-history]").inner_text()
        assert franchisee.locator("[data-aqp-warranty]").inner_text().strip()
        assert franchisee.locator("[data-aqp-contract]").inner_text().strip()
        shoot(franchisee, "franchisee-reply")
        violations = axe_at(franchisee)
        assert violations == {360: [], 1280: []}, violations

        # 3. He answers: the client's list says "Répondue", unread.
        franchisee.fill("textarea[name=body]", "Je passe demain matin.")
        franchisee.click("button:has-text('Envoyer ma réponse')")
        franchisee.wait_for_selector("text=Votre réponse a été envoyée")
        assert PortalRequest.objects.get(reference=reference).status == "answered"
        page.goto(f"{live_server.url}/espace-client/demandes/")
        row = page.locator("tr", has_text=subject.name).first
        assert row.locator("[data-aqp-request-status]").inner_text() == "Répondue"
        assert row.locator("[data-aqp-unread]").inner_text() == "non lu"

        # 4. He plans the intervention.
        day = datetime.date.today() + datetime.timedelta(days=3)
        franchisee.check("input[name=status-status][value=planned]")
        franchisee.fill("input[name=status-planned_for]", day.isoformat())
        franchisee.click("button:has-text('Modifier le statut')")
        franchisee.wait_for_selector("text=Le statut a été changé")
        assert franchisee.locator("[data-aqp-request-status]").inner_text() == "Planifiée"
        assert franchisee.locator("[data-aqp-status-line=planned]").count() == 1
        assert franchisee.input_value("input[name=status-planned_for]") == day.isoformat()
        shoot(franchisee, "franchisee-reply-planned")
        violations = axe_at(franchisee)
        assert violations == {360: [], 1280: []}, violations
    finally:
        franchisee_context.close()

    page.goto(f"{live_server.url}/espace-client/demandes/")
    row = page.locator("tr", has_text=subject.name).first
    assert row.locator("[data-aqp-request-status]").inner_text() == "Planifiée"
    page.goto(f"{live_server.url}/espace-client/demandes/{reference}/")
    assert "intervention planifiée le" in page.locator("[data-aqp-status-line=planned]").inner_text()
    portal_request = PortalRequest.objects.get(reference=reference)
    assert portal_request.status == "planned" and portal_request.planned_for == day
    assert (
        OutgoingMail.objects.filter(key__endswith=":client", to=[CLIENT_EMAIL], subject__contains="Planifiée").count()
        == 1
    )
