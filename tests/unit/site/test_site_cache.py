"""CachedSiteMiddleware (aquatiris_portal/sites.py): Wagtail's site look-up
from the cache, and never an old answer after a site or its root changes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page, Site

from home.models import HomePage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.AQUATIRIS_PORTAL_CONTENT_CACHE_SECONDS = 300
    settings.ALLOWED_HOSTS = ["testserver", "autre.example"]


def site_queries(client, path="/", **extra):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, **extra)
    return response, [q["sql"] for q in captured.captured_queries if 'FROM "wagtailcore_site"' in q["sql"]]


def test_the_site_is_looked_up_once_then_read_from_the_cache(client):
    first, looked_up = site_queries(client)
    assert first.status_code == 200 and len(looked_up) == 1
    again, looked_up = site_queries(client)
    assert again.status_code == 200 and looked_up == []
    assert again.content == first.content


def test_a_new_root_page_is_served_at_once(client):
    site = Site.objects.get(is_default_site=True)
    site_queries(client)  # cached
    root = Page.get_first_root_node()
    other_home = root.add_child(instance=HomePage(title="Autre accueil", slug="autre-accueil"))
    site.root_page = other_home
    site.save()
    response, looked_up = site_queries(client)
    assert len(looked_up) == 1  # forgotten when the site was saved
    assert "Autre accueil" in response.content.decode()


def test_a_host_without_a_site_then_with_one(client):
    Site.objects.update(is_default_site=False)
    response, _ = site_queries(client, HTTP_HOST="autre.example")
    assert response.status_code == 404
    site_queries(client, HTTP_HOST="autre.example")  # the "no site" answer is cached...
    home = Site.objects.first().root_page
    Site.objects.create(hostname="autre.example", port=80, root_page=home)
    response, looked_up = site_queries(client, HTTP_HOST="autre.example")
    assert response.status_code == 200 and len(looked_up) == 1  # ...and forgotten with the new site


def test_a_deleted_site_is_not_served_from_the_cache(client):
    site = Site.objects.get(is_default_site=True)
    assert site_queries(client)[0].status_code == 200
    site.delete()
    assert site_queries(client)[0].status_code == 404


def test_a_disallowed_host_is_refused_as_before(client):
    assert client.get("/", HTTP_HOST="evil.example").status_code == 400
