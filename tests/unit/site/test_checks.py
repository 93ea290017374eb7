"""The host's settings are checked: each misconfiguration
gives its id and a hint; the example site's settings give nothing."""

import os
import tempfile

import pytest
from django.conf import settings as django_settings
from django.core import checks
from django.core.management import call_command
from django.test import override_settings

from aquatiris_portal import checks as portal_checks

STUB = {"BROKER": "dramatiq.brokers.stub.StubBroker", "OPTIONS": {}}
REDIS = {"BROKER": "dramatiq.brokers.redis.RedisBroker", "OPTIONS": {"url": "redis://127.0.0.1:6379/0"}}
# A cache shared by processes, as the check wants (file-based: the test
# never reaches a Redis server when the settings change back).
SHARED_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": os.path.join(tempfile.gettempdir(), "aqp-test-checks-cache"),
    }
}


def portal_messages():
    """What the portal's registered checks say (without the other apps' checks)."""
    ours = [check for check in checks.registry.registry.get_checks() if check.__module__ == portal_checks.__name__]
    assert len(ours) >= 7, "the portal's checks are not registered"
    return [message for check in ours for message in check(app_configs=None)]


def ids():
    return sorted(m.id for m in portal_messages())


@pytest.fixture
def good(settings, tmp_path):
    """The example site's settings as in development (DEBUG, in-process jobs)."""
    settings.DEBUG = True
    settings.DRAMATIQ_BROKER = STUB
    settings.AQUATIRIS_PORTAL_RUN_JOBS_IN_PROCESS = True
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STATIC_ROOT = str(tmp_path / "static")
    settings.AQUATIRIS_PORTAL_PRIVATE_ROOT = str(tmp_path / "private")
    return settings


def test_the_example_sites_settings_give_no_message(good):
    assert portal_messages() == []


def test_a_good_production_host_gives_no_message(good):
    good.DEBUG = False
    good.AQUATIRIS_PORTAL_RUN_JOBS_IN_PROCESS = False
    good.DRAMATIQ_BROKER = REDIS
    good.CACHES = SHARED_CACHE
    good.WAGTAILADMIN_BASE_URL = "https://www.aquatiris.fr"
    assert portal_messages() == []


def test_manage_py_check_prints_the_id_and_the_hint(good, db):
    good.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
    with pytest.raises(Exception) as error:  # SystemCheckError: the check is an Error
        call_command("check")
    text = str(error.value)
    assert "aquatiris_portal.E005" in text and "HINT:" in text and "EmailBackend" in text


@pytest.mark.parametrize(
    "broker, in_process, debug, expected",
    [
        (None, True, True, ["aquatiris_portal.E001"]),
        (STUB, False, True, ["aquatiris_portal.W002"]),
        (STUB, True, False, ["aquatiris_portal.E003"]),
        (REDIS, True, True, ["aquatiris_portal.W010"]),
        (REDIS, False, True, []),
    ],
)
def test_jobs(good, broker, in_process, debug, expected):
    if broker is None:
        del good.DRAMATIQ_BROKER
    else:
        good.DRAMATIQ_BROKER = broker
    good.AQUATIRIS_PORTAL_RUN_JOBS_IN_PROCESS = in_process
    good.DEBUG = debug
    good.CACHES = SHARED_CACHE  # keeps the cache check quiet when DEBUG is off
    good.WAGTAILADMIN_BASE_URL = "https://www.aquatiris.fr"
    assert ids() == expected
    for message in portal_messages():
        assert message.hint


def _without(name):
    return [m for m in django_settings.MIDDLEWARE if m != name]


def _swap(first, second):
    middleware = list(django_settings.MIDDLEWARE)
    i, j = middleware.index(first), middleware.index(second)
    middleware[i], middleware[j] = middleware[j], middleware[i]
    return middleware


