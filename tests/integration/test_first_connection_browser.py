"""The first connection on a phone (360x740), in Chromium with the demo data:
from the login page (and from /espace-client/ logged out) "Première
connexion" is on the first screen; the activation page focuses nothing on
load and its button "Activer mon compte" is on the first screen; the code
help shows where the code is printed; after sending, the page gives the
network's phone as a link. The FAQ a client reads is inside the client
space's frame. axe-core finds nothing (every impact) on these pages at 360
and 1280 px."""

import pytest
from django.conf import settings as django_settings

from tests.factories import leads, run_portal_demo
from tests.integration.screens import shoot
from tests.integration.test_a11y import AXE, run_axe, session_cookie

pytestmark = [pytest.mark.integration, pytest.mark.browser]

PHONE = {"width": 360, "height": 740}
NETWORK_PHONE = "02 99 00 00 99"

BOTTOM = """(selector) => {
    window.scrollTo(0, 0);
    const box = document.querySelector(selector).getBoundingClientRect();
    return box.height > 0 && box.top >= 0 ? Math.round(box.bottom) : 100000;
}"""


def axe_clean(page, name, found):
    """axe at 360 and 1280 px; every violation, whatever its impact, is noted in ``found``."""
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 740 if width == 360 else 900})
        for violation in run_axe(page):
            found.append(
                f"{name} at {width}px: [{violation['impact']}] {violation['id']} — {violation['help']} "
                f"({' | '.join(violation['nodes'])})"
            )
    page.set_viewport_size(PHONE)


@pytest.mark.django_db(transaction=True)
def test_first_connection_on_a_phone(live_server, wagtail_root, page, settings, tmp_path, stack_report):
    assert AXE.exists(), "axe-core missing: run `npm ci` (make test does)"
    from wagtail.models import Site

    from aquatiris_portal.models import Client
    from aquatiris_portal.snippets.site_settings import PortalSettings

    settings.AQUATIRIS_PORTAL_PRIVATE_ROOT = str(tmp_path / "private")
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run_portal_demo()
    portal_settings = PortalSettings.for_site(Site.objects.get(is_default_site=True))
    portal_settings.network_phone = NETWORK_PHONE
    portal_settings.save()
    newcomer = Client.objects.exclude(memberships__isnull=False).order_by("pk").first()
    base = live_server.url
    violations = []
    page.set_viewport_size(PHONE)

    # "Première connexion" on the first screen, from the space (logged out) and from the login page.
    for start in ("/espace-client/", "/portail/connexion/"):
        page.goto(base + start)
        assert "/portail/connexion/" in page.url
        bottom = page.evaluate(BOTTOM, "a[href^='/portail/premiere-connexion/']")
        stack_report(f"{start} at 360x740: 'Première connexion' link ends {bottom} px down")
        assert bottom <= PHONE["height"], f"{start}: 'Première connexion' ends {bottom} px down, below the first screen"
    axe_clean(page, "login", violations)

    # The activation page: nothing focused on load, the button on the first screen.
    page.click("a[href^='/portail/premiere-connexion/']")
    page.wait_for_url("**/portail/premiere-connexion/**")
    assert page.evaluate("document.activeElement === document.body"), page.evaluate("document.activeElement.outerHTML")
    assert page.locator("[autofocus]").count() == 0
    button = "form.aqp-form button[type=submit]"
    assert page.locator(button).inner_text().strip() == "Activer mon compte"
    bottom = page.evaluate(BOTTOM, button)
    stack_report(f"first connection at 360x740: 'Activer mon compte' ends {bottom} px down (screen: 740 px)")
    assert bottom <= PHONE["height"], f"the button ends {bottom} px down, below the first screen (740 px)"

    # The code help: where the code is printed, a code of a real shape.
    facsimile = page.locator(".aqp-code-help .aqp-facsimile")
    assert not facsimile.is_visible()
    page.locator(".aqp-code-help summary").click()
    assert facsimile.is_visible()
    assert "facture" in page.locator(".aqp-code-help").inner_text()
    assert facsimile.locator("mark").inner_text() == "AQ/22/0457"
    axe_clean(page, "first connection (code help open)", violations)
    shoot(page, "first-connection", widths=(360,))

    # Sent: what to do when nothing arrives, the phone as a link.
    page.set_viewport_size(PHONE)
    page.fill("input[name=email]", newcomer.email)
    page.fill("input[name=code]", newcomer.code)
    with page.expect_navigation():
        page.click(button)
    phone = page.locator("a[href^='tel:']")
    assert phone.count() == 1 and phone.inner_text() == NETWORK_PHONE
    assert phone.get_attribute("href") == "tel:" + NETWORK_PHONE.replace(" ", "")
    axe_clean(page, "first connection sent", violations)
    shoot(page, "first-connection-sent", widths=(360,))

    # The FAQ a client reads is in the client space's frame, its tab marked.
    from aquatiris_portal.pages.faq import FaqPage

    account = leads("client")[0]
    page.context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "url": base,
                "value": session_cookie(account.user, verified=False),
            }
        ]
    )
    faq = FaqPage.objects.live().filter(audience="clients").first()
    page.goto(base + faq.get_url())
    assert page.locator("nav[data-aqp-shell='client']").count() == 1
    assert page.locator("nav[data-aqp-shell='client'] a[aria-current='page']").get_attribute("href") == faq.get_url()
    axe_clean(page, "FAQ in the client space", violations)
    shoot(page, "faq-shell", widths=(360,))

    assert not violations, "axe-core violations (any impact):\n" + "\n".join(violations)
