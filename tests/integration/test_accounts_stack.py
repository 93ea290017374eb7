"""Accounts on the real stack: look-alike emails on
PostgreSQL, two POSTs of one link at once, limits shared by two web
processes through Redis."""

import http.cookiejar
import re
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from tests import factories

from .conftest import ROOT, _stop_process, free_ports, stack_env, start_process, wait_until

pytestmark = pytest.mark.integration

LOGIN = reverse("aquatiris_portal:login")
ACTIVATION = reverse("aquatiris_portal:activation")
PASSWORD = "correct-Horse-battery-9"


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.AQUATIRIS_PORTAL_AUTH_MIN_RESPONSE_SECONDS = 0


# --- look-alike emails on PostgreSQL ------------------------------------------------


@pytest.mark.django_db
def test_look_alike_emails_neither_get_a_fresh_throttle_nor_find_the_account_on_postgresql(postgres, stack_report):
    """Python's lower() keeps ſ and ı while PostgreSQL's UPPER() maps them
    to S and I: each look-alike spelling was a fresh throttle bucket that
    still found the real account."""
    from django.db import connection

    from aquatiris_portal.accounts.backends import find_user_by_email
    from aquatiris_portal.conf import app_settings
    from aquatiris_portal.security_log.models import SecurityEvent

    assert connection.vendor == "postgresql"
    sissi = factories.client_user(factories.client(email="sissi@example.org"))
    # The hazard is real on PostgreSQL under a Unicode locale (the usual
    # production default; this test cluster is initdb --no-locale, so say
    # it with ICU's root collation): UPPER() takes both look-alikes for the
    # real address, as Django's iexact would.
    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT UPPER(%s COLLATE "und-x-icu") = UPPER(%s COLLATE "und-x-icu"), '
            'UPPER(%s COLLATE "und-x-icu") = UPPER(%s COLLATE "und-x-icu")',
            [
                "\u017fi\u017f\u017fi@example.org",
                "sissi@example.org",
                "s\u0131ss\u0131@example.org",
                "sissi@example.org",
            ],
        )
        assert cursor.fetchone() == (True, True)
    # The portal's look-up decides on canonical forms, whatever the database.
    assert find_user_by_email("\u017fissi@example.org") == sissi  # NFKC: ſ is s, the same address
    assert find_user_by_email("s\u0131ssi@example.org") is None

    # Password guesses under ſ spellings count against the real account...
    limit = app_settings.THROTTLE_RATES["login"]["account"]
    spellings = ["\u017fissi@example.org", "si\u017f\u017fi@example.org", "SI\u017fSI@example.org", "sissi@EXAMPLE.org"]
    for n in range(limit):
        HttpClient(REMOTE_ADDR=f"10.7.0.{n}").post(LOGIN, {"email": spellings[n % 4], "password": f"guess-{n}"})
    # (the full account refuses the addresses that guessed: accounts/throttle.py)
    locked = HttpClient(REMOTE_ADDR="10.7.0.1").post(LOGIN, {"email": "\u017fissi@example.org", "password": PASSWORD})
    assert locked.status_code == 429
    # ... and a dotless-i spelling, right password included, opens nothing.
    dotless = HttpClient(REMOTE_ADDR="10.7.2.1")
    response = dotless.post(LOGIN, {"email": "s\u0131ssi@example.org", "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in dotless.session
    assert SecurityEvent.objects.filter(kind="lockout", details__buckets=["account"]).count() == 1
    stack_report(
        f"PostgreSQL UPPER() matches ſ/ı look-alikes; {limit} ſ-spelled guesses filled the real "
        "account (429 with the right password from a guessing address), a ı spelling is refused"
    )


@pytest.mark.django_db
def test_a_code_guess_under_a_look_alike_spelling_is_stopped_on_postgresql(postgres):
    from aquatiris_portal.conf import app_settings
    from aquatiris_portal.models import OutgoingMail

    record = factories.client(email="sissi@example.org")
    limit = app_settings.THROTTLE_RATES["activation"]["account"]
    for n in range(limit):
        HttpClient(REMOTE_ADDR=f"10.8.0.{n}").post(
            ACTIVATION, {"email": "\u017fi\u017f\u017fi@example.org", "code": f"CLI-{n:05d}"}
        )
    right = HttpClient(REMOTE_ADDR="10.8.1.1").post(ACTIVATION, {"email": record.email, "code": record.code})
    assert right.status_code == 429
    assert not OutgoingMail.objects.exists()


# --- two POSTs of one link at once ---------------------------------------------------


def _link(mail):
    return re.search(r"https?://testserver(/portail/\S+/lien/[^/\s]+/)", mail.body_text).group(1)


@pytest.mark.django_db(transaction=True)
def test_two_posts_of_one_activation_link_at_once_give_one_account(postgres, wagtail_root, settings, stack_report):
    from django.contrib.auth import get_user_model
    from django.db import connections

    from aquatiris_portal.models import Membership, OutboxEvent, OutgoingMail, PortalAccount

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    record = factories.client()
    HttpClient().post(ACTIVATION, {"email": record.email, "code": record.code})
    link = _link(OutgoingMail.objects.get())
    browsers = [HttpClient(), HttpClient()]
    forms = []
    for browser in browsers:  # the same link opened in two tabs
        location = browser.get(link)["Location"]
        generated = re.search(
            r'id="aqp-generated-password"[^>]*>([^<]+)<', browser.get(location).content.decode()
        ).group(1)
        forms.append((location, {"choice": "generated", "generated_password": generated}))
    barrier = threading.Barrier(2)
    statuses = [None, None]

    def submit(index):
        try:
            barrier.wait(timeout=30)
            statuses[index] = browsers[index].post(*forms[index]).status_code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(statuses) == [302, 410]
    assert get_user_model().objects.filter(username=record.email).count() == 1
    assert PortalAccount.objects.filter(user__username=record.email).count() == 1
    assert Membership.objects.filter(client=record, role="owner").count() == 1
    assert OutboxEvent.objects.filter(kind="account_activated").count() == 1
    stack_report(
        f"two simultaneous password POSTs of one activation link on PostgreSQL: {sorted(statuses)}, one account"
    )


# --- limits shared by two web processes ----------------------------------------------


class Browser:
    """A cookie-keeping HTTP client for a server started by the test."""

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def request(self, path, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(urllib.request.Request(self.base + path, data=body), timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def login(self, email, password):
        _status, page = self.request(LOGIN)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        return self.request(LOGIN, {"csrfmiddlewaretoken": token, "email": email, "password": password})[0]


@pytest.mark.django_db(transaction=True)
def test_login_limits_hold_across_two_web_processes_sharing_redis(
    postgres, redis_url, stack_dir, wagtail_root, stack_report
):
    """Two gunicorn processes with the example site on PostgreSQL and
    Redis: failures counted by one are seen by the other."""
    from django.conf import settings

    from aquatiris_portal.conf import app_settings

    anne = factories.client_user()  # committed: the servers see it
    env = stack_env(database_url=postgres.url(settings.DATABASES["default"]["NAME"]), redis_url=redis_url)
    servers = []
    try:
        for port in free_ports(2):
            proc = start_process(
                [
                    Path(sys.executable).parent / "gunicorn",
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
                stack_dir / f"web-{port}.log",
                env=env,
                cwd=ROOT / "example_site",
            )
            servers.append((proc, Browser(f"http://127.0.0.1:{port}")))
        for proc, browser in servers:
            wait_until(lambda browser=browser: browser.request(LOGIN)[0] == 200, 90, "gunicorn", proc=proc)
        pair = app_settings.THROTTLE_RATES["login"]["pair"]
        statuses = [servers[n % 2][1].login(anne.email, f"wrong-{n}") for n in range(pair)]
        assert statuses == [200] * pair
        # Each process saw only part of the failures; together they make the lock.
        assert [browser.login(anne.email, PASSWORD) for _proc, browser in servers] == [429, 429]
    finally:
        for proc, _browser in servers:
            _stop_process(proc, timeout=5)
    stack_report(
        f"{pair} failed logins split over two gunicorn processes: both answer 429 to the right password "
        "(throttle on Redis)"
    )


@pytest.mark.django_db
def test_this_test_process_throttles_on_redis_too(redis_cache):
    """The integration run's own cache is Redis (tests/integration/conftest.py),
    so the throttle, the content cache and the site cache run on it."""
    from django.core.cache import caches

    from aquatiris_portal.accounts import throttle

    assert type(caches["default"]).__module__ == "django.core.cache.backends.redis"
    throttle.hit("login", "someone@example.org", "198.51.100.1")
    import redis

    keys = redis.Redis.from_url(redis_cache).keys("*aqp:throttle:login:*")
    assert len(keys) >= 3  # account, pair, ip (and their ends)
