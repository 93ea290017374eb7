"""A change made by another process while the shared cache (Redis) was
unreachable: that process could not announce it (its invalidation was
refused, and is lost if it stops: a cron job, a worker restarted), so what
the cache held before the change must not come back with the cache. A
process that found the cache unreachable forgets every kind of content once
it answers again: an article withdrawn, a view restriction added to a space's
page (content_cache.ROUTES) meanwhile are never served from before."""

import pytest

from aquatiris_portal import content_cache
from tests.unit.site.test_cache_outage import flaky_cache  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def read(content, namespace):
    content_cache.request_started()
    try:
        return content_cache.get_or_set(namespace, ["k"], lambda: content["value"])
    finally:
        content_cache.request_finished()


@pytest.mark.parametrize("namespace", content_cache.NAMESPACES)
def test_what_the_cache_held_before_an_outage_is_not_served_once_it_is_back(flaky_cache, namespace):  # noqa: F811
    content = {"value": "before"}
    assert read(content, namespace) == "before"  # cached (shared cache and this process's copy)
    flaky_cache.down = True
    # Another process saves a change; its invalidation is refused and dies with it.
    content["value"] = "after"
    assert read(content, namespace) == "after"  # meanwhile, from the database
    flaky_cache.down = False
    assert read(content, namespace) == "after"  # not the entry cached before the change
    content_cache._local.clear()  # nor, for another process, the shared cache's
    assert read(content, namespace) == "after"


def test_the_cache_is_used_again_after_the_outage(flaky_cache):  # noqa: F811
    content, computed = {"value": "v"}, []

    def compute():
        computed.append(1)
        return content["value"]

    flaky_cache.down = True
    content_cache.get_or_set(content_cache.NEWS, ["k"], compute)
    flaky_cache.down = False
    for _ in range(3):
        content_cache.request_started()
        content_cache.get_or_set(content_cache.NEWS, ["k"], compute)
        content_cache.request_finished()
    assert len(computed) == 2  # once during the outage, once after: then read from the cache
    assert not content_cache._pending
