"""The pro space in Chromium on the real stack: the
demo SPANC logs in with its password and the email code read from the SMTP
sink, searches a client by commune, opens the folder, views a PDF inline,
uploads a PDF; the SMTP sink holds the mail to the franchisee, the document
shows in the folder, the outbox holds the event. Screenshots at 1280 and
360 px in docs/screenshots/."""

import re
import time

import pytest

from home.demo.pdf import make_pdf
from tests.factories import run_portal_demo
from tests.integration.screens import shoot  # noqa: E402

SPANC_EMAIL, SPANC_PASSWORD = "spanc.rennes@example.org", "demo-Spanc-2026!"

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def login_code(sink, address, timeout=20):
    """The 6-digit code of the latest login mail to ``address``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in reversed(sink.messages):
            if address in message["To"]:
                body = message.get_body(preferencelist=("plain",)).get_content()
                match = re.search(r"\b(\d{6})\b", body)
                if match:
                    return match.group(1)
        time.sleep(0.2)
    raise AssertionError(f"no login code mailed to {address}")


@pytest.mark.django_db(transaction=True)
def test_demo_spanc_uses_the_pro_space_in_chromium(
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
    from aquatiris_portal.models import Installation, OutboxEvent, PortalDocument, Spanc
    from aquatiris_portal.records.models import DocumentSource

    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.WAGTAILADMIN_BASE_URL = live_server.url
    run_portal_demo()
    spanc = Spanc.objects.get(email=SPANC_EMAIL)
    target = (
        Installation.objects.filter(spanc=spanc, city="Saint-Malo")
        .select_related("client", "franchisee")
        .order_by("client__last_name", "client__first_name", "reference")
        .first()
    )
    assert target is not None and target.franchisee.email

    # Password, then the second factor: the code arrives by email.
    page.goto(live_server.url + "/espace-pro/")
    assert "/portail/connexion/" in page.url
    page.fill("input[name=email]", SPANC_EMAIL)
    page.fill("input[name=password]", SPANC_PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(re.compile(r".*/connexion/verification/.*"))
    code = login_code(smtp_settings, SPANC_EMAIL)
    page.fill("input[name=code]", code)
    page.press("input[name=code]", "Enter")
    page.wait_for_url(re.compile(r".*/espace-pro/$"))
    assert page.locator("table.aqp-folders tbody tr").count() > 0

    # Search by commune.
    page.fill("#aqp-folder-q", "saint-malo")
    page.press("#aqp-folder-q", "Enter")
    page.wait_for_url(re.compile(r".*\?q=saint-malo.*"))
    towns = page.locator("table.aqp-folders tbody td[data-label]:nth-of-type(1)").all_inner_texts()
    assert towns and all("Saint-Malo" in town for town in towns), towns
    shoot(page, "pro-folders")

    # Open the folder: both contacts, the shared documents only.
    # (its link carries the search, so that "back" returns to it)
    page.click(f'table.aqp-folders a[href*="/dossiers/{target.pk}/?q=saint-malo"]')
    page.wait_for_url(re.compile(rf".*/dossiers/{target.pk}/\?q=saint-malo$"))
    assert page.locator(".aqp-back a").get_attribute("href").endswith("/espace-pro/?q=saint-malo")
    body = page.content()
    for text in (
        target.client.last_name,
        target.client.phone,
        target.client.email,
        target.franchisee.email,
        target.franchisee.phone,
    ):
        assert text in body
    shared = PortalDocument.objects.live().filter(installation=target, visible_to_spanc=True).first()
    hidden = PortalDocument.objects.live().filter(installation=target, visible_to_spanc=False).first()
    assert shared.title in body and f"/documents/{hidden.pk}/" not in body

    # View a PDF inline (on S3: a redirect to a short presigned URL).
    view_href = page.locator(f'a[href$="/documents/{shared.pk}/voir/"]').get_attribute("href")
    response = page.context.request.get(live_server.url + view_href)
    assert response.ok and response.body().startswith(b"%PDF")
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline")
    viewer = page.context.new_page()
    viewer.goto(live_server.url + view_href)  # Chromium's PDF viewer opens it inline
    viewer.close()
    assert page.context.request.get(f"{live_server.url}/portail/documents/{hidden.pk}/voir/").status == 404

    # Upload a PDF.
    smtp_settings.clear()
    page.click(f'a[href*="/dossiers/{target.pk}/envoyer/"]')
    page.wait_for_url(re.compile(rf".*/dossiers/{target.pk}/envoyer/(\?.*)?$"))
    page.fill("input[name=title]", "Rapport de contrôle SPANC")
    # The demo's types: a control report asks its result; the date is required.
    page.select_option("select[name=document_type]", label="Rapport de contrôle")
    page.fill("input[name=issued_on]", time.strftime("%Y-%m-%d"))
    page.select_option("select[name=control_result]", label="Conforme")
    page.fill("textarea[name=note]", "Installation conforme.")
    content = make_pdf("Rapport de contrôle", ["Contrôle de bon fonctionnement : conforme"])
    page.set_input_files("input[name=file]", {"name": "rapport.pdf", "mimeType": "application/pdf", "buffer": content})
    started = time.monotonic()
    page.click("form.aqp-form[enctype] button[type=submit]")
    page.wait_for_url(re.compile(rf".*/dossiers/{target.pk}/\?q=saint-malo$"))  # the list's search kept
    upload_seconds = time.monotonic() - started
    item = page.locator(".aqp-pro-doc", has_text="Rapport de contrôle SPANC")
    assert item.count() == 1
    assert item.locator(".aqp-pro-mark").count() == 1  # "Sent by the SPANC"
    shoot(page, "pro-folder")

    document = PortalDocument.objects.get(source=DocumentSource.SPANC_UPLOAD, installation=target)
    assert document.uploaded_by_spanc == spanc
    # Clients see SPANC uploads only when the setting says so (off by default): ask access.
    from aquatiris_portal import access
    from aquatiris_portal.accounts.lookup import account_of
    from tests import factories

    owner = account_of(target.client)
    owner_user = owner.user if owner else factories.client_user(target.client)
    assert not access.client_documents(owner_user).filter(pk=document.pk).exists()
    assert s3_private_storage.exists(document.file.name)

    messages = smtp_settings.wait_for(1, timeout=20)
    to_franchisee = [m for m in messages if target.franchisee.email in m["To"]]
    assert len(to_franchisee) == 1, [m["To"] for m in messages]
    mail = to_franchisee[0]
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert spanc.name in mail["Subject"] and target.client.last_name in mail["Subject"]
    assert "Rapport de contrôle SPANC" in text and "Installation conforme." in text
    # The franchisee has no admin account: a personal link opens the report.
    assert "/admin/" not in text
    link = re.search(r"https?://\S+/portail/document-spanc/[\w-]+/", text).group(0)
    opened = page.context.browser.new_context().request.get(link)
    assert opened.status == 200 and "Rapport de contrôle SPANC" in opened.text()

    event = OutboxEvent.objects.get(kind="document_uploaded")
    assert event.payload["document_id"] == document.pk
    assert event.payload["installation"] == target.external_id
    assert event.payload["sha256"] == document.sha256 and event.payload["size"] == len(content)

    stack_report(
        f"pro space: SPANC logged in with the emailed code, searched 'saint-malo' ({len(towns)} folders), "
        f"viewed a PDF inline, uploaded a PDF to S3 in {upload_seconds:.2f}s; mail to {target.franchisee.email} "
        f"via SMTP, outbox event #{event.pk}"
    )
