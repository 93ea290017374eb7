"""« Je vends ma maison » on the real stack (PostgreSQL, the private files on
S3, Redis and a dramatiq worker, an SMTP sink, Chromium): the seller logs in,
tells Aquatiris of the sale from the installation page and reads the
confirmation (axe-core 0 at 360 px); the outbox holds one
``handover_requested``. The real importer then reads an export that moves
the installation to the buyer's client record: the seller's next loads of
the installation, its documents and a document are 404, and one mail tells
them. The buyer activates their account through the real form with the code
of the export, sees the installation and asks for its dossier."""

import datetime
import re

import pytest
from django.utils import timezone

from tests import factories
from tests.exports import write_export
from tests.unit._pro_space import FAST_HASHERS

from .test_a11y import run_axe
from .test_accounts_browser import link_in, take_generated_password
from .test_visits_browser import site_with_spaces

pytestmark = [pytest.mark.integration, pytest.mark.browser]

PASSWORD = "correct-Horse-battery-9"  # factories.user's
BUYER_EMAIL, BUYER_CODE = "jean.martin@example.org", "CLI-BUY3R"
ADDRESS = {"line1": "La Ville Ès Nonais", "line2": "", "postcode": "35430", "city": "Saint-Père"}


def export_moving_to_buyer(folder):
    """The internal system's answer to the sale: the buyer's record, and the
    installation now under it."""
    buyer = {
        "type": "client",
        "id": "C-BUYER",
        "code": BUYER_CODE,
        "first_name": "Jean",
        "last_name": "Martin",
        "email": BUYER_EMAIL,
        "phone": "06 00 00 00 09",
        "address": ADDRESS,
    }
    installation = {
        "type": "installation",
        "id": "I-SOLD",
        "client": "C-BUYER",
        "franchisee": "F-1",
        "reference": "AQ-2019-5001",
        "label": "Filtre planté de roseaux 5 EH",
        "address": ADDRESS,
        "installed_on": "2019-05-14",
        "serial_number": None,
        "stage": "commissioned",
    }
    write_export(folder, 1, [buyer, installation])


def to(address):
    return lambda message: message["To"] == address


