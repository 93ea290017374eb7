"""Editors' content and the requests back office in Chromium: the
demo client reads the news index, an article and the FAQ
(its accordion opens with the keyboard, no JavaScript needed); the demo
SPANC reads the pro news and never the clients' ones; a "Service client"
staff member lists the requests in the admin, filters them and asks for the
XLSX export: a status page follows the background job (a worker on Redis)
until the file can be downloaded. Screenshots under docs/screenshots/."""

import io
import re

import pytest
from openpyxl import load_workbook

from tests.factories import run_portal_demo
from tests.integration import screens  # noqa: E402

CLIENT_EMAIL, CLIENT_PASSWORD = "anne.durand@example.org", "demo-Client-2026!"

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def shoot(page, name, widths=(1280, 360)):
    screens.shoot(page, name, widths=widths, overflow_widths=(360,))


def staff_session(page, live_server, group_name):
    """A staff member of ``group_name`` with a verified second factor, as a
    session cookie in the browser (the OTP login itself is test_accounts_browser.py's)."""
    from django.contrib.auth.models import Group
    from django.test import Client

    from aquatiris_portal.backoffice.groups import ensure_groups
    from tests import factories

    ensure_groups()
    user = factories.user(email="service.client@aquatiris.example")
    user.groups.add(Group.objects.get(name=group_name))
    http = Client()
    factories.otp_login(http, user)
    page.context.add_cookies([{"name": "sessionid", "value": http.cookies["sessionid"].value, "url": live_server.url}])
    return user


@pytest.mark.django_db(transaction=True)
def test_client_reads_news_and_faq_and_staff_exports_requests(
    live_server, wagtail_root, page, browser, tmp_path, settings, redis_worker
):
    from aquatiris_portal.enquiries.models import PortalRequest
    from aquatiris_portal.pages.news import ArticlePage

    settings.MEDIA_ROOT = str(tmp_path / "media")
    run_portal_demo()
    client_article = ArticlePage.objects.get(slug="faucardage-automne")
    pro_article = ArticlePage.objects.get(slug="controle-spanc-2026")

    # Anonymous: the news index sends to the login page.
    page.goto(live_server.url + "/actualites/")
    assert "/portail/connexion/" in page.url
    page.fill("input[name=email]", CLIENT_EMAIL)
    page.fill("input[name=password]", CLIENT_PASSWORD)
    page.click("form.aqp-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/actualites/$"))
    titles = page.locator(".aqp-news-item__title").all_inner_texts()
    assert client_article.title in titles and pro_article.title not in titles
    shoot(page, "news-index")

    page.click(f"text={client_article.title}")
    page.wait_for_url(re.compile(r".*/faucardage-automne/$"))
    assert page.locator("h1").inner_text() == client_article.title
    shoot(page, "news-article")
    assert page.goto(live_server.url + pro_article.url).status == 404

    # The FAQ: search on the server, accordion opened with the keyboard.
    page.goto(live_server.url + "/questions-frequentes/")
    summaries = page.locator("details summary")
    assert summaries.count() >= 4
    summaries.first.focus()
    page.keyboard.press("Enter")
    assert page.locator("details").first.get_attribute("open") is not None
    shoot(page, "faq")
    page.fill("#aqp-faq-search", "odeurs")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*\?q=odeurs"))
    assert page.locator("details").count() == 1
    shoot(page, "faq-search", widths=(360,))

    # Back office: a "Service client" member lists, filters and exports.
    staff_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    staff_page = staff_context.new_page()
    try:
        staff_session(staff_page, live_server, "Service client")
        staff_page.goto(live_server.url + "/admin/portail/demandes/")
        assert staff_page.locator("table.listing tbody tr").count() == PortalRequest.objects.count()
        shoot(staff_page, "admin-requests", widths=(1280,))
        staff_page.goto(live_server.url + "/admin/portail/demandes/?kind=after_sales")
        expected = PortalRequest.objects.filter(kind="after_sales").count()
        assert staff_page.locator("table.listing tbody tr").count() == expected
        # The XLSX button of the filtered listing starts the job and leads
        # to its status page, which refreshes itself until the link appears.
        staff_page.locator("#w-slim-header-buttons .w-dropdown__toggle").first.click()
        button = staff_page.get_by_role("link", name=re.compile("XLSX"))
        assert "kind=after_sales" in button.get_attribute("href")
        button.click()
        staff_page.wait_for_url(re.compile(r".*/admin/portail/demandes/exports/\d+/$"))
        link = staff_page.locator("#aqp-export-status a[download]")
        link.wait_for(timeout=30_000)
        assert "demandes-" in link.inner_text()
        shoot(staff_page, "admin-requests-export", widths=(1280,))
        with staff_page.expect_download() as download_info:
            link.click()
        path = download_info.value.path()
        rows = list(
            load_workbook(io.BytesIO(open(path, "rb").read()), read_only=True).active.iter_rows(values_only=True)
        )
        assert len(rows) == expected + 1
        staff_page.goto(live_server.url + "/admin/")
        assert staff_page.locator("#aqp-alerts-heading").count() == 1
        shoot(staff_page, "admin-dashboard-alerts", widths=(1280,))
    finally:
        staff_context.close()
