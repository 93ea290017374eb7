"""The cache goes away after the limiter let an attempt through (Redis
stops between ``begin`` and the end of a login): the person gets the answer
to what they typed, not an error page, the log says once that attempts
went uncounted, and the next attempts are refused (429) until it answers."""

import logging

import pytest
from django.contrib.auth.hashers import check_password as django_check_password
from django.urls import reverse

from aquatiris_portal.accounts import throttle
from tests import factories
from tests.unit.accounts.test_throttle_cache_outage import PASSWORD, warnings_again  # noqa: F401  (fixture)
from tests.unit.site.test_cache_outage import flaky_cache  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def uncounted_again(monkeypatch):
    monkeypatch.setattr(throttle, "_uncounted", [0])


@pytest.fixture
def outage_while_checking(monkeypatch, flaky_cache):  # noqa: F811
    """The cache answers ``begin``, then stops while the password is checked."""

    def check_then_stop(password, encoded, *args, **kwargs):
        flaky_cache.down = True
        return django_check_password(password, encoded, *args, **kwargs)

    monkeypatch.setattr("django.contrib.auth.base_user.check_password", check_then_stop)
    return flaky_cache


def _throttle_warnings(caplog):
    return [r for r in caplog.records if r.name == throttle.logger.name and r.levelno == logging.WARNING]


@pytest.mark.parametrize("typed", ["wrong-Password-0", PASSWORD])
def test_a_login_whose_cache_stops_mid_attempt_gets_its_answer_not_an_error(
    client, wagtail_tree, outage_while_checking, caplog, typed
):
    user = factories.client_user(password=PASSWORD)
    login = reverse("aquatiris_portal:login")
    with caplog.at_level(logging.WARNING, logger=throttle.logger.name):
        answer = client.post(login, {"email": user.email, "password": typed})
        assert answer.status_code in (200, 302)
        if typed == PASSWORD:
            assert answer.status_code == 302  # on to the second factor or the space
        else:
            assert answer.status_code == 200 and "_auth_user_id" not in client.session
        (warning,) = _throttle_warnings(caplog)
        assert warning.exc_info is None and "1 attempt(s) answered but not counted" in warning.getMessage()
        # The cache is still down: the next attempt is refused, its password not checked.
        again = client.post(login, {"email": user.email, "password": PASSWORD})
    assert again.status_code == 429


def test_counting_after_the_cache_stopped_returns_what_it_knows(flaky_cache, caplog):  # noqa: F811
    attempt = throttle.begin("login", "anne@example.org", "192.0.2.1")
    assert attempt.wait == 0
    flaky_cache.down = True
    with caplog.at_level(logging.WARNING, logger=throttle.logger.name):
        assert throttle.failed(attempt) == []
        assert throttle.hit("activation", "anne@example.org", "192.0.2.1") == []
        throttle.succeeded(throttle.Attempt("login", "anne@example.org", "192.0.2.1"))
        throttle.clear_account("otp", "anne")
    (warning,) = _throttle_warnings(caplog)  # one per minute, with the count
    assert "the last login" in warning.getMessage()
    assert throttle._uncounted == [3]  # counted since that warning: hit, succeeded, clear_account
