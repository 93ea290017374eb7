"""The client space in Chromium on the real stack:
the demo client with two installations logs in with their password, opens
each installation, views a PDF inline, downloads a document, registers a
serial number and finds the certificate, sends an after-sales request with a
photo; the SMTP sink receives the franchisee's and the network head's mails
with the recap and the photo. Screenshots at 1280 and 360 px."""

import io
import re

import pytest
from PIL import Image
from pypdf import PdfReader

from tests.factories import run_portal_demo
from tests.integration.screens import screenshot_dir, shoot  # noqa: E402

from .conftest import wait_until

SCREENSHOTS = screenshot_dir()
CLIENT_EMAIL, CLIENT_PASSWORD = "anne.durand@example.org", "demo-Client-2026!"
SERIAL = "AQ-2024-012345"

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def fetch(page, url):
    """GET with the browser's cookies (following a presigned S3 redirect)."""
    response = page.context.request.get(url)
    assert response.ok, (url, response.status)
    return response


def pdf_text(data):
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.django_db(transaction=True)
def test_demo_client_uses_the_client_space_in_chromium(
    live_server,
    wagtail_root,
    page,
    smtp_settings,
    redis_worker,
    s3_private_storage,
    settings,
    tmp_path,
    stack_report,
):
    from aquatiris_portal.models import Client, OutgoingMail, PortalDocument, PortalRequest

    settings.MEDIA_ROOT = str(tmp_path / "media")
    run_portal_demo()
    client = Client.objects.get(email=CLIENT_EMAIL)
    installations = list(client.installations.select_related("franchisee").order_by("reference"))
    assert len(installations) == 2

    # Log in with the password, coming from the client space.
    page.goto(live_server.url + "/espace-client/")
    assert "/portail/connexion/" in page.url
    page.fill("input[name=email]", CLIENT_EMAIL)
    page.fill("input[name=password]", CLIENT_PASSWORD)
    page.click("form.aqp-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/espace-client/$"))
    for installation in installations:
        assert page.locator(f"text={installation.reference}").first.is_visible()
    shoot(page, "client-dashboard")

    # Each installation, one click from the dashboard; the switcher says which one.
    for installation in installations:
        page.goto(live_server.url + "/espace-client/")
        page.click(f'.aqp-installation-card h3 a[href$="/installations/{installation.pk}/"]')
        page.wait_for_url(re.compile(rf".*/installations/{installation.pk}/$"))
        assert installation.reference in page.locator("h1, .aqp-eyebrow").all_inner_texts()[0] + page.content()
        # The switcher is one disclosure whose summary names the current installation.
        assert installation.reference in page.locator(".aqp-switcher summary").inner_text()
        assert (
            page.locator('.aqp-switcher [aria-current="true"]')
            .get_attribute("href")
            .endswith(f"/installations/{installation.pk}/")
        )
        assert page.locator('[aria-current="step"]').count() == 1
    page.goto(f"{live_server.url}/espace-client/installations/{installations[0].pk}/")
    shoot(page, "client-installation")

    # Documents: view a PDF inline, download another.
    first = installations[0]
    page.goto(f"{live_server.url}/espace-client/installations/{first.pk}/documents/")
    view_href = page.locator('a[href$="/voir/"]').first.get_attribute("href")
    viewed = fetch(page, live_server.url + view_href)
    assert viewed.headers["content-type"] == "application/pdf"
    assert viewed.headers["content-disposition"].startswith("inline")
    assert viewed.body().startswith(b"%PDF")
    with page.expect_download() as download_info:
        page.locator("a.aqp-button--primary[download]").first.click()
    download = download_info.value
    downloaded = download.path().read_bytes()
    assert downloaded.startswith(b"%PDF") and download.suggested_filename.endswith(".pdf")

    # Warranty extension: the certificate appears in the documents and holds the serial.
    page.goto(f"{live_server.url}/espace-client/installations/{first.pk}/garantie/")
    page.fill("input[name=serial_number]", SERIAL.lower())
    page.click("form.aqp-form button[type=submit]")
    page.click("button[name=confirm]")  # the check step shows the canonical serial first
    page.wait_for_selector(".aqp-card--success")
    certificate = PortalDocument.objects.get(installation=first, source="certificate")
    page.goto(f"{live_server.url}/espace-client/installations/{first.pk}/documents/")
    assert certificate.title in page.content()
    certificate_pdf = fetch(page, f"{live_server.url}/portail/documents/{certificate.pk}/voir/").body()
    assert SERIAL in pdf_text(certificate_pdf)

    # After-sales request with a phone photo.
    page.goto(f"{live_server.url}/espace-client/contact/?installation={first.pk}")
    reason = page.locator("[data-aqp-reason]")
    assert reason.is_hidden()  # the small script hides the SAV-only list
    page.select_option("select[name=subject]", label="Dysfonctionnement / SAV")
    assert reason.is_visible()
    page.select_option("select[name=reason]", label="Odeurs")
    page.fill("textarea[name=message]", "Des odeurs près du regard depuis lundi.")
    photo = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 140, 60)).save(photo, "JPEG")
    page.set_input_files(
        "input[name=attachments]",
        files=[{"name": "IMG_2041.JPG", "mimeType": "image/jpeg", "buffer": photo.getvalue()}],
    )
    shoot(page, "client-contact")
    page.click("form.aqp-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/espace-client/demandes/[0-9a-f-]+/$"))
    reference = page.url.rstrip("/").rsplit("/", 1)[-1]
    portal_request = PortalRequest.objects.get(client=client, reference=reference)
    assert portal_request.kind == "after_sales"

    # The worker on Redis sends through SMTP: warranty confirmation, franchisee, network head, client copy.
    ours = OutgoingMail.objects.filter(key__startswith=f"request:{reference}:") | OutgoingMail.objects.filter(
        key__startswith=f"warranty:{first.pk}:"
    )
    assert ours.count() == 4
    messages = smtp_settings.wait_for(4, timeout=30)
    by_recipient = {message["To"]: message for message in messages if "Odeurs" in str(message.get_body())}
    franchisee_mail = by_recipient[first.franchisee.email]
    head_mail = by_recipient["sav@aquatiris.example"]
    for message in (franchisee_mail, head_mail):
        body = message.get_body(preferencelist=("plain",)).get_content()
        for value in (
            client.last_name,
            client.first_name,
            client.address_line1,
            client.city,
            client.phone,
            client.email,
            client.code,
            first.reference,
            "Odeurs",
            "Des odeurs près du regard",
        ):
            assert value in body, value
        attachments = list(message.iter_attachments())
        assert [a.get_filename() for a in attachments] == ["IMG_2041.jpg"]
        assert attachments[0].get_content().startswith(b"\xff\xd8")
    wait_until(lambda: set(ours.values_list("status", flat=True)) == {"sent"}, 15, "mails marked sent")
    stack_report(
        f"Chromium: demo client opened {len(installations)} installations, viewed and downloaded PDFs from S3, "
        f"certificate {certificate.title!r} holds {SERIAL}; SAV mails via Redis worker + SMTP to "
        f"{first.franchisee.email} and sav@aquatiris.example with IMG_2041.jpg; screenshots in {SCREENSHOTS}"
    )
