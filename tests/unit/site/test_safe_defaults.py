"""Safe defaults of the example site: a demo only when told so,
no start without a secret, DEBUG off, production on __Host- cookies, 12 h
sessions and a Content-Security-Policy, `check --deploy` clean; the signed
sync download link lives an hour and every use is logged.

The settings are imported in a fresh interpreter for each environment (they
are read once per process)."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import Client as HttpClient
from django.test import override_settings
from django.urls import reverse

from tests import factories

ROOT = Path(__file__).resolve().parents[3]
SECRET = "s3cret-" + "Zq8Lm2Vx7Rb4Nc9Wd1Kf6Hg3Jt5Yp0Ua" * 2
DEMO_KEY = "demo-only-insecure-key-change-me-0123456789abcdefghijklmnop"


def _env(**values):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEMO", "DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "REDIS_URL"}
    }
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "example_site")])
    env.update({key: value for key, value in values.items() if value is not None})
    return env


DUMP = """
import json, importlib
module = importlib.import_module({module!r})
names = ["DEBUG", "SECRET_KEY", "SESSION_COOKIE_AGE", "SESSION_COOKIE_NAME", "CSRF_COOKIE_NAME",
         "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_PATH", "SESSION_COOKIE_DOMAIN",
         "CSRF_COOKIE_DOMAIN", "AQUATIRIS_PORTAL_SESSION_MAX_SECONDS", "MIDDLEWARE", "SECURE_CSP",
         "CONTENT_SECURITY_POLICY"]
