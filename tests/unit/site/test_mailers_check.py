"""The SMTP-over-TLS check (aquatiris_portal.W011) reads the mailer the
portal's mails go through, the default one: MAILERS['default'] on Django
6.1, EMAIL_BACKEND and EMAIL_* on Django 5.2 (or on 6.1 for a host that has
not moved), and touches no setting Django 6.1 deprecates. A default mailer
that cannot be built is an error of its own (aquatiris_portal.E014)."""

import warnings

import django
import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.test import override_settings
from django.utils import deprecation

from aquatiris_portal.checks import check_mail_tls
from example_site.mail_settings import CONSOLE, SMTP, mail_settings

ON_MAILERS = django.VERSION >= (6, 1)
DEPRECATION = getattr(deprecation, "RemovedInDjango2028Warning", None)
needs_mailers = pytest.mark.skipif(not ON_MAILERS, reason="MAILERS is Django 6.1's")


def _apply(settings, values):
    for name, value in values.items():
        setattr(settings, name, value)


def _checked():
    """The check's messages, Django's mail deprecations raised as errors."""
    with warnings.catch_warnings():
        if DEPRECATION:
            warnings.simplefilter("error", DEPRECATION)
        return [(message.id, message.msg) for message in check_mail_tls()]


@pytest.mark.parametrize(
    "backend, options, warned",
    [
        (SMTP, {"host": "smtp.example.org", "use_tls": False, "use_ssl": False}, True),
        (SMTP, {"host": "smtp.example.org"}, True),  # Django's default: in clear
        (SMTP, {"host": "smtp.example.org", "port": 587, "use_tls": True}, False),
        (SMTP, {"host": "smtp.example.org", "port": 465, "use_ssl": True}, False),
        (CONSOLE, {}, False),
    ],
)
def test_w011_fires_for_smtp_in_clear_only_in_the_shape_this_django_reads(settings, backend, options, warned):
    _apply(settings, mail_settings(backend, **options))
    found = _checked()
    setting = "MAILERS['default']" if ON_MAILERS else "EMAIL_BACKEND"
    if backend == CONSOLE:  # no mail leaves at all: an error of its own (test_mail_development_backend_check)
        assert [message_id for message_id, _ in found] == ["aquatiris_portal.E015"]
        return
    assert found == ([("aquatiris_portal.W011", found[0][1])] if warned else [])
    if warned:
        assert found[0][1].startswith(f"{setting} sends mail by SMTP without TLS")


@needs_mailers
def test_only_the_default_mailer_counts_the_portal_sends_through_it(settings):
    tls = {"BACKEND": SMTP, "OPTIONS": {"host": "smtp.example.org", "use_tls": True}}
    clear = {"BACKEND": SMTP, "OPTIONS": {"host": "127.0.0.1"}}
    settings.MAILERS = {"default": tls, "relay": clear}
    assert _checked() == []
    settings.MAILERS = {"default": clear, "secure": tls}
    [(code, message)] = _checked()
    assert code == "aquatiris_portal.W011" and message.startswith("MAILERS['default']")
    settings.MAILERS = {"default": {"OPTIONS": {"host": "smtp.example.org"}}}  # BACKEND omitted: SMTP
    assert [code for code, _ in _checked()] == ["aquatiris_portal.W011"]


@needs_mailers
def test_no_default_mailer_is_left_to_djangos_own_check(settings):
    settings.MAILERS = {"relay": {"BACKEND": SMTP, "OPTIONS": {"host": "127.0.0.1"}}}
    assert _checked() == []


@needs_mailers
def test_a_host_still_on_email_settings_under_django_61_is_checked_without_our_code_touching_them():
    legacy = mail_settings(SMTP, mailers_supported=False, host="smtp.example.org", use_tls=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # setting them here warns, as it should
        with override_settings(**legacy):
            del django_settings.MAILERS
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                found = check_mail_tls()
    assert [message.id for message in found] == ["aquatiris_portal.W011"]
    assert found[0].msg.startswith("EMAIL_BACKEND sends mail")
    assert not [warning for warning in caught if warning.filename.endswith("checks.py")]


@pytest.mark.parametrize(
    "values",
    [
        pytest.param(
            {"MAILERS": {"default": {"BACKEND": "nowhere.EmailBackend"}}}, marks=needs_mailers, id="mailers-backend"
        ),
        pytest.param(
            {"MAILERS": {"default": {"BACKEND": SMTP, "OPTIONS": {"hots": "smtp.example.org"}}}},
            marks=needs_mailers,
            id="mailers-option",
        ),
        pytest.param(
            {"EMAIL_BACKEND": "nowhere.EmailBackend"},
            marks=pytest.mark.skipif(ON_MAILERS, reason="EMAIL_BACKEND is Django 5.2's"),
            id="email-backend",
        ),
    ],
)
def test_a_default_mailer_that_cannot_be_built_is_an_error_naming_why(settings, values):
    _apply(settings, values)
    [(code, message)] = _checked()
    assert code == "aquatiris_portal.E014"
    assert "cannot be built" in message and ("nowhere" in message or "hots" in message)


def test_the_packages_mails_reach_the_test_outbox_with_no_deprecation(settings):
    """Django's test set-up swaps the mailers for locmem: the portal's sends
    (EmailMessage.send(), no connection) land in mail.outbox."""
    with warnings.catch_warnings():
        if DEPRECATION:
            warnings.simplefilter("error", DEPRECATION)
        mail.EmailMultiAlternatives("Bonjour", "Le corps", "portail@example.org", ["client@example.org"]).send()
    [sent] = mail.outbox
    assert sent.to == ["client@example.org"]
