"""The client's main path with the keyboard only, in Chromium:
log in, open the documents, register a serial number (with its check
step), send a request. Only Tab, Shift+Tab, typing, arrows and Enter; every
element reached shows a visible focus indicator. Also the idle-logout
warning: it opens two minutes before the end, takes the focus, and "Rester
connecté" keeps the session (the browser's clock is driven, no waiting)."""

import re

import pytest

from tests.factories import run_portal_demo

pytestmark = [pytest.mark.integration, pytest.mark.browser]

CLIENT_EMAIL, CLIENT_PASSWORD = "anne.durand@example.org", "demo-Client-2026!"
MAX_TABS = 80

FOCUS = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) { return null; }
    const style = getComputedStyle(el);
    const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
    return {tag: el.tagName.toLowerCase(), href: el.getAttribute('href') || '', name: el.getAttribute('name') || '',
            text: (el.innerText || el.value || '').trim().slice(0, 80), ring: ring};
}"""


def arrive(page, url):
    """Wait for the navigation to ``url`` and for that page to be loaded (no Tab into a page being replaced)."""
    page.wait_for_url(url, wait_until="load")
    page.wait_for_load_state("load")


def tab_to(page, matches, what, key="Tab"):
    """Press Tab (or Shift+Tab) until the focused element matches; each stop must show its focus."""
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        focused = page.evaluate(FOCUS)
        if focused is None:
            continue
        assert focused["ring"], f"no visible focus on {focused} (looking for {what})"
        if matches(focused):
            return focused
    raise AssertionError(f"{what}: not reached with {MAX_TABS} Tab presses")


@pytest.mark.django_db(transaction=True)
def test_login_documents_warranty_request_with_the_keyboard_only(live_server, wagtail_root, page, settings, tmp_path):
    from aquatiris_portal.models import Client, PortalRequest, WarrantyExtension

    settings.AQUATIRIS_PORTAL_PRIVATE_ROOT = str(tmp_path / "private")
    settings.MEDIA_ROOT = str(tmp_path / "media")
    run_portal_demo()
    client = Client.objects.get(email=CLIENT_EMAIL)
    built = client.installations.exclude(stage__in=("study", "quote")).filter(serial_number="").order_by("reference")
    installation = built.first()
    assert installation is not None, "the demo client has no built installation without a serial"

    page.goto(live_server.url + "/espace-client/")
    assert "/portail/connexion/" in page.url
    skip = tab_to(page, lambda f: f["href"] == "#main", "the skip link")
    assert skip["text"] == "Aller au contenu"
    tab_to(page, lambda f: f["name"] == "email", "the email field")
    page.keyboard.type(CLIENT_EMAIL)
    tab_to(page, lambda f: f["name"] == "password", "the password field")
    page.keyboard.type(CLIENT_PASSWORD)
    page.keyboard.press("Enter")
    arrive(page, re.compile(r"^[^?]*/espace-client/$"))

    documents = f"/installations/{installation.pk}/documents/"
    tab_to(page, lambda f: f["href"].endswith(documents), "the installation's documents")
    page.keyboard.press("Enter")
    arrive(page, re.compile(rf".*{re.escape(documents)}$"))
    tab_to(page, lambda f: f["href"].endswith("/voir/"), "a document to view")

    warranty = f"/installations/{installation.pk}/garantie/"
    tab_to(page, lambda f: f["href"].endswith(warranty), "the warranty tab", key="Shift+Tab")  # above, in the header
    page.keyboard.press("Enter")
    arrive(page, re.compile(rf".*{re.escape(warranty)}$"))
    tab_to(page, lambda f: f["name"] == "serial_number", "the serial number field")
    page.keyboard.type("aq 2024 012345")
    with page.expect_navigation(wait_until="load"):
        page.keyboard.press("Enter")
    assert "AQ-2024-012345" in page.inner_text("main")  # the check step shows the canonical serial
    tab_to(page, lambda f: f["name"] == "confirm", "the confirmation button")
    with page.expect_navigation(wait_until="load"):
        page.keyboard.press("Enter")
    page.wait_for_selector("#registered-heading")
    assert WarrantyExtension.objects.filter(installation=installation, serial_number="AQ-2024-012345").exists()

    tab_to(page, lambda f: f["href"].endswith("/contact/"), "the contact page")
    page.keyboard.press("Enter")
    arrive(page, re.compile(r".*/contact/$"))
    tab_to(page, lambda f: f["name"] == "subject", "the subject list")
    page.keyboard.press("ArrowDown")  # the first subject (a question)
    tab_to(page, lambda f: f["name"] == "message", "the message")
    page.keyboard.type("Bonjour, quand passe le prochain entretien ?")
    tab_to(
        page,
        lambda f: (
            f["tag"] == "button"
            and f["text"] == page.locator("form[data-aqp-contact-form] button[type=submit]").inner_text().strip()
        ),
        "the send button",
    )
    page.keyboard.press("Enter")
    arrive(page, re.compile(r".*/demandes/[0-9a-f-]+/$"))
    assert PortalRequest.objects.filter(client=client, message__startswith="Bonjour, quand passe").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_idle_warning_opens_before_the_logout_and_stay_logged_in_keeps_the_session(
    live_server, wagtail_root, page, settings, tmp_path
):
    settings.AQUATIRIS_PORTAL_PRIVATE_ROOT = str(tmp_path / "private")
    settings.AQUATIRIS_PORTAL_SESSION_IDLE_SECONDS = 30 * 60
    run_portal_demo()
    page.clock.install()
    page.goto(live_server.url + "/portail/connexion/")
    page.fill("input[name=email]", CLIENT_EMAIL)
    page.fill("input[name=password]", CLIENT_PASSWORD)
    page.click("form.aqp-form button[type=submit]")
    arrive(page, re.compile(r"^[^?]*/espace-client/$"))
    dialog = page.locator("dialog[data-aqp-idle]")
    assert not dialog.is_visible()
    page.clock.run_for("27:50")
    assert not dialog.is_visible()  # not before two minutes to go
    page.clock.run_for("00:15")
    assert dialog.is_visible()
    assert page.evaluate("document.activeElement.hasAttribute('data-aqp-idle-stay')")  # the focus is on it
    with page.expect_response(lambda response: "/portail/session/active/" in response.url) as answer:
        page.keyboard.press("Enter")
    assert answer.value.status == 204
    page.wait_for_function("() => !document.querySelector('dialog[data-aqp-idle]').open")
