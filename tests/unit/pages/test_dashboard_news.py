"""The dashboard's news: the HTML the portal_news tag gives, kept with the
list it shows (pages/news.py latest_articles_html). Publishing, editing,
moving and deleting show at once: tests/unit/site/test_content_cache.py,
on the dashboard."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from wagtail.models import Site

from aquatiris_portal.pages.news import ArticlePage, NewsIndexPage, latest_articles_html
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def news():
    index = Site.objects.get(is_default_site=True).root_page.add_child(
        instance=NewsIndexPage(title="Actualités", slug="actualites", audience="both")
    )
    for n, (title, audience) in enumerate(
        (("Roseaux <b>&</b> « N'Diaye »", "clients"), ("Pour les pros", "pros"), ("Conseil partagé", "both"))
    ):
        index.add_child(
            instance=ArticlePage(
                title=title,
                slug=f"article-{n}",
                audience=audience,
                date=datetime.date(2026, 6, 1) - datetime.timedelta(days=n),
                intro="Intro <i>x</i>",
            )
        )
    return index


def reader(user):
    request = RequestFactory().get("/espace-client/")
    request.user = user
    return request


def tag(request):
    source = '{% load portal_content %}{% portal_news audience="clients" count=3 %}'
    return Template(source).render(Context({"request": request}))


@pytest.mark.parametrize("who", ["client", "anonymous"])
def test_the_html_is_the_tags(news, who):
    request = reader(factories.client_user() if who == "client" else AnonymousUser())
    assert latest_articles_html(request, "clients", 3) == tag(request)
    assert latest_articles_html(request, "clients", 3) == tag(request)  # from the cache too


def test_a_warm_stream_is_one_cache_read_and_no_query(news):
    request = reader(factories.client_user())
    html = latest_articles_html(request, "clients", 3)
    assert "Roseaux &lt;b&gt;&amp;&lt;/b&gt; « N&#x27;Diaye »" in html and "Pour les pros" not in html
    request = reader(factories.client_user())
    with CaptureQueriesContext(connection) as queries:
        assert latest_articles_html(request, "clients", 3) == html
    assert not [q for q in queries if "articlepage" in q["sql"] or "newsindexpage" in q["sql"]]


def test_each_language_has_its_own_html(news):
    request = reader(factories.client_user())
    with translation.override("fr"):
        french = latest_articles_html(request, "clients", 3)
    with translation.override("en"):
        assert latest_articles_html(request, "clients", 3) == tag(request) != french
