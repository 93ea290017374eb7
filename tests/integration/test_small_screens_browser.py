"""A phone of 320 px with text enlarged to 130 % (WCAG 1.4.4, 1.4.10): the
dashboard, an installation page and the requests list do not scroll
sideways, the current tab of an installation is fully in view, the
notification checkboxes are at least 24 x 24 px (WCAG 2.5.8), and the
focus ring of the site's header has 3:1 against the header (WCAG 1.4.11),
computed from the colours the browser applies."""

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from tests.factories import leads, run_portal_demo
from tests.integration.screens import shoot
from tests.integration.test_a11y import session_cookie

pytestmark = [pytest.mark.integration, pytest.mark.browser]

SMALL = {"width": 320, "height": 740}
ENLARGE = "document.documentElement.style.fontSize = '130%'"
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"

# The WCAG contrast ratio of the header link's outline against the header's background.
RING_CONTRAST = """() => {
    const link = document.activeElement;  // reached with the keyboard: :focus-visible applies
    if (!link.closest('.site-header')) { return 0; }
    const rgb = (css) => css.match(/[\\d.]+/g).slice(0, 3).map(Number);
    const lum = ([r, g, b]) => {
        const c = [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    };
    const ring = lum(rgb(getComputedStyle(link).outlineColor));
    const back = lum(rgb(getComputedStyle(document.querySelector('.site-header')).backgroundColor));
    return (Math.max(ring, back) + 0.05) / (Math.min(ring, back) + 0.05);
}"""


@pytest.fixture
def small_phone(live_server, wagtail_root, page, settings, tmp_path):
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
    page.set_viewport_size(SMALL)
    installation = account.client.installations.order_by("reference").first()
    return page, live_server.url, installation


def open_enlarged(page, url):
    page.goto(url)
    page.evaluate(ENLARGE)


@pytest.mark.django_db(transaction=True)
def test_320_px_with_text_at_130_percent(small_phone):
    page, root, installation = small_phone
    base = root + "/espace-client/"
    screens = {
        "small-dashboard": base,
        "small-installation": f"{base}installations/{installation.pk}/documents/",
        "small-requests": f"{base}demandes/",
    }
    for name, url in screens.items():
        open_enlarged(page, url)
        assert page.evaluate(OVERFLOW) <= 0, f"{name} scrolls sideways at 320 px, text 130 %"
        if name == "small-installation":
            current = page.locator(".aqp-tabs a[aria-current='page']")
            box, strip = current.bounding_box(), page.locator(".aqp-tabs").bounding_box()
            assert box["x"] >= strip["x"] and box["x"] + box["width"] <= strip["x"] + strip["width"] + 0.5, (
                f"the current tab is cut off: {box} in {strip}"
            )
        shoot(page, name, widths=(320,))
        page.set_viewport_size(SMALL)

    open_enlarged(page, root + reverse("aquatiris_portal:notification_preferences"))
    sizes = page.eval_on_selector_all(
        "input[type=checkbox]",
        "els => els.map(e => [e.getBoundingClientRect().width, e.getBoundingClientRect().height])",
    )
    assert sizes and all(w >= 24 and h >= 24 for w, h in sizes), sizes

    page.goto(base)
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the header's first link
    assert page.evaluate(RING_CONTRAST) >= 3
