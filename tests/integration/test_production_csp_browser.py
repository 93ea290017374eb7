"""The production settings' Content-Security-Policy in Chromium:
gunicorn serves example_site.production (static files
collected, whitenoise, __Host- cookies) on the test database; a client logs
in and opens the dashboard and the contact form, whose script is a static
file; every response carries the policy and the console shows no CSP
violation (Chromium writes one there for each refused script, style or
image). The Wagtail admin (dashboard, a page editor) works under the admin's
own policy, with no violation either."""

import re
import subprocess
import sys

import pytest

from tests import factories

from .conftest import ROOT, _stop_process, free_port, start_process, wait_until
from .test_stack import fetch, production_env

pytestmark = [pytest.mark.integration, pytest.mark.browser]

PASSWORD = "correct-Horse-battery-9"  # tests.factories.user's


@pytest.mark.django_db(transaction=True)
def test_a_portal_page_works_under_the_production_csp_in_chromium(
    postgres, wagtail_root, browser, stack_dir, stack_report
):
    from django.conf import settings
    from wagtail.models import Site

    from aquatiris_portal.pages.client_space import ClientSpacePage

    # The site migrate creates, or a new one (with a home page the admin can
    # edit, under the tree's root) if an earlier transactional test flushed it.
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        from wagtail.models import Page

        home = wagtail_root.add_child(instance=Page(title="Accueil", slug="accueil"))
        site = Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)
    site.root_page.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))
    client = factories.client()
    installation = factories.installation(client=client, reference="AQ-2024-7001")
    factories.client_user(client)
    # An admin with an authenticator app (a known key: the test types its code).
    from django_otp.plugins.otp_totp.models import TOTPDevice

    admin = factories.user(email="admin@aquatiris.example", is_staff=True, is_superuser=True)
    device = TOTPDevice.objects.create(user=admin, name="app", confirmed=True)
    home = site.root_page

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = production_env(database_url=postgres.url(settings.DATABASES["default"]["NAME"]))
    env.update(
        STATIC_ROOT=str(stack_dir / "static-csp"),
        SECURE_SSL_REDIRECT="0",
        CSRF_TRUSTED_ORIGINS=base,
        ALLOWED_HOSTS="127.0.0.1",
    )
    collected = subprocess.run(
        [sys.executable, "example_site/manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert collected.returncode == 0, collected.stderr
    server = start_process(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "example_site.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "2",
            "--graceful-timeout",
            "3",
        ],
        stack_dir / "gunicorn-csp.log",
        env=env,
        cwd=ROOT / "example_site",
    )
    violations, policies, admin_violations, admin_errors = [], {}, [], []
    context = None
    try:
        wait_until(lambda: fetch(base + "/portail/connexion/")[0] == 200, 60, "gunicorn", proc=server)
        # Behind the HTTPS proxy: X-Forwarded-Proto says the request came in over HTTPS.
        context = browser.new_context(locale="fr-FR", extra_http_headers={"X-Forwarded-Proto": "https"})
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                violations.append(message.text)
                if "Content Security Policy" in message.text or "Refused to" in message.text
                else None
            ),
        )
        page.on(
            "response",
            lambda response: policies.setdefault(
                response.url.split("?")[0], response.headers.get("content-security-policy")
            ),
        )

        page.goto(base + "/espace-client/")
        assert "/portail/connexion/" in page.url
        page.fill("input[name=email]", client.email)
        page.fill("input[name=password]", PASSWORD)
        page.click("form.aqp-form button[type=submit]")
        page.wait_for_url(re.compile(r".*/espace-client/$"))
        assert page.locator(f"text={installation.reference}").first.is_visible()
        cookies = {cookie["name"] for cookie in context.cookies()}
        assert "__Host-sessionid" in cookies, cookies

        page.goto(base + "/espace-client/contact/")
        # The contact form's script is a static file (an inline one would be refused).
        assert page.locator("script[src*='client_space']").count() == 1
        page.wait_for_load_state("load")
        admin_status, admin_headers, _body = fetch(base + "/admin/login/", {"X-Forwarded-Proto": "https"})
        context.close()

        # The Wagtail admin under its own policy: the dashboard and a page editor (StreamField, Draftail).
        context = browser.new_context(locale="fr-FR", extra_http_headers={"X-Forwarded-Proto": "https"})
        context.set_default_timeout(20_000)
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                admin_violations.append(message.text)
                if "Content Security Policy" in message.text or "Refused to" in message.text
                else None
            ),
        )
        page.on("pageerror", lambda error: admin_errors.append(str(error)))
        page.goto(base + "/admin/")
        page.fill("input[name=email]", admin.email)
        page.fill("input[name=password]", PASSWORD)
        page.click("form.aqp-form button[type=submit]")
        page.wait_for_url(re.compile(r".*/portail/.*"))
        from django_otp.oath import totp

        page.fill("input[name=code]", f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}")
        page.click("form.aqp-form button[type=submit]")
        page.wait_for_url(re.compile(r".*/admin/$"))
        page.wait_for_load_state("networkidle")
        page.goto(f"{base}/admin/pages/{home.pk}/edit/")
        page.wait_for_load_state("networkidle")
        assert page.locator("form#page-edit-form").count() == 1
        admin_pages = page.url
    finally:
        if context is not None:
            context.close()
        _stop_process(server, timeout=5)

    dashboard = policies[base + "/espace-client/"]
    assert dashboard and "script-src 'self'" in dashboard and "unsafe-inline" not in dashboard
    assert "frame-ancestors 'none'" in dashboard
    html_pages = [url for url in policies if url.startswith(base) and "/static/" not in url]
    assert all(policies[url] for url in html_pages), policies
    assert violations == []
    admin_policy = admin_headers.get("Content-Security-Policy", "")
    assert "script-src 'self' 'unsafe-inline'" in admin_policy, (admin_status, admin_policy)
    assert admin_violations == [] and admin_errors == [], (admin_pages, admin_violations, admin_errors)
    stack_report(
        f"Chromium under example_site.production's CSP: login -> dashboard -> contact, "
        f"{len(html_pages)} responses with the policy, 0 CSP violations; policy: {dashboard}"
    )
