"""Mail leaves over TLS in production (example_site/production.py): recaps,
reply links and one-time codes do not cross the network in clear; SMTP in
clear is a choice (EMAIL_INSECURE=1) that `check --deploy` still reports
(aquatiris_portal.W011)."""

import json
import os
import subprocess
import sys

import django
import pytest

from aquatiris_portal.checks import check_mail_tls
from example_site.mail_settings import mail_settings
from tests.unit.site.test_safe_defaults import ROOT, SECRET

SMTP = "django.core.mail.backends.smtp.EmailBackend"
# The mailer the portal sends through (MAILERS on Django 6.1, EMAIL_* before).
READ = (
    "import json, django; django.setup(); from aquatiris_portal.checks import _default_mailer; "
    "m = _default_mailer(); print(json.dumps([f'{type(m).__module__}.{type(m).__name__}', m.use_tls, m.use_ssl]))"
)


def _production(*args, **env):
    base = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEMO", "DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "REDIS_URL"}
        and not key.startswith("EMAIL_")
    }
    base.update(
        PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "example_site")]),
        DJANGO_SETTINGS_MODULE="example_site.production",
        SECRET_KEY=SECRET,
        REDIS_URL="redis://127.0.0.1:1/0",
        ALLOWED_HOSTS="portail.aquatiris.example",
        PYTHONWARNINGS="ignore",
        **env,
    )
    return subprocess.run([sys.executable, *args], env=base, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_production_smtp_uses_starttls_by_default_and_refuses_clear_text_unless_asked():
    assert json.loads(_production("-c", READ, EMAIL_HOST="smtp.example.org").stdout) == [SMTP, True, False]
    assert json.loads(
        _production("-c", READ, EMAIL_HOST="smtp.example.org", EMAIL_USE_SSL="1", EMAIL_PORT="465").stdout
    ) == [SMTP, False, True]
    refused = _production("-c", READ, EMAIL_HOST="smtp.example.org", EMAIL_USE_TLS="0")
    assert refused.returncode != 0 and "EMAIL_INSECURE=1" in refused.stderr
    on_purpose = _production("-c", READ, EMAIL_HOST="smtp.example.org", EMAIL_USE_TLS="0", EMAIL_INSECURE="1")
    assert json.loads(on_purpose.stdout) == [SMTP, False, False]


def test_check_deploy_warns_about_smtp_in_clear_on_the_production_settings():
    result = _production(
        "example_site/manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        EMAIL_HOST="smtp.example.org",
        EMAIL_USE_TLS="0",
        EMAIL_INSECURE="1",
    )
    assert result.returncode != 0
    assert "(aquatiris_portal.W011) " in result.stdout + result.stderr
    assert "sends mail by SMTP without TLS" in result.stdout + result.stderr
    clean = _production(
        "example_site/manage.py", "check", "--deploy", "--fail-level", "WARNING", EMAIL_HOST="smtp.example.org"
    )
    assert clean.returncode == 0, clean.stdout + clean.stderr


@pytest.mark.parametrize(
    "backend, tls, ssl, warned",
    [
        (SMTP, False, False, True),
        (SMTP, True, False, False),
        (SMTP, False, True, False),
        ("django.core.mail.backends.console.EmailBackend", False, False, False),
    ],
)
def test_the_mail_check(settings, backend, tls, ssl, warned):
    options = {"host": "smtp.example.org", "use_tls": tls, "use_ssl": ssl} if backend == SMTP else {}
    for name, value in mail_settings(backend, **options).items():
        setattr(settings, name, value)
    # Django's console sends nothing at all: Django 6.1's mail.E001 says so of MAILERS, our E015
    # of EMAIL_BACKEND (site/test_mail_development_backend_check.py).
    console_error = backend != SMTP and django.VERSION < (6, 1)
    expected = ["aquatiris_portal.W011"] if warned else ["aquatiris_portal.E015"] if console_error else []
    assert [message.id for message in check_mail_tls()] == expected


@pytest.mark.skipif(django.VERSION < (6, 1), reason="MAILERS is Django 6.1's")
def test_the_mail_check_reads_djangos_mailers_too(settings):
    settings.MAILERS = {
        "default": {"BACKEND": SMTP, "OPTIONS": {"host": "smtp.example.org"}},
        "secure": {"BACKEND": SMTP, "OPTIONS": {"use_ssl": True}},
    }
    [warning] = check_mail_tls()
    assert warning.msg.startswith("MAILERS['default'] sends mail by SMTP without TLS")