@pytest.mark.django_db(transaction=True)
def test_the_seller_announces_the_sale_loses_access_after_the_import_and_the_buyer_takes_over(
    live_server,
    wagtail_root,
    page,
    browser,
    settings,
    smtp_settings,
    redis_worker,
    s3_private_storage,
    tmp_path,
    stack_report,
):
    from aquatiris_portal.models import Installation, OutboxEvent, OutgoingMail
    from aquatiris_portal.pages.client_space import ClientSpacePage
    from aquatiris_portal.sync.importer import import_source

    settings.PASSWORD_HASHERS = FAST_HASHERS
    sink = smtp_settings
    base = live_server.url
    if not ClientSpacePage.objects.exists():
        site_with_spaces(wagtail_root)
    space = ClientSpacePage.objects.get()
    seller_client = factories.client(external_id="C-SELLER", last_name="Le Goff", first_name="Maëlle")
    installation = factories.installation(
        client=seller_client,
        franchisee=factories.franchisee(external_id="F-1"),
        external_id="I-SOLD",
        reference="AQ-2019-5001",
        city="Saint-Père",
        stage="commissioned",
    )
    document = factories.document(installation, title="Étude de sol")
    seller = factories.client_user(seller_client, first_name="Maëlle", last_name="Le Goff")
    assert seller.email != BUYER_EMAIL
    installation_url = base + space.url + space.reverse_subpage("installation", args=[installation.pk])
    documents_url = base + space.url + space.reverse_subpage("documents", args=[installation.pk])
    download_url = base + f"/portail/documents/{document.pk}/"

    # The seller logs in, opens the installation and tells Aquatiris of the sale.
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(base + "/espace-client/")
    assert "/portail/connexion/" in page.url
    page.fill("input[name=email]", seller.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.aqp-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/espace-client/$"))
    assert page.goto(installation_url).status == 200
    page.locator("main").get_by_role("link", name="Je vends ma maison").click()
    page.wait_for_url(re.compile(r".*/je-vends-ma-maison/$"))
    sale_date = timezone.localdate() + datetime.timedelta(days=45)
    page.fill("input[name=buyer_name]", "Jean Martin")
    page.fill("input[name=buyer_email]", BUYER_EMAIL)
    page.fill("input[name=sale_date]", sale_date.isoformat())
    with page.expect_navigation():
        page.click("form.aqp-form button[type=submit]")
    confirmation = page.locator("main [role=status]")
    assert "Aquatiris est informé de la vente à Jean Martin" in " ".join(confirmation.inner_text().split()), (
        confirmation.inner_text()
    )
    violations = [f"[{v['impact']}] {v['id']} — {v['help']} ({' | '.join(v['nodes'])})" for v in run_axe(page)]
    assert not violations, "axe-core violations at 360 px:\n" + "\n".join(violations)
    [event] = OutboxEvent.objects.filter(kind="handover_requested")
    assert event.payload["installation"] == "I-SOLD" and event.payload["client"] == "C-SELLER"
    assert event.payload["buyer"] == {"name": "Jean Martin", "email": BUYER_EMAIL}
    assert event.payload["sale_date"] == sale_date.isoformat()
    # Nothing changed yet: the seller still reads the document (from S3).
    assert page.request.get(download_url).status == 200

    # The internal system's export moves the installation; the real importer applies it.
    sink.clear()
    export_moving_to_buyer(tmp_path / "exports")
    import_source(tmp_path / "exports")
    installation.refresh_from_db()
    assert installation.client.external_id == "C-BUYER"
    assert Installation.objects.filter(client=seller_client).count() == 0

    # The seller's next loads: 404 everywhere.
    assert page.goto(installation_url).status == 404
    assert page.goto(documents_url).status == 404
    assert page.request.get(download_url).status == 404
    sink.wait_for(1, timeout=60)
    assert len(list(filter(to(seller.email), sink.messages))) == 1, [m["To"] for m in sink.messages]

    # The buyer activates with the code of the export, in their own browser.
    buyer_context = browser.new_context(viewport={"width": 360, "height": 740}, locale="fr-FR")
    try:
        buyer_page = buyer_context.new_page()
        buyer_page.goto(base + "/espace-client/")
        buyer_page.click("a[href^='/portail/premiere-connexion/']")
        buyer_page.fill("input[name=email]", BUYER_EMAIL)
        buyer_page.fill("input[name=code]", BUYER_CODE)
        with buyer_page.expect_navigation():
            buyer_page.click("form.aqp-form button[type=submit]")
        sink.wait_for(2, timeout=60)
        [activation] = filter(to(BUYER_EMAIL), sink.messages)
        buyer_page.goto(link_in(activation))
        take_generated_password(buyer_page)
        buyer_page.wait_for_url(re.compile(r".*/espace-client/$"))

        assert buyer_page.goto(installation_url).status == 200
        assert "AQ-2019-5001" in buyer_page.locator("main").inner_text()
        buyer_page.get_by_role("button", name="Préparer le dossier de l'installation").click()
        buyer_page.wait_for_url(installation_url)
        status = buyer_page.locator("#dossier-status").inner_text()
        # The worker may have built it already by the time the page loads.
        assert "préparation" in status or "Prêt" in status, status
    finally:
        buyer_context.close()

    # Still one mail to the seller, and one move recorded.
    assert len(list(filter(to(seller.email), sink.messages))) == 1, [m["To"] for m in sink.messages]
    assert OutgoingMail.objects.filter(key__startswith="installation-moved:", to=[seller.email]).count() == 1
    stack_report(
        "handover: the sale told from the browser (one handover_requested, axe 0 at 360 px); after the real "
        "import the seller got 404 on the installation, its documents and a document (S3), one mail by SMTP; "
        "the buyer activated with the export's code and asked for the dossier"
    )
