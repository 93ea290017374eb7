"""The SPANC's maintenance filter in Chromium at 360 px: "Sans entretien
depuis plus de 24 mois" lists the installations in service only (not a
study, a quote or works in progress), the stage select beside it picks one
stage or all, a quote's row shows a dash for its installation date, the
count sentence says what is filtered, the export link carries the filter.
axe-core 0 at 360 and 1280 px; screenshots ``spanc-maintenance-filter``
(before: ``visits-pro-overdue-folders``, taken on the code before)."""

import datetime
import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.conf import settings as django_settings

from aquatiris_portal.pages.client_visits import add_months
from tests import factories
from tests.integration.screens import shoot
from tests.unit._pro_space import FAST_HASHERS, pro_space_page

from .test_a11y import allowed_rules, run_axe, session_cookie

pytestmark = [pytest.mark.integration, pytest.mark.browser]

STAGES = ["study", "quote", "installation", "commissioned", "maintenance"]


def names(page):
    return sorted(row.strip() for row in page.locator("table.aqp-folders tbody th[scope=row] a").all_inner_texts())


@pytest.mark.django_db(transaction=True)
def test_the_maintenance_filter_lists_installations_in_service(
    live_server, wagtail_root, page, settings, tmp_path, stack_report
):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # A transaction=True test before this one may have flushed the default
    # site with every table: make one under the root, as a fresh site has.
    from wagtail.models import Page, Site

    if not Site.objects.filter(is_default_site=True).exists():
        home = wagtail_root.add_child(instance=Page(title="Accueil", slug="accueil"))
        Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)
    pro_space_page()
    spanc = factories.spanc()
    planned = add_months(datetime.date.today(), -40)
    for n, stage in enumerate(STAGES):
        factories.installation(
            spanc=spanc,
            stage=stage,
            installed_on=planned,
            reference=f"AQ-2022-71{n}",
            client=factories.client(last_name=f"Nom{stage.capitalize()}", first_name="Anne"),
        )
    user = factories.spanc_user(spanc)
    base = live_server.url
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": session_cookie(user, verified=True), "url": base}]
    )
    page.set_viewport_size({"width": 360, "height": 900})
    page.goto(base + "/espace-pro/")
    assert len(names(page)) == 5
    assert page.locator("#aqp-folder-stage").input_value() == ""  # "Tous", the plain list's default

    page.select_option("#aqp-folder-overdue", "24")
    page.click(".aqp-maintenance-filter button[type=submit]")
    page.wait_for_url(re.compile(r".*[?&]overdue=24(&|$)"))
    assert names(page) == ["NomCommissioned Anne", "NomMaintenance Anne"]
    assert page.locator("#aqp-folder-stage").input_value() == "service"
    status = " ".join(page.locator(".aqp-folders__summary [role=status]").inner_text().split())
    assert status.startswith(
        "2 dossiers sur votre territoire correspondent : sans entretien depuis plus de 24 mois, en service."
    ), status
    export = parse_qs(urlparse(page.locator("a", has_text="Exporter").get_attribute("href")).query)
    assert export.get("overdue") == ["24"], export
    shoot(page, "spanc-maintenance-filter")
    allowed = allowed_rules()
    failures = []
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        failures += [
            f"{width}px: {v['id']} ({v['impact']}) {v['nodes']}" for v in run_axe(page) if v["id"] not in allowed
        ]

    page.set_viewport_size({"width": 360, "height": 900})
    page.select_option("#aqp-folder-stage", "quote")
    page.click(".aqp-maintenance-filter button[type=submit]")
    page.wait_for_url(re.compile(r".*[?&]stage=quote(&|$)"))
    assert names(page) == ["NomQuote Anne"]
    installed = page.locator("table.aqp-folders tbody tr td").nth(4).inner_text().strip()
    assert installed == "—", installed  # a quote's date is a plan, not an installation
    assert "étape « Devis »" in page.locator(".aqp-folders__summary [role=status]").inner_text()
    shoot(page, "spanc-maintenance-filter-quote")

    page.select_option("#aqp-folder-stage", "all")
    page.click(".aqp-maintenance-filter button[type=submit]")
    page.wait_for_url(re.compile(r".*[?&]stage=all(&|$)"))
    assert len(names(page)) == 5
    assert not failures, "axe-core violations:\n" + "\n".join(failures)
    stack_report(
        "SPANC maintenance filter in Chromium at 360 px: 24 months lists 2 of 5 folders (in service), "
        "the stage select 1 quote (no installation date) or all 5; axe-core 0 at 360/1280 px"
    )
