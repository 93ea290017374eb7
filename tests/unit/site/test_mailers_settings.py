"""The example site's mail settings speak the running Django's language:
MAILERS on Django 6.1 (which deprecates the EMAIL_* connection settings),
EMAIL_* on Django 5.2, from the same environment variables
(docs/operations.md) and with the same rules: mails printed without
EMAIL_HOST, SMTP to it otherwise, over TLS in production unless
EMAIL_INSECURE=1 (example_site/mail_settings.py)."""

import os
import re
import subprocess
import sys
from unittest import mock

import django
import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from hypothesis import example, given
from hypothesis import strategies as st

from example_site import mail_settings
from example_site import settings as site_settings
from tests.unit.site.test_safe_defaults import ROOT, SECRET

ON_MAILERS = django.VERSION >= (6, 1)
DEPRECATED = set(mail_settings.LEGACY_NAMES.values()) | {"EMAIL_BACKEND", "EMAIL_FILE_PATH"}
VARIABLES = ("EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD")
FLAGS = ("EMAIL_USE_TLS", "EMAIL_USE_SSL", "EMAIL_INSECURE")
# What people write in an environment file, true and false.
FLAG_VALUES = st.sampled_from(["1", "0", "true", "false", "yes", "no", " On ", "off", ""])

options = st.fixed_dictionaries(
    {},
    optional={
        "host": st.text(max_size=30),
        "port": st.integers(1, 65535),
        "username": st.text(max_size=20),
        "password": st.text(max_size=20),
        "use_tls": st.booleans(),
        "use_ssl": st.booleans(),
        "timeout": st.none() | st.integers(1, 120),
    },
)


@given(backend=st.sampled_from([mail_settings.SMTP, mail_settings.CONSOLE]), options=options)
def test_both_shapes_carry_the_same_mailer_and_neither_mixes_in_the_other(backend, options):
    new = mail_settings.mail_settings(backend, mailers_supported=True, **options)
    old = mail_settings.mail_settings(backend, mailers_supported=False, **options)
    # Django 6.1 refuses a settings module with both (ImproperlyConfigured).
    assert set(new) == {"MAILERS"}
    assert "MAILERS" not in old and set(old) <= DEPRECATED
    assert new["MAILERS"] == {"default": {"BACKEND": backend, "OPTIONS": options}}
    assert old == {
        "EMAIL_BACKEND": backend,
        **{mail_settings.LEGACY_NAMES[key]: value for key, value in options.items()},
    }


def test_an_option_with_no_email_setting_is_refused_by_name():
    with pytest.raises(ImproperlyConfigured, match="use_tsl"):
        mail_settings.mail_settings(mail_settings.SMTP, use_tsl=True)


def _read(variables, production, mailers_supported):
    """from_environment() with the example site's own readers of the environment."""
    with mock.patch.dict(os.environ):
        for name in VARIABLES + FLAGS:
            os.environ.pop(name, None)
        os.environ.update(variables)
        return mail_settings.from_environment(
            site_settings.env, site_settings.env_bool, production=production, mailers_supported=mailers_supported
        )


def _mailer(shape):
    """The default mailer as (backend, options), whatever the shape."""
    if "MAILERS" in shape:
        default = shape["MAILERS"]["default"]
        return default["BACKEND"], default["OPTIONS"]
    names = {setting: option for option, setting in mail_settings.LEGACY_NAMES.items()}
    return shape["EMAIL_BACKEND"], {names[key]: value for key, value in shape.items() if key != "EMAIL_BACKEND"}


environments = st.fixed_dictionaries(
    {},
    optional={
        "EMAIL_HOST": st.sampled_from(["smtp.example.org", ""]),
        "EMAIL_PORT": st.sampled_from(["25", "465", "587"]),
        "EMAIL_HOST_USER": st.just("portail"),
        "EMAIL_HOST_PASSWORD": st.just("secret"),
        **dict.fromkeys(FLAGS, FLAG_VALUES),
    },
)


