"""« Qui a consulté mes documents » on the real stack (PostgreSQL, the
private files on S3, Chromium): a SPANC agent downloads a document from a
folder of the pro space (a presigned S3 URL, the file comes from the S3
server), then the owner logs in, goes from the documents page to « Qui a
consulté mes documents » and reads the SPANC and the agent's name, the
document, and the retention; their own download, made right before, is not
listed. axe-core at every impact level is 0 at 360 and 1280 px. Screenshot
docs/screenshots/who-read-my-documents-360.png (PORTAL_UPDATE_SCREENSHOTS=1)."""

import re

import pytest
from django.conf import settings as django_settings

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
def test_the_spanc_opens_a_document_and_the_owner_sees_it_in_who_read_my_documents(
    live_server,
    wagtail_root,
    page,
    browser,
    settings,
    s3_private_storage,
    stack_report,
):
    from aquatiris_portal.pages.client_space import ClientSpacePage
    from aquatiris_portal.security_log.access_models import DocumentAccess

    settings.PASSWORD_HASHERS = FAST_HASHERS
    base = live_server.url
    if not ClientSpacePage.objects.exists():
        site_with_spaces(wagtail_root)
    pro_space = pro_space_page()
    spanc = factories.spanc(name="SPANC du Pays de Dinan")
    client = factories.client(last_name="Le Goff", first_name="Maëlle")
    installation = factories.installation(
        spanc=spanc, client=client, franchisee=factories.franchisee(), city="Dinan", stage="commissioned"
    )
    content = make_pdf("Étude de sol", ["Perméabilité"])
    document = factories.document(installation, title="Étude de sol", content=content, visible_to_spanc=True)
    assert s3_private_storage.exists(document.file.name)  # on S3
    owner = factories.client_user(client, first_name="Maëlle", last_name="Le Goff")
    agent = factories.spanc_user(spanc, first_name="Claire", last_name="Martin")

    # The SPANC agent, in their own browser, downloads the document from the folder.
    spanc_context = browser.new_context(accept_downloads=True)
    try:
        spanc_context.add_cookies(
            [{"name": django_settings.SESSION_COOKIE_NAME, "value": session_cookie(agent, verified=True), "url": base}]
        )
        spanc_page = spanc_context.new_page()
        spanc_page.goto(f"{base}{pro_space.url}dossiers/{installation.pk}/")
        with spanc_page.expect_download() as download_info:
            spanc_page.locator(".aqp-pro-doc", has_text="Étude de sol").get_by_role(
                "link", name=re.compile("^Télécharger")
            ).click()
        assert download_info.value.path().read_bytes() == content  # from the S3 server, through a presigned URL
    finally:
        spanc_context.close()
    assert list(DocumentAccess.objects.values_list("actor", "route")) == [("spanc", "document_download")]

    # The owner logs in, downloads it too (not listed), then opens the page from the documents page.
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(base + "/espace-client/")
    assert "/portail/connexion/" in page.url
    page.fill("input[name=email]", owner.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.aqp-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/espace-client/$"))
    space = ClientSpacePage.objects.get()
    page.goto(base + space.url + space.reverse_subpage("documents", args=[installation.pk]))
    page.context.request.get(base + f"/portail/documents/{document.pk}/")  # the owner's own reading
    assert DocumentAccess.objects.filter(actor="owner").count() == 1
    page.locator("main").get_by_role("link", name="Qui a consulté mes documents").click()
    page.wait_for_url(re.compile(r".*/qui-a-consulte-mes-documents/$"))

    table = page.get_by_role("table")
    rows = table.locator("tbody tr")
    assert rows.count() == 1  # the SPANC's, not the owner's own
    row = " ".join(rows.first.inner_text().split())
    assert "SPANC du Pays de Dinan — Claire Martin" in row and "Étude de sol" in row, row
    assert "Nous conservons cet historique 1 an." in page.locator("main").inner_text()
    assert (
        rows.first.get_by_role("link", name="Étude de sol").get_attribute("href")
        == f"/portail/documents/{document.pk}/"
    )

    failures = axe_clean(page, "who read my documents")
    shoot(page, "who-read-my-documents", widths=(360,))
    assert not failures, "axe-core violations:\n" + "\n".join(failures)
    stack_report(
        "who read my documents: the SPANC's download from S3 (presigned) logged once, shown to the owner "
        "with the agent's name; the owner's own download not listed; axe-core 0 at 360 and 1280 px"
    )
