"""Login limits a stranger cannot turn against the owner (accounts/throttle.py):
the account bucket refuses only the addresses that guessed, the pair's
limit holds under parallel attempts (increment first, decide on the count),
and an IPv6 subscriber is one address (its /64)."""

import threading

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from aquatiris_portal.accounts import throttle
from aquatiris_portal.accounts import views as account_views
from aquatiris_portal.conf import app_settings
from aquatiris_portal.security_log.models import SecurityEvent
from tests import factories

LOGIN = reverse("aquatiris_portal:login")
PASSWORD = "correct-Horse-battery-9"


def _post(address, email, password):
    return HttpClient(REMOTE_ADDR=address).post(LOGIN, {"email": email, "password": password}).status_code


@pytest.mark.django_db
def test_twenty_failures_from_four_addresses_do_not_lock_the_owner_out():
    owner = factories.spanc_user()  # a SPANC: its address is public
    guessers = ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4"]
    statuses = [_post(address, owner.email, f"guess-{n}") for n in range(5) for address in guessers]
    assert statuses == [200] * 20
    # The account is full: the guessing addresses are refused, right password included...
    assert {_post(address, owner.email, PASSWORD) for address in guessers} == {429}
    # ... its owner, from an address that did not guess, gets in.
    assert _post("198.51.100.20", owner.email, PASSWORD) == 302
    # A fresh address gets one guess, not five.
    assert [_post("192.0.2.9", owner.email, f"more-{n}") for n in range(2)] == [200, 429]
    lockouts = [event.details["buckets"] for event in SecurityEvent.objects.filter(kind="lockout")]
    assert [buckets for buckets in lockouts if "account" in buckets] == [["account", "pair"]]  # the 20th


@pytest.mark.django_db
def test_two_addresses_in_one_ipv6_slash_64_share_their_buckets():
    anne = factories.client_user()
    pair = app_settings.THROTTLE_RATES["login"]["pair"]
    assert [_post(f"2001:db8:5:6::{n + 1:x}", anne.email, "wrong") for n in range(pair)] == [200] * pair
    # Another address of the same /64: the same pair, full.
    assert _post("2001:db8:5:6:ffff::1", anne.email, PASSWORD) == 429
    # The next /64 is someone else.
    assert _post("2001:db8:5:7::1", anne.email, PASSWORD) == 302


@pytest.mark.django_db(transaction=True)
def test_sixteen_parallel_attempts_on_one_pair_get_at_most_five_password_checks(monkeypatch):
    """Each check waits until every request has either reached its own
    check or been answered: with check-then-count, all sixteen are checked."""
    anne = factories.client_user()
    attempts = 16
    state = {"checks": 0, "answered": 0}
    arrived = threading.Condition()

    def slow_wrong_password(request, **credentials):
        with arrived:
            state["checks"] += 1
            arrived.notify_all()
            arrived.wait_for(lambda: state["checks"] + state["answered"] >= attempts, timeout=20)
        return None

    monkeypatch.setattr(account_views, "authenticate", slow_wrong_password)
    statuses = []

    def attempt(n):
        try:
            statuses.append(_post("198.51.100.77", anne.email, f"wrong-{n}"))
        finally:
            with arrived:
                state["answered"] += 1
                arrived.notify_all()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    pair = app_settings.THROTTLE_RATES["login"]["pair"]
    assert state["checks"] <= pair
    assert sorted(statuses) == [200] * state["checks"] + [429] * (attempts - state["checks"])


@pytest.mark.django_db
def test_a_refused_attempt_reserves_nothing_and_a_success_gives_the_address_back():
    anne = factories.client_user()
    ip = "198.51.100.5"
    for _ in range(4):
        throttle.failed(throttle.begin("login", anne.email, ip))
    assert throttle.begin("login", anne.email, ip).wait == 0  # the fifth: reserved, in flight
    refused = throttle.begin("login", anne.email, ip)
    assert refused.wait > 0 and refused.full == ["pair"] and refused.reserved == {}
    # The owner succeeds elsewhere: the IP's count for other accounts is unchanged by it.
    attempt = throttle.begin("login", anne.email, "192.0.2.1")
    throttle.succeeded(attempt)
    assert throttle.blocked("login", "someone@example.org", "192.0.2.1") == (0, [])


@pytest.mark.django_db
def test_without_an_address_a_full_account_refuses_everyone():
    """A server that sees no client address (none in REMOTE_ADDR, no proxy
    header) cannot tell the owner from the guessers: the account is hard."""
    anne = factories.client_user()
    for _ in range(app_settings.THROTTLE_RATES["login"]["account"]):
        throttle.failed(throttle.begin("login", anne.email, ""))
    assert throttle.begin("login", anne.email, "").full == ["account"]
    assert throttle.blocked("login", anne.email, "")[1] == ["account"]
    assert throttle.begin("login", anne.email, "198.51.100.1").wait == 0  # an address is told apart
