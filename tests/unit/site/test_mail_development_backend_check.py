"""A development-only mailer (console, file, memory, dummy) sends no mail:
``check --deploy`` says so on every Django the package supports. Django
6.1's mail.E001 says it of MAILERS when it knows the backend by name;
aquatiris_portal.E015 says it everywhere else: EMAIL_BACKEND (Django 5.2,
or a host on 6.1 that has not moved) and a subclass (the demo's readable
console)."""

import warnings

import django
import pytest
from django.conf import settings as django_settings
from django.test import override_settings

from aquatiris_portal.checks import check_mail_tls
from example_site.mail_settings import CONSOLE, SMTP, mail_settings

ON_MAILERS = django.VERSION >= (6, 1)
DEVELOPMENT = [
    CONSOLE,  # the demo's readable console, a subclass of Django's
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
]


def _found_on_email_backend(backend, folder, **options):
    """check_mail_tls's ids for a site configured with EMAIL_BACKEND (no MAILERS)."""
    legacy = mail_settings(backend, mailers_supported=False, **options)
    if backend.endswith("filebased.EmailBackend"):
        legacy["EMAIL_FILE_PATH"] = str(folder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Django 6.1 warns that EMAIL_BACKEND is deprecated, as it should
        with override_settings(**legacy):
            if hasattr(django_settings, "MAILERS"):
                del django_settings.MAILERS
            return [message.id for message in check_mail_tls()]


@pytest.mark.parametrize("backend", DEVELOPMENT)
def test_a_development_backend_in_email_backend_is_an_error(backend, tmp_path):
    assert _found_on_email_backend(backend, tmp_path) == ["aquatiris_portal.E015"]


def test_smtp_in_email_backend_is_no_such_error(tmp_path):
    assert _found_on_email_backend(SMTP, tmp_path, host="smtp.example.org", use_tls=True) == []


@pytest.mark.skipif(not ON_MAILERS, reason="MAILERS is Django 6.1's")
@pytest.mark.parametrize("backend", DEVELOPMENT[:2])
def test_in_mailers_one_check_says_it_django_s_or_ours(settings, backend):
    from django.core.checks.mail import check_mailers_production_backend

    settings.MAILERS = {"default": {"BACKEND": backend}}
    ours = [message.id for message in check_mail_tls()]
    djangos = [message.id for message in check_mailers_production_backend(None)]
    # Django knows its console backend by name; the demo's readable subclass is ours to report.
    assert (ours, djangos) == (([], ["mail.E001"]) if backend != CONSOLE else (["aquatiris_portal.E015"], []))
