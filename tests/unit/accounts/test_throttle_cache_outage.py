"""While the cache is unreachable the login limiter still refuses every
attempt (fail closed: 429, the password not checked), and the log gets one
warning per process and minute with the number refused, not a traceback
per attempt."""

import logging

import pytest
from django.urls import reverse

from aquatiris_portal.accounts import throttle
from aquatiris_portal.security_log import cache_outage
from tests import factories
from tests.unit.site.test_cache_outage import flaky_cache  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

PASSWORD = "correct-Horse-battery-9"


@pytest.fixture(autouse=True)
def warnings_again(monkeypatch):
    monkeypatch.setattr(cache_outage, "_last_warning", {})
    monkeypatch.setattr(throttle, "_refused", [0])


def _throttle_logs(caplog):
    return [r for r in caplog.records if r.name == throttle.logger.name]


def test_five_refused_logins_give_one_warning_without_traceback_and_no_login(
    client,
    wagtail_tree,
    flaky_cache,  # noqa: F811
    caplog,
):
    user = factories.client_user(password=PASSWORD)
    flaky_cache.down = True
    login = reverse("aquatiris_portal:login")
    with caplog.at_level(logging.WARNING, logger=throttle.logger.name):
        answers = [client.post(login, {"email": user.email, "password": PASSWORD}) for _ in range(5)]

    assert [answer.status_code for answer in answers] == [429] * 5  # the right password, never checked
    assert "_auth_user_id" not in client.session
    (warning,) = _throttle_logs(caplog)
    assert warning.levelno == logging.WARNING and warning.exc_info is None
    assert "OutageError" in warning.getMessage() and "1 attempt(s) refused" in warning.getMessage()


def test_a_minute_later_the_warning_counts_the_attempts_refused_since(flaky_cache, monkeypatch, caplog):  # noqa: F811
    flaky_cache.down = True
    with caplog.at_level(logging.WARNING, logger=throttle.logger.name):
        for _ in range(3):
            assert throttle.begin("login", "anne@example.org", "192.0.2.1").wait == throttle.UNAVAILABLE_WAIT
        assert throttle.blocked("password_reset", "anne@example.org", "192.0.2.1") == (
            throttle.UNAVAILABLE_WAIT,
            [throttle.UNAVAILABLE],
        )
        monkeypatch.setattr(cache_outage, "_last_warning", {})  # a minute has passed
        throttle.blocked_for("otp", "anne", "192.0.2.1")

    assert [r.getMessage().split(": ", 2)[-1] for r in _throttle_logs(caplog)] == [
        "1 attempt(s) refused (429) since the last warning, the last login",
        "4 attempt(s) refused (429) since the last warning, the last otp",
    ]