@pytest.mark.parametrize(
    "middleware",
    [
        _without("aquatiris_portal.accounts.middleware.SecondFactorMiddleware"),
        _without("django_otp.middleware.OTPMiddleware"),
        _swap("django_otp.middleware.OTPMiddleware", "aquatiris_portal.accounts.middleware.IdleTimeoutMiddleware"),
        _swap(
            "django.contrib.messages.middleware.MessageMiddleware",
            "aquatiris_portal.accounts.middleware.SecondFactorMiddleware",
        ),
        _swap(
            "aquatiris_portal.accounts.middleware.IdleTimeoutMiddleware",
            "aquatiris_portal.accounts.middleware.SecondFactorMiddleware",
        ),
    ],
    ids=["no-second-factor", "no-otp", "otp-after-portal", "messages-after-portal", "portal-two-swapped"],
)
def test_middleware_missing_or_out_of_order(good, middleware):
    good.MIDDLEWARE = middleware
    assert ids() == ["aquatiris_portal.E004"]
    assert "OTPMiddleware" in portal_messages()[0].hint


def test_email_backend_missing(good):
    good.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
    assert ids() == ["aquatiris_portal.E005"]


@pytest.mark.parametrize("setting", ["LOGIN_URL", "WAGTAILADMIN_LOGIN_URL"])
def test_login_urls_not_the_portals(good, setting):
    setattr(good, setting, "/accounts/login/")
    assert ids() == ["aquatiris_portal.E006"]
    assert setting in portal_messages()[0].hint


def test_login_url_as_a_path_to_the_portals_login_is_fine(good):
    from django.urls import reverse

    good.LOGIN_URL = reverse("aquatiris_portal:login")
    assert ids() == []


def test_per_process_cache_in_production(good):
    good.DEBUG = False
    good.AQUATIRIS_PORTAL_RUN_JOBS_IN_PROCESS = False
    good.DRAMATIQ_BROKER = REDIS
    good.WAGTAILADMIN_BASE_URL = "https://www.aquatiris.fr"
    good.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert ids() == ["aquatiris_portal.W007"]
    good.DEBUG = True  # a per-process cache is fine in development
    good.AQUATIRIS_PORTAL_RUN_JOBS_IN_PROCESS = False
    assert ids() == []


def test_public_base_url_unset_with_wagtails_placeholder(good):
    good.DEBUG = False  # under DEBUG runserver's address is the default (conf.public_base_url)
    good.AQUATIRIS_PORTAL_RUN_JOBS_IN_PROCESS = False
    good.DRAMATIQ_BROKER = REDIS
    good.CACHES = SHARED_CACHE
    good.WAGTAILADMIN_BASE_URL = "http://example.com"
    assert ids() == ["aquatiris_portal.W008"]
    good.AQUATIRIS_PORTAL_PUBLIC_BASE_URL = "https://www.aquatiris.fr"
    assert ids() == []


@pytest.mark.parametrize("folder", ["MEDIA_ROOT", "STATIC_ROOT"])
def test_private_root_inside_a_served_folder(good, tmp_path, folder):
    setattr(good, folder, str(tmp_path / "served"))
    good.AQUATIRIS_PORTAL_PRIVATE_ROOT = str(tmp_path / "served" / "private")
    assert ids() == ["aquatiris_portal.E009"]
    good.AQUATIRIS_PORTAL_PRIVATE_ROOT = str(tmp_path / "served" / ".." / "private")
    assert ids() == []


def test_every_message_has_an_id_and_a_hint():
    broken = {
        "MIDDLEWARE": [],
        "AUTHENTICATION_BACKENDS": [],
        "LOGIN_URL": "/x/",
        "DEBUG": False,
        "AQUATIRIS_PORTAL_RUN_JOBS_IN_PROCESS": True,
        "WAGTAILADMIN_BASE_URL": "http://example.com",
        "CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    }
    with override_settings(**broken):
        messages = portal_messages()
    assert len({m.id for m in messages}) >= 6
    assert all(m.hint and m.id.startswith("aquatiris_portal.") for m in messages)
    assert portal_checks.check_jobs in checks.registry.registry.registered_checks
