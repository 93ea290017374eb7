"""« Faire confiance à ce navigateur pendant 30 jours » in Chromium on the
real stack: a SPANC logs in with the code read from the SMTP sink and ticks
the box; logs out; logs in again without a code; removes the browser from
its account page; the next login asks the code again. Screenshot of the
account page at 360 px (docs/screenshots/spanc-trusted-browsers-360.png)."""

import re

import pytest
from django.urls import reverse

from tests import factories
from tests.integration.screens import shoot

from .conftest import wait_until
from .test_a11y import run_axe

pytestmark = [pytest.mark.integration, pytest.mark.browser]

PASSWORD = "correct-Horse-battery-9"


def _code_mails(sink, address):
    return [m for m in sink.messages if address in m["To"] and re.search(r"\b\d{6}\b", _text(m))]


def _text(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def _log_in(page, base, email, account_url):
    page.goto(base + reverse("aquatiris_portal:login") + "?next=" + account_url)
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(re.compile(r".*/connexion/verification/.*|.*" + re.escape(account_url) + "$"))


def _type_code(page, sink, email, seen, trust):
    """Wait for a new code mail to arrive in the SMTP sink, type it."""
    codes = wait_until(lambda: (found := _code_mails(sink, email)) and len(found) > seen and found, 30, "the code mail")
    code = re.search(r"\b(\d{6})\b", _text(codes[-1])).group(1)
    if trust:
        page.check("#id_trust_browser")
    page.fill("input[name=code]", code)
    page.click("form.aqp-form button.aqp-button--primary")


def _log_out(page):
    page.click(".aqp-account-bar__logout button[type=submit]")
    page.wait_for_url(re.compile(r".*/connexion/$"))


@pytest.mark.django_db(transaction=True)
def test_a_spanc_trusts_its_browser_then_removes_it_in_chromium(
    live_server,
    wagtail_root,
    page,
    smtp_settings,
    redis_worker,
    settings,
    stack_report,
):
    from aquatiris_portal.accounts.trusted_browsers import COOKIE_NAME
    from aquatiris_portal.models import OutgoingMail, TrustedBrowser

    base = live_server.url
    user = factories.spanc_user()
    email = user.email
    account_url = reverse("aquatiris_portal:password_change")
    verify_url = reverse("aquatiris_portal:otp_verify")
    sink = smtp_settings

    # First login: the code by email, the box ticked.
    _log_in(page, base, email, account_url)
    assert verify_url in page.url
    box = page.locator("#id_trust_browser")
    assert box.is_visible() and not box.is_checked()
    label = page.locator("label[for=id_trust_browser]").inner_text()
    assert "Faire confiance à ce navigateur pendant 30 jours" in label
    _type_code(page, sink, email, 0, trust=True)
    page.wait_for_url(re.compile(".*" + re.escape(account_url) + "$"))
    cookie = next(c for c in page.context.cookies() if c["name"] == COOKIE_NAME)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == verify_url
    assert page.evaluate("document.cookie").find(COOKIE_NAME) == -1  # HttpOnly: no script reads it

    # The account page lists it, with its buttons.
    section = page.locator("section.aqp-trusted-browsers")
    assert "Navigateurs de confiance" in section.locator("h2").inner_text()
    assert section.locator("li").count() == 1
    assert "Chrome" in section.locator("li").inner_text()
    assert section.get_by_role("button", name=re.compile("^Retirer tous$")).count() == 1
    page.set_viewport_size({"width": 360, "height": 740})
    section.scroll_into_view_if_needed()
    violations = run_axe(page)
    assert not violations, violations
    shoot(page, "spanc-trusted-browsers", widths=(360,))

    # Log out, log in again: no code asked, no code sent.
    _log_out(page)
    codes_before = OutgoingMail.objects.filter(key__startswith="otp:").count()
    _log_in(page, base, email, account_url)
    page.wait_for_url(re.compile(".*" + re.escape(account_url) + "$"))
    assert OutgoingMail.objects.filter(key__startswith="otp:").count() == codes_before
    assert TrustedBrowser.objects.get(user=user).last_used_at is not None

    # Remove it from the account page.
    page.locator("section.aqp-trusted-browsers li").get_by_role("button", name=re.compile("^Retirer")).click()
    page.wait_for_url(re.compile(".*" + re.escape(account_url) + ".*"))
    assert page.locator("section.aqp-trusted-browsers li").count() == 0
    assert not TrustedBrowser.objects.filter(user=user).exists()

    # The next login asks the code again.
    _log_out(page)
    seen = len(_code_mails(sink, email))
    _log_in(page, base, email, account_url)
    assert verify_url in page.url
    _type_code(page, sink, email, seen, trust=False)
    page.wait_for_url(re.compile(".*" + re.escape(account_url) + "$"))
    stack_report(
        f"trusted browser: code once with the box, login without a code, removed, code asked again "
        f"({len(_code_mails(sink, email))} code mails)"
    )
