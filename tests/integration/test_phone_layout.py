"""The client space on a phone: at 360x740 an installation's
first section starts on the first screen (it started 1,068 px down, below
four navigation blocks); the space has one collapsible navigation and the
installation switcher is one control."""

import pytest
from django.conf import settings as django_settings

from tests.factories import leads, run_portal_demo
from tests.integration.screens import shoot
from tests.integration.test_a11y import session_cookie

pytestmark = [pytest.mark.integration, pytest.mark.browser]

PHONE = {"width": 360, "height": 740}

FIRST_SECTION_TOP = """() => {
    const header = document.querySelector('.aqp-installation-header');
    let first = header.nextElementSibling;
    while (first && first.getBoundingClientRect().height === 0) { first = first.nextElementSibling; }
    return Math.round(first.getBoundingClientRect().top + window.scrollY);
}"""


@pytest.fixture
def client_on_a_phone(live_server, wagtail_root, page, settings, tmp_path):
    settings.AQUATIRIS_PORTAL_PRIVATE_ROOT = str(tmp_path / "private")
    settings.MEDIA_ROOT = str(tmp_path / "media")
    run_portal_demo()
    account = next(account for account in leads("client") if account.client.installations.count() > 1)
    page.context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "url": live_server.url,
                "value": session_cookie(account.user, verified=False),
            }
        ]
    )
    page.set_viewport_size(PHONE)
    installations = list(account.client.installations.order_by("reference"))
    return page, live_server.url + "/espace-client/", installations


@pytest.mark.django_db(transaction=True)
def test_an_installations_first_section_starts_on_the_first_screen(client_on_a_phone, stack_report):
    page, base, installations = client_on_a_phone
    tops = {}
    for installation in installations:
        for route in ("", "documents/", "garantie/"):
            page.goto(f"{base}installations/{installation.pk}/{route}")
            tops[f"installations/{installation.pk}/{route}"] = page.evaluate(FIRST_SECTION_TOP)
        page.goto(f"{base}installations/{installation.pk}/")
        progress_top = page.evaluate(
            "() => Math.round(document.querySelector('.aqp-progress').getBoundingClientRect().top + window.scrollY)"
        )
        assert progress_top < PHONE["height"], f"progress starts {progress_top}px down at 360x740"
    stack_report(f"phone 360x740: first section of an installation page at {sorted(tops.values())} px")
    below = {path: top for path, top in tops.items() if top >= PHONE["height"]}
    assert not below, f"below the first screen at 360x740: {below}"
    page.goto(f"{base}installations/{installations[0].pk}/")
    shoot(page, "client-installation-phone", widths=(360,))
    page.goto(base)
    shoot(page, "client-dashboard-phone", widths=(360,))
    page.goto(f"{base}contact/")
    shoot(page, "client-contact-phone", widths=(360,))


@pytest.mark.django_db(transaction=True)
def test_one_collapsible_navigation_and_one_switcher(client_on_a_phone):
    page, base, installations = client_on_a_phone
    page.goto(f"{base}installations/{installations[0].pk}/")
    toggle = page.locator(".aqp-menu__toggle")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator(".aqp-space-nav").is_visible() and not page.locator(".aqp-account-bar").is_visible()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.locator(".aqp-space-nav").is_visible() and page.locator(".aqp-account-bar").is_visible()
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false" and not page.locator(".aqp-space-nav").is_visible()

    switcher = page.locator(".aqp-switcher")
    assert switcher.count() == 1 and switcher.evaluate("el => el.tagName") == "DETAILS"
    links = switcher.locator("nav a")
    assert links.count() == len(installations) and not links.first.is_visible()
    switcher.locator("summary").click()
    assert links.first.is_visible()
    other = installations[1]
    switcher.locator(f'nav a[href$="/installations/{other.pk}/"]').click()
    page.wait_for_url(f"**/installations/{other.pk}/")

    # On a wide screen the same links are all there without a click.
    page.set_viewport_size({"width": 1280, "height": 900})
    assert not page.locator(".aqp-menu__toggle").is_visible() and page.locator(".aqp-space-nav").is_visible()
