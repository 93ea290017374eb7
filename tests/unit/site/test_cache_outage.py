"""Pages stay up while the shared cache is unreachable (Redis restarting):
the editors' content (content_cache.py, the site look-up of sites.py) is
computed from the database, one warning is logged per process and minute,
not one per request, and the cache is used again once it answers. The
login throttle fails closed: a clear 429, never an error page, never an
unthrottled password check."""

import logging

import pytest
from django.core import mail
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.urls import reverse

from aquatiris_portal import content_cache
from aquatiris_portal.pages.client_space import ClientSpacePage
from tests import factories
from tests.unit._pro_space import bulk_folders, pro_space_page, verified_client

pytestmark = pytest.mark.django_db

LOGGER = "aquatiris_portal.content_cache"


class OutageError(ConnectionError):
    """What redis-py raises when Redis is down (a ConnectionError)."""


class FlakyCache(LocMemCache):
    """A LocMem cache that raises on every call while ``down`` is set."""

    down = False
    calls = 0

    def __getattribute__(self, name):
        attribute = super().__getattribute__(name)
        if name in {"get", "get_many", "set", "set_many", "add", "incr", "decr", "delete", "delete_many", "has_key"}:

            def call(*args, **kwargs):
                type(self).calls += 1
                if type(self).down:
                    raise OutageError("Connection refused")
                return attribute(*args, **kwargs)

            return call
        return attribute


@pytest.fixture(autouse=True)
def flaky_cache(settings, monkeypatch):
    settings.CACHES = {"default": {"BACKEND": f"{__name__}.FlakyCache", "LOCATION": "outage"}}
    settings.AQUATIRIS_PORTAL_CONTENT_CACHE_SECONDS = 300
    monkeypatch.setattr(FlakyCache, "down", False)
    monkeypatch.setattr(FlakyCache, "calls", 0)
    monkeypatch.setattr(content_cache, "_last_warning", [float("-inf")], raising=False)
    monkeypatch.setattr(content_cache, "_pending", set(), raising=False)  # an outage's, not the next test's
    content_cache._local.clear()
    caches["default"].clear()  # LocMem keeps its store per LOCATION: not what an earlier test cached
    yield FlakyCache
    content_cache._local.clear()


def outage_warnings(caplog):
    return [r for r in caplog.records if r.name == LOGGER and r.levelno == logging.WARNING]


def test_home_page_answers_while_the_cache_is_down_with_one_warning(client, wagtail_tree, flaky_cache, caplog):
    expected = client.get("/")
    assert expected.status_code == 200
    flaky_cache.down = True
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        answers = [client.get("/") for _ in range(5)]
    assert [a.status_code for a in answers] == [200] * 5
    assert wagtail_tree.root_page.title in answers[-1].content.decode()
    assert len(outage_warnings(caplog)) == 1  # throttled: not one per request


def test_client_dashboard_answers_while_the_cache_is_down(wagtail_tree, flaky_cache, caplog):
    space = wagtail_tree.root_page.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))
    user = factories.client_user()
    http = verified_client(user)
    assert http.get(space.url).status_code == 200
    flaky_cache.down = True
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        first, second = http.get(space.url), http.get(space.url)
    assert first.status_code == second.status_code == 200
    assert "Espace client" in second.content.decode()
    assert len(outage_warnings(caplog)) == 1


def test_spanc_folder_list_answers_while_the_cache_is_down(wagtail_tree, flaky_cache):
    page = pro_space_page()
    spanc = factories.spanc()
    folders = bulk_folders(spanc, 3, prefix="PANNE")
    http = verified_client(factories.spanc_user(spanc))
    url = page.url
    flaky_cache.down = True
    response = http.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert all(folder.reference in body for folder in folders)


def test_login_page_answers_and_a_login_is_refused_not_an_error(client, wagtail_tree, flaky_cache):
    user = factories.client_user()
    flaky_cache.down = True
    login = reverse("aquatiris_portal:login")
    assert client.get(login).status_code == 200
    # The limiter cannot count: the password is not checked (fail closed),
    # the person reads "try again", and nobody is logged in.
    response = client.post(login, {"email": user.email, "password": "correct-Horse-battery-9"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    flaky_cache.down = False
    response = client.post(login, {"email": user.email, "password": "correct-Horse-battery-9"})
    assert response.status_code == 302  # back: logins go through again


def test_the_cache_is_used_again_once_it_answers(flaky_cache):
    computed = []

    def compute():
        computed.append(1)
        return "valeur"

    flaky_cache.down = True
    for _ in range(3):
        content_cache.request_started()
        assert content_cache.get_or_set(content_cache.NEWS, ["k"], compute) == "valeur"
        content_cache.request_finished()
    assert len(computed) == 3  # nothing written while down
    flaky_cache.down = False
    for _ in range(3):
        content_cache.request_started()
        content_cache.get_or_set(content_cache.NEWS, ["k"], compute)
        content_cache.request_finished()
    assert len(computed) == 4  # computed once, then read from the cache
    content_cache._local.clear()  # not this process's copy: the shared cache itself
    content_cache.request_started()
    before = flaky_cache.calls
    assert content_cache.get_or_set(content_cache.NEWS, ["k"], compute) == "valeur"
    content_cache.request_finished()
    assert len(computed) == 4 and flaky_cache.calls > before


def test_one_request_tries_the_cache_once_while_it_is_down(flaky_cache):
    flaky_cache.down = True
    content_cache.request_started()
    try:
        for namespace in content_cache.NAMESPACES:
            content_cache.get_or_set(namespace, ["k"], lambda: 1)
    finally:
        content_cache.request_finished()
    assert flaky_cache.calls == 1  # a timeout is paid once per request, not per kind of content


def test_errors_of_the_computation_are_not_hidden(flaky_cache):
    def broken():
        raise ZeroDivisionError

    for down in (True, False):
        flaky_cache.down = down
        with pytest.raises(ZeroDivisionError):
            content_cache.get_or_set(content_cache.NEWS, ["k", down], broken)


def test_lost_password_is_refused_with_a_clear_answer_while_the_cache_is_down(client, wagtail_tree, flaky_cache):
    user = factories.client_user()
    flaky_cache.down = True
    response = client.post(reverse("aquatiris_portal:password_reset"), {"email": user.email})
    assert response.status_code == 429  # the limiter cannot count: nothing sent, no error page
    assert mail.outbox == []


def test_after_a_request_served_during_an_outage_the_thread_tries_the_cache_again(client, wagtail_tree, flaky_cache):
    flaky_cache.down = True
    assert client.get("/").status_code == 200  # this request marked the cache down for itself
    flaky_cache.down = False
    before = flaky_cache.calls
    content_cache.get_or_set(content_cache.NEWS, ["after"], lambda: "valeur")  # a task run by the same thread
    assert flaky_cache.calls > before, "the request's mark outlived it: the cache is skipped outside any request"
