"""An editor's change while the shared cache (Redis) is unreachable: saved
all the same (never a failed publish because the cache is down), pages
meanwhile computed from the database, and once the cache answers no reader
gets the content cached before the change: the invalidation the cache
refused is made at the process's next use of the cache."""

import pytest
from django.db import transaction

from aquatiris_portal import content_cache
from tests.unit.site.test_cache_outage import flaky_cache  # noqa: F401  (fixture)
from tests.unit.site.test_content_cache import article, client_http, news, page, site, space  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def nothing_pending(monkeypatch):
    monkeypatch.setattr(content_cache, "_pending", set(), raising=False)


def test_an_invalidation_refused_by_the_cache_is_made_before_the_next_read(flaky_cache):  # noqa: F811
    content = {"value": "avant"}
    assert content_cache.get_or_set(content_cache.NEWS, ["k"], lambda: content["value"]) == "avant"  # cached
    flaky_cache.down = True
    content["value"] = "après"
    with transaction.atomic():
        content_cache.invalidate(content_cache.NEWS)  # raised, rolling the editor's change back
    assert content_cache.get_or_set(content_cache.NEWS, ["k"], lambda: content["value"]) == "après"
    flaky_cache.down = False
    content_cache._local.clear()  # not this process's copy: what the shared cache holds
    for _ in range(2):  # fresh, then still fresh from the cache
        assert content_cache.get_or_set(content_cache.NEWS, ["k"], lambda: content["value"]) == "après"


def test_a_publish_while_the_cache_is_down_is_saved_and_shown_once_it_is_back(news, client_http, flaky_cache):  # noqa: F811
    article(news, "Ancienne", "clients")
    assert "Ancienne" in page(client_http)  # the stream is cached
    draft = article(news, "Nouvelle", "clients", live=False)
    flaky_cache.down = True
    draft.save_revision().publish()  # raised before
    assert "Nouvelle" in page(client_http)  # meanwhile, from the database
    flaky_cache.down = False
    for _ in range(2):
        assert "Nouvelle" in page(client_http)  # not the stream cached before the publish