print(json.dumps({{name: getattr(module, name, None) for name in names}}))
"""


def settings_of(module="example_site.settings", **env):
    result = subprocess.run(
        [sys.executable, "-c", DUMP.format(module=module)],
        env=_env(**env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.returncode, (json.loads(result.stdout) if result.returncode == 0 else result.stderr)


def test_without_demo_or_secret_key_the_site_refuses_to_start_with_a_clear_message():
    code, error = settings_of()
    assert code != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in error and "DEMO=1" in error


def test_the_published_demo_key_is_refused_outside_the_demo():
    code, error = settings_of(SECRET_KEY=DEMO_KEY)
    assert code != 0 and "SECRET_KEY is not set (or is the published demo key)" in error


def test_demo_gets_debug_and_the_demo_key():
    code, values = settings_of(DEMO="1")
    assert code == 0 and values["DEBUG"] is True and values["SECRET_KEY"] == DEMO_KEY


def test_with_a_secret_key_debug_defaults_to_off():
    code, values = settings_of(SECRET_KEY=SECRET)
    assert code == 0 and values["DEBUG"] is False and values["SECRET_KEY"] == SECRET
    code, values = settings_of(SECRET_KEY=SECRET, DEBUG="1")
    assert code == 0 and values["DEBUG"] is True  # only when asked


def test_production_refuses_the_demo_key_and_never_runs_debug():
    code, error = settings_of("example_site.production", DEMO="1")
    assert code != 0 and "the production settings refuse to start" in error
    code, values = settings_of("example_site.production", SECRET_KEY=SECRET, DEBUG="1", DEMO="1")
    assert code == 0 and values["DEBUG"] is False


def test_sessions_last_12_hours_at_most_and_production_uses_host_cookies():
    code, values = settings_of(DEMO="1")
    assert values["SESSION_COOKIE_AGE"] <= 12 * 3600
    assert values["AQUATIRIS_PORTAL_SESSION_MAX_SECONDS"] <= 12 * 3600
    code, values = settings_of("example_site.production", SECRET_KEY=SECRET)
    assert code == 0, values
    assert values["SESSION_COOKIE_NAME"] == "__Host-sessionid" and values["CSRF_COOKIE_NAME"] == "__Host-csrftoken"
    # What the browser requires of a __Host- cookie: Secure, Path=/, no Domain.
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SESSION_COOKIE_PATH"] == "/" and values["SESSION_COOKIE_DOMAIN"] is None
    assert values["CSRF_COOKIE_DOMAIN"] is None
    assert values["SESSION_COOKIE_AGE"] <= 12 * 3600


def test_wsgi_serves_the_production_settings():
    script = "import os, example_site.wsgi; print(os.environ['DJANGO_SETTINGS_MODULE'])"
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=_env(SECRET_KEY=SECRET, REDIS_URL="redis://127.0.0.1:1/0"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "example_site.production"


def test_check_deploy_on_the_production_settings_is_clean():
    # REDIS_URL as production has it (the package's checks want a shared
    # broker and cache); nothing connects to it during the checks.
    result = subprocess.run(
        [sys.executable, "example_site/manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_env(
            DJANGO_SETTINGS_MODULE="example_site.production",
            SECRET_KEY=SECRET,
            REDIS_URL="redis://127.0.0.1:1/0",
            ALLOWED_HOSTS="portail.aquatiris.example",
            EMAIL_HOST="smtp.example.org",  # production mails by SMTP (Django 6.1: mail.E001 for a console mailer)
        ),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


# --- management commands that serve nothing run without a key -------------------------


def _manage(*args, timeout=300, **env):
    return subprocess.run(
        [sys.executable, "example_site/manage.py", *args],
        env=_env(**env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_bare_makemigrations_check_runs_without_demo_or_secret_key():
    """What a checker runs, in a clean environment (no DEMO, no SECRET_KEY)."""
    result = _manage("makemigrations", "--check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout


KEYLESS_DUMP = """
import json, sys
sys.argv = {argv!r}
from example_site import settings
print(json.dumps({{"SECRET_KEY": settings.SECRET_KEY, "DEBUG": settings.DEBUG}}))
"""


def test_a_keyless_command_gets_a_random_key_of_its_own_never_the_demo_key():
    keys = []
    for _run in range(2):
        result = subprocess.run(
            [sys.executable, "-c", KEYLESS_DUMP.format(argv=["manage.py", "makemigrations"])],
            env=_env(),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        values = json.loads(result.stdout)
        assert values["DEBUG"] is False
        keys.append(values["SECRET_KEY"])
    assert keys[0] != keys[1] and DEMO_KEY not in keys and all(len(key) >= 50 for key in keys)


@pytest.mark.parametrize(
    "argv",
    [
        ["manage.py", "runserver", "--noreload", "127.0.0.1:8765"],
        ["manage.py", "check", "--deploy"],
        ["manage.py", "migrate"],
        ["manage.py", "shell"],
        ["gunicorn", "makemigrations"],
    ],
)
def test_serving_or_other_commands_still_refuse_without_a_key(argv):
    result = subprocess.run(
        [sys.executable, "-c", KEYLESS_DUMP.format(argv=argv)],
        env=_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr


def test_runserver_without_a_key_refuses_to_start():
    # If it started it would serve until the timeout: the test fails either way.
    result = _manage("runserver", "--noreload", "127.0.0.1:8765", timeout=120)
    assert result.returncode != 0 and "SECRET_KEY is not set" in result.stderr


def test_production_settings_refuse_a_keyless_command_too():
    result = _manage("makemigrations", "--check", DJANGO_SETTINGS_MODULE="example_site.production")
    assert result.returncode != 0 and "the production settings refuse to start" in result.stderr


# --- the Content-Security-Policy, served with production's own values ------------------


@pytest.fixture
def production_csp():
    code, values = settings_of("example_site.production", SECRET_KEY=SECRET)
    assert code == 0, values
    return values


def _policy(header):
    return {part.split()[0]: part.split()[1:] for part in header.split("; ")}


@pytest.mark.django_db
def test_production_pages_carry_a_strict_csp_and_the_admin_its_own(production_csp):
    import django

    if django.VERSION >= (6, 0):  # Django's own CSP
        assert "django.middleware.csp.ContentSecurityPolicyMiddleware" in production_csp["MIDDLEWARE"]
        policy_settings = {"SECURE_CSP": production_csp["SECURE_CSP"]}
    else:  # Django 5.2: django-csp
        assert "csp.middleware.CSPMiddleware" in production_csp["MIDDLEWARE"]
        policy_settings = {"CONTENT_SECURITY_POLICY": production_csp["CONTENT_SECURITY_POLICY"]}
    factories.client_user()
    with override_settings(MIDDLEWARE=production_csp["MIDDLEWARE"], **policy_settings):
        http = HttpClient()
        login = http.get(reverse("aquatiris_portal:login"))
        admin = http.get("/admin/login/", follow=False)
    policy = _policy(login["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["base-uri"] == ["'self'"]
    assert "'unsafe-inline'" not in login["Content-Security-Policy"]
    assert "'unsafe-eval'" not in login["Content-Security-Policy"]
    admin_policy = _policy(admin["Content-Security-Policy"])
    assert admin_policy["script-src"] == ["'self'", "'unsafe-inline'"]
    assert admin_policy["object-src"] == ["'none'"]


@pytest.mark.django_db
def test_portal_templates_hold_no_inline_script_or_handler():
    """What script-src 'self' needs: every script a file, no on* attribute."""
    import re

    templates = ROOT / "aquatiris_portal" / "templates"
    offenders = []
    for path in list(templates.rglob("*.html")) + list((ROOT / "example_site" / "templates").rglob("*.html")):
        if "/mail/" in str(path):
            continue  # mails are not pages
        text = path.read_text()
        if (
            re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text)
            or re.search(r"\son[a-z]+\s*=", text)
            or re.search(r"\sstyle\s*=", text)
            or "javascript:" in text
        ):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


# --- sessions: 12 hours at most, however active ------------------------------------


@pytest.mark.django_db
def test_an_active_session_ends_12_hours_after_its_login(settings):
    from aquatiris_portal.accounts.middleware import STARTED_SESSION_KEY

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AQUATIRIS_PORTAL_SESSION_MAX_SECONDS = 12 * 3600
    page = reverse("aquatiris_portal:password_change")
    http = HttpClient()
    http.force_login(factories.client_user())
    assert http.get(page).status_code == 200
    session = http.session
    started = session[STARTED_SESSION_KEY]
    assert abs(started - time.time()) < 60
    # Active all along (seen a minute ago), logged in 12 h and 1 min ago.
    session[STARTED_SESSION_KEY] = int(time.time()) - 12 * 3600 - 60
    session["aquatiris_portal_last_seen"] = int(time.time()) - 60
    session.save()
    response = http.get(page)
    assert response.status_code == 302 and reverse("aquatiris_portal:login") in response["Location"]
    # 11 h 59 after the login: still in.
    http.force_login(factories.client_user())
    http.get(page)
    session = http.session
    session[STARTED_SESSION_KEY] = int(time.time()) - 12 * 3600 + 60
    session.save()
    assert http.get(page).status_code == 200


# --- the signed sync download link ------------------------------------------------------


@pytest.mark.django_db
def test_sync_download_link_lives_an_hour_and_every_use_is_logged(monkeypatch):
    import django.core.signing

    from aquatiris_portal.security_log.models import SecurityEvent
    from aquatiris_portal.sync.delivery import download_token

    document = factories.document()
    token = download_token(document.pk)
    url = reverse("aquatiris_portal:sync_document_download", args=[token])
    http = HttpClient()
    assert http.get(url).status_code == 200
    now = time.time()
    monkeypatch.setattr(django.core.signing.time, "time", lambda: now + 3540)  # 59 min later
    assert http.get(url).status_code == 200
    monkeypatch.setattr(django.core.signing.time, "time", lambda: now + 3660)  # 61 min later
    assert http.get(url).status_code == 404
    events = list(SecurityEvent.objects.filter(kind="sync_download").order_by("pk"))
    assert [event.details["outcome"] for event in events] == ["served", "served"]
    assert all(event.details["document"] == document.pk for event in events)
    # A refusal is counted per address and minute (security_log/refusals.py).
    events += list(SecurityEvent.objects.filter(kind="token_refused", details__route="sync_download"))
    assert len(events) == 3
    # The token is a credential: never in the log.
    assert all(token not in json.dumps(event.details) + event.path for event in events)


@pytest.mark.django_db
def test_the_attachment_link_for_the_internal_system_lives_an_hour_and_is_logged(monkeypatch):
    import django.core.signing
    from django.core.files.base import ContentFile

    from aquatiris_portal.enquiries.models import PortalRequest, RequestAttachment
    from aquatiris_portal.security_log.models import SecurityEvent
    from aquatiris_portal.sync.delivery import attachment_token

    installation = factories.installation()
    portal_request = PortalRequest(
        kind="question", client=installation.client, installation=installation, message="Bonjour"
    )
    portal_request.fill_recap()
    portal_request.save()
    attachment = RequestAttachment(request=portal_request, filename="photo.jpg", content_type="image/jpeg", size=3)
    attachment.file.save("photo.jpg", ContentFile(b"abc"), save=False)
    attachment.save()
    token = attachment_token(attachment.pk)
    url = reverse("aquatiris_portal:request_attachment_download", args=[token])
    http = HttpClient()
    assert http.get(url).status_code == 200
    now = time.time()
    monkeypatch.setattr(django.core.signing.time, "time", lambda: now + 3660)
    assert http.get(url).status_code == 404
    events = list(SecurityEvent.objects.filter(kind="sync_download").order_by("pk"))
    assert [(event.details["attachment"], event.details["outcome"]) for event in events] == [(attachment.pk, "served")]
    # A refusal is counted per address and minute (security_log/refusals.py).
    events += list(SecurityEvent.objects.filter(kind="token_refused", details__route="sync_attachment"))
    assert len(events) == 2
    assert all(token not in json.dumps(event.details) + event.path for event in events)
