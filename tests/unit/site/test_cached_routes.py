"""The spaces' pages routed from the content cache (pages/space_routes.py)
and the cache's reads per request (content_cache.py): what the cache saves
is never what an editor or an admin just changed. Each change below is
seen by the very next request."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from aquatiris_portal import content_cache
from aquatiris_portal.pages.client_space import ClientSpacePage
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def space(wagtail_tree):
    page = ClientSpacePage(title="Espace client", slug="espace-client", intro="Bienvenue dans votre espace")
    return wagtail_tree.root_page.add_child(instance=page)


@pytest.fixture
def http(space):
    client = factories.client()
    factories.installation(client=client)
    http = HttpClient()
    http.force_login(factories.client_user(client))
    assert http.get("/espace-client/").status_code == 200  # the route is cached now
    return http


def test_a_cached_route_reads_no_page_nor_restriction(http):
    with CaptureQueriesContext(connection) as queries:
        assert http.get("/espace-client/").status_code == 200
    tree = [q["sql"] for q in queries.captured_queries if "wagtailcore_page" in q["sql"]]
    assert not tree, tree


def test_an_unpublished_space_is_gone_at_once(http, space):
    space.unpublish()
    assert http.get("/espace-client/").status_code == 404


def test_a_deleted_space_is_gone_at_once(http, space):
    space.delete()
    assert http.get("/espace-client/").status_code == 404


def test_a_new_slug_published_moves_the_space_at_once(http, space):
    space.slug = "mon-espace"
    space.save_revision().publish()
    assert http.get("/espace-client/").status_code == 404
    assert http.get("/mon-espace/").status_code == 200


def test_a_published_text_shows_at_once(http, space):
    space.intro = "Texte publié à cet instant"
    space.save_revision().publish()
    assert "Texte publié à cet instant" in http.get("/espace-client/").text


def test_a_view_restriction_applies_at_once_and_goes_with_its_removal(http, space):
    restriction = PageViewRestriction.objects.create(
        page=space, restriction_type=PageViewRestriction.PASSWORD, password="s3cret-pass"
    )
    refused = http.get("/espace-client/")
    assert "Bienvenue dans votre espace" not in refused.text
    assert 'name="password"' in refused.text  # Wagtail's password form instead
    restriction.delete()
    assert "Bienvenue dans votre espace" in http.get("/espace-client/").text


def test_a_restriction_on_an_ancestor_applies_too(http, space, wagtail_tree):
    PageViewRestriction.objects.create(
        page=wagtail_tree.root_page, restriction_type=PageViewRestriction.PASSWORD, password="s3cret-pass"
    )
    assert "Bienvenue dans votre espace" not in http.get("/espace-client/").text


def test_a_route_under_the_space_that_does_not_exist_is_404(http):
    assert http.get("/espace-client/nulle-part/").status_code == 404


# --- content_cache: the versions once per request, each process's copies ------------


def test_one_round_trip_reads_every_namespaces_version_in_a_request(monkeypatch, settings):
    reads = []
    monkeypatch.setattr(cache, "get_many", lambda keys, **kw: reads.append(list(keys)) or {})
    content_cache.request_started()
    try:
        content_cache.get_or_set(content_cache.NEWS, ["a"], lambda: 1)
        content_cache.get_or_set(content_cache.SETTINGS, ["b"], lambda: 2)
        content_cache.get_or_set(content_cache.STAGES, ["c"], lambda: 3)
    finally:
        content_cache.request_finished()
    assert len(reads) == 1 and len(reads[0]) == len(content_cache.NAMESPACES)


def test_an_invalidation_by_another_process_shows_at_the_next_request():
    def read():
        content_cache.request_started()
        try:
            return content_cache.get_or_set(content_cache.NEWS, ["k"], lambda: value)
        finally:
            content_cache.request_finished()

    value = "old"
    assert read() == "old"  # now in the shared cache and in this process's copies
    value = "new"
    assert read() == "old"
    # Another process invalidates: it writes a new token to the shared cache only.
    cache.set(content_cache._version_key(content_cache.NEWS), "token-of-another-process", None)
    assert read() == "new"


def test_an_invalidation_within_the_request_shows_in_the_same_request():
    content_cache.request_started()
    try:
        assert content_cache.get_or_set(content_cache.NEWS, ["k"], lambda: "old") == "old"
        content_cache.invalidate(content_cache.NEWS)
        assert content_cache.get_or_set(content_cache.NEWS, ["k"], lambda: "new") == "new"
    finally:
        content_cache.request_finished()


def test_each_read_gets_its_own_copy():
    first = content_cache.get_or_set(content_cache.NEWS, ["list"], lambda: ["a"])
    first.append("changed by a caller")
    assert content_cache.get_or_set(content_cache.NEWS, ["list"], lambda: ["b"]) == ["a"]
    assert content_cache.get_or_set(content_cache.NEWS, ["list"], lambda: ["b"]) == ["a"]