@given(variables=environments, production=st.booleans())
@example(variables={"EMAIL_HOST": "smtp.example.org"}, production=True)  # STARTTLS by default
@example(variables={"EMAIL_HOST": "smtp.example.org", "EMAIL_USE_TLS": "0"}, production=True)  # refused
@example(variables={"EMAIL_HOST": "smtp.example.org", "EMAIL_USE_TLS": "0", "EMAIL_INSECURE": "1"}, production=True)
def test_the_environment_gives_the_same_mailer_in_both_shapes_and_production_never_sends_in_clear_unasked(
    variables, production
):
    def flag(name):
        return variables.get(name, "").strip().lower() in {"1", "true", "yes", "on"}

    try:
        new = _read(variables, production, mailers_supported=True)
    except ImproperlyConfigured as refusal:
        with pytest.raises(ImproperlyConfigured, match=re.escape(str(refusal))):
            _read(variables, production, mailers_supported=False)
        both = flag("EMAIL_USE_TLS") and flag("EMAIL_USE_SSL")
        assert variables.get("EMAIL_HOST") and (both or (production and not flag("EMAIL_INSECURE")))
        return
    old = _read(variables, production, mailers_supported=False)
    backend, chosen = _mailer(new)
    assert _mailer(old) == (backend, chosen)
    if not variables.get("EMAIL_HOST"):
        assert (backend, chosen) == (mail_settings.CONSOLE, {})
        return
    assert backend == mail_settings.SMTP and chosen["host"] == "smtp.example.org"
    assert chosen["port"] == int(variables.get("EMAIL_PORT", "25"))
    assert not (chosen["use_tls"] and chosen["use_ssl"])
    assert chosen["use_ssl"] == flag("EMAIL_USE_SSL")
    if production and not (chosen["use_tls"] or chosen["use_ssl"]):
        assert flag("EMAIL_INSECURE")
    if production and "EMAIL_USE_TLS" not in variables:
        assert chosen["use_tls"] == (not flag("EMAIL_USE_SSL"))  # STARTTLS unless implicit TLS asked
    else:
        assert chosen["use_tls"] == flag("EMAIL_USE_TLS")


def test_a_port_that_is_no_number_is_named():
    with pytest.raises(ImproperlyConfigured, match="EMAIL_PORT must be a number, not 'smtp'"):
        _read({"EMAIL_HOST": "smtp.example.org", "EMAIL_PORT": "smtp"}, production=False, mailers_supported=True)


def test_the_test_settings_set_only_what_this_django_reads():
    if ON_MAILERS:
        assert settings.is_overridden("MAILERS")
        assert not [name for name in DEPRECATED if settings.is_overridden(name)]
        # Django's test set-up swaps every mailer for locmem (mail.outbox).
        assert settings.MAILERS["default"]["BACKEND"] == "django.core.mail.backends.locmem.EmailBackend"
    else:
        assert not hasattr(settings, "MAILERS")
        assert settings.EMAIL_BACKEND == "django.core.mail.backends.locmem.EmailBackend"


# In a fresh interpreter: the settings module, the deploy checks and one mail
# sent the package's way, Django's deprecation warnings turned into errors.
STRICT = """
import sys, warnings, django
from django.utils import deprecation
category = getattr(deprecation, "RemovedInDjango2028Warning", None)
if category:
    warnings.simplefilter("error", category)
django.setup()
from django.core import mail
from django.core.management import call_command
if sys.argv[1] == "check":
    call_command("check", "--deploy")
else:
    mail.EmailMultiAlternatives("Bonjour", "Le corps", "portail@example.org", ["client@example.org"]).send()
mailer = mail.mailers.default if hasattr(mail, "mailers") else mail.get_connection()
print("MAILER", type(mailer).__module__, getattr(mailer, "use_tls", None), getattr(mailer, "use_ssl", None))
"""


def _strict(module, what, **variables):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEMO", "DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "REDIS_URL", "PYTHONWARNINGS"}
        and not key.startswith("EMAIL_")
    }
    env.update(
        PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "example_site")]),
        DJANGO_SETTINGS_MODULE=module,
        SECRET_KEY=SECRET,
        REDIS_URL="redis://127.0.0.1:1/0",
        ALLOWED_HOSTS="portail.aquatiris.example",
        PUBLIC_BASE_URL="https://portail.aquatiris.example",
        **variables,
    )
    return subprocess.run(
        [sys.executable, "-c", STRICT, what], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_the_demo_prints_its_mails_with_no_deprecated_mail_setting():
    result = _strict("example_site.settings", "send", DEMO="1")
    assert result.returncode == 0, result.stderr
    assert "Subject: Bonjour" in result.stdout and "To: client@example.org" in result.stdout
    assert "MAILER example_site.console_mail" in result.stdout


@pytest.mark.parametrize(
    "variables, tls, ssl",
    [
        ({}, True, False),
        ({"EMAIL_USE_SSL": "1", "EMAIL_PORT": "465"}, False, True),
        ({"EMAIL_USE_TLS": "0", "EMAIL_INSECURE": "1"}, False, False),
    ],
)
def test_production_runs_its_deploy_checks_with_no_deprecated_mail_setting(variables, tls, ssl):
    result = _strict("example_site.production", "check", EMAIL_HOST="smtp.example.org", **variables)
    assert result.returncode == 0, result.stderr
    assert f"MAILER django.core.mail.backends.smtp {tls} {ssl}" in result.stdout
    output = result.stdout + result.stderr
    assert ("aquatiris_portal.W011" in output) == (not (tls or ssl))
    assert "Deprecat" not in output and "MAILERS before" not in output
