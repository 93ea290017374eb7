"""« Dossier de l'installation » on the real stack (PostgreSQL, the private
files on S3, Redis and a dramatiq worker, an SMTP sink, Chromium): the owner
asks for the dossier on the installation page, the page says it is being
prepared, the mail arrives with its link, the ZIP downloads (from S3,
presigned) and holds exactly the documents the owner sees, by the names the
documents page shows, plus the summary; the page then says « prêt, valable
jusqu'au … ». Screenshot docs/screenshots/installation-dossier-360.png
(PORTAL_UPDATE_SCREENSHOTS=1)."""

import io
import re
import zipfile

import pytest
from django.conf import settings as django_settings

from tests import factories
from tests.integration.screens import shoot
from tests.unit._pro_space import FAST_HASHERS

from .test_a11y import run_axe, session_cookie
from .test_visits_browser import site_with_spaces

pytestmark = [pytest.mark.integration, pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_the_owner_asks_for_the_dossier_gets_the_mail_and_the_zip_of_what_they_see(
    live_server,
    wagtail_root,
    page,
    browser,
    settings,
    smtp_settings,
    redis_worker,
    s3_private_storage,
    stack_report,
):
    from aquatiris_portal.pages.client_space import ClientSpacePage

    settings.PASSWORD_HASHERS = FAST_HASHERS
    base = live_server.url
    if not ClientSpacePage.objects.exists():
        site_with_spaces(wagtail_root)
    space = ClientSpacePage.objects.get()
    client = factories.client(last_name="Le Goff", first_name="Maëlle")
    installation = factories.installation(client=client, city="Dinan", stage="commissioned", serial_number="EPU-424242")
    soil = factories.theme("etude-de-sol", "Étude de sol", 10)
    guarantees = factories.theme("garanties", "Garanties", 40)
    factories.document(installation, title="Étude de sol du terrain", theme=soil)
    factories.document(installation, title="Garantie décennale", theme=guarantees)
    factories.document(installation, title="Note interne", theme=soil, visible_to_client=False)
    factories.document(factories.installation(), title="Dossier d'un autre client", theme=soil)
    owner = factories.client_user(client, first_name="Maëlle", last_name="Le Goff")

    context = browser.new_context(accept_downloads=True)
    try:
        context.add_cookies(
            [{"name": django_settings.SESSION_COOKIE_NAME, "value": session_cookie(owner, verified=False), "url": base}]
        )
        tab = context.new_page()
        tab.set_viewport_size({"width": 360, "height": 740})
        tab.goto(base + space.url + space.reverse_subpage("documents", args=[installation.pk]))
        seen = " ".join(tab.locator("main").inner_text().split())  # what the owner sees of their documents
        installation_url = base + space.url + space.reverse_subpage("installation", args=[installation.pk])
        tab.goto(installation_url)
        tab.get_by_role("button", name="Préparer le dossier de l'installation").click()
        tab.wait_for_url(installation_url)
        status = tab.locator("#dossier-status")
        assert "préparation" in status.inner_text() or "Prêt" in status.inner_text()

        [mail] = smtp_settings.wait_for(1, timeout=60)
        assert mail["To"] == owner.email
        body = mail.get_body(preferencelist=("plain",)).get_content()
        link = re.search(r"https?://\S+/portail/archives/\S+/", body).group(0)
        with tab.expect_download() as download_info:
            tab.evaluate("url => { window.location.href = url; }", link)
        data = download_info.value.path().read_bytes()
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
        documents = sorted(name for name in names if "/" in name)
        assert documents == ["Garanties/Garantie décennale.pdf", "Étude de sol/Étude de sol du terrain.pdf"]
        for name in documents:  # each file in the ZIP is a document the owner sees, under its theme
            theme, title = name.removesuffix(".pdf").split("/")
            assert theme in seen and title in seen, (name, seen)
        assert "Note interne" not in seen and "Dossier d'un autre client" not in seen
        assert len(names) == 3  # and the summary

        tab.goto(installation_url)
        assert re.search(r"Prêt, valable jusqu'au \d\d/\d\d/\d{4}", tab.locator("#dossier-status").inner_text())
        tab.locator("#dossier-heading").scroll_into_view_if_needed()
        violations = [f"[{v['impact']}] {v['id']}" for v in run_axe(tab)]
        shoot(tab, "installation-dossier", widths=(360,))
        assert not violations, violations
    finally:
        context.close()
    stack_report(
        "installation dossier: asked on the page, built by the worker from S3, mailed through SMTP, "
        "the ZIP downloaded (presigned) holds exactly the owner's two documents and the summary"
    )
