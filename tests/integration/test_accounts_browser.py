"""Accounts in Chromium on the real stack: a demo
client activates their account through the real SMTP sink (reads the mail,
follows the link, takes the generated password, logs in), logs out, loses
the password, resets it, logs in with the new one; the used links then fail
with a page that offers a new one."""

import re

import pytest

from tests.factories import leads, run_portal_demo
from tests.integration.screens import shoot  # noqa: E402

EMAIL, CODE = "bernard.lefebvre@example.org", "CLI-1037"  # a demo client not yet activated

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def link_in(message):
    text = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(r"https?://\S+/lien/\S+/", text)
    assert match, text
    return match.group(0)


def log_in(page, base, password):
    page.goto(base + "/espace-client/")
    assert "/portail/connexion/" in page.url
    page.fill("input[name=email]", EMAIL.upper())  # any case
    page.fill("input[name=password]", password)
    page.click("form.aqp-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/espace-client/$"))


def log_out(page):
    page.click(".aqp-account-bar__logout button[type=submit]")
    page.wait_for_url(re.compile(r".*/portail/connexion/$"))
    assert page.locator(".aqp-account-bar").count() == 0


def take_generated_password(page):
    password = page.locator("#aqp-generated-password").inner_text().strip()
    assert len(password) >= 20
    page.click("form:has(input[name=choice][value=generated]) button[type=submit]")
    return password


@pytest.mark.django_db(transaction=True)
def test_demo_client_activates_logs_out_resets_and_logs_in_again_in_chromium(
    live_server,
    wagtail_root,
    page,
    smtp_settings,
    redis_worker,
    settings,
    tmp_path,
    stack_report,
):
    from aquatiris_portal.models import OutboxEvent, OutgoingMail

    settings.MEDIA_ROOT = str(tmp_path / "media")
    run_portal_demo()
    base = live_server.url
    sink = smtp_settings

    # First connection, from the client space's login page.
    page.goto(base + "/espace-client/")
    page.click("a[href^='/portail/premiere-connexion/']")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=code]", CODE.lower())
    shoot(page, "accounts-activation")
    page.click("form.aqp-form button[type=submit]")
    assert page.locator("h1").inner_text()
    messages = sink.wait_for(1, timeout=30)
    assert len(messages) == 1 and messages[0]["To"] == EMAIL, [m["To"] for m in messages]
    activation_link = link_in(messages[0])
    assert messages[0].get_body(preferencelist=("html",)) is not None

    page.goto(activation_link)
    assert "/lien/" not in page.url  # the token left the address bar
    shoot(page, "accounts-set-password")
    first_password = take_generated_password(page)
    page.wait_for_url(re.compile(r".*/espace-client/$"))
    [account] = [lead for lead in leads("client") if lead.client.email == EMAIL]
    assert account.account.activated_at and account.user.username == EMAIL
    assert OutboxEvent.objects.filter(kind="account_activated", payload__email=EMAIL).count() == 1
    log_out(page)

    # The generated password works.
    log_in(page, base, first_password)
    log_out(page)

    # Lost password, from the login page.
    sink.clear()
    page.click("a[href='/portail/mot-de-passe-perdu/']")
    page.fill("input[name=email]", EMAIL)
    page.click("form.aqp-form button[type=submit]")
    messages = sink.wait_for(1, timeout=30)
    assert len(messages) == 1 and messages[0]["To"] == EMAIL
    reset_link = link_in(messages[0])
    page.goto(reset_link)
    new_password = take_generated_password(page)
    assert new_password != first_password
    page.wait_for_url(re.compile(r".*/portail/connexion/$"))
    log_in(page, base, new_password)
    log_out(page)

    # The old password no longer opens the space.
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", first_password)
    page.click("form.aqp-form button[type=submit]")
    assert "/portail/connexion/" in page.url and page.locator(".aqp-error-summary").count() == 1

    # Used links fail, and offer a new one.
    response = page.goto(activation_link)
    assert response.status == 410
    assert page.locator("a[href='/portail/premiere-connexion/']").count() >= 1
    shoot(page, "accounts-link-used")
    response = page.goto(reset_link)
    assert response.status == 410
    page.click("a.aqp-button[href='/portail/mot-de-passe-perdu/']")
    assert page.url.endswith("/portail/mot-de-passe-perdu/")

    sent = OutgoingMail.objects.filter(to=[EMAIL]).values_list("key", flat=True)
    # The links, and the notice that the password was reset (if it was not them).
    assert sorted(key.split(":")[0] for key in sent) == ["activation", "reset", "security"]
    assert [key.split(":")[1] for key in sent if key.startswith("security:")] == ["password_reset"]
    stack_report(
        f"accounts: activation + reset links through SMTP, {len(sent)} mails to {EMAIL}, used links answer 410"
    )
