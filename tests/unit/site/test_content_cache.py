"""Editors' content cached for every reader (content_cache.py): the news
stream, the portal settings and the stage names show a change at once, and
a warm cache never shows a reader what ``access`` does not grant them."""

import datetime
import re

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from wagtail.models import Site

from aquatiris_portal.models import PortalSettings
from aquatiris_portal.pages.client_space import ClientSpacePage
from aquatiris_portal.pages.news import ArticlePage, NewsIndexPage
from aquatiris_portal.records.models import Stage
from aquatiris_portal.snippets.stages import ProjectStage
from tests import factories
from tests.unit._pro_space import pro_space_page, verified_client

pytestmark = pytest.mark.django_db

CLIENT_SPACE = "/espace-client/"


@pytest.fixture
def site():
    return Site.objects.get(is_default_site=True)


@pytest.fixture
def space(site):
    return site.root_page.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))


@pytest.fixture
def news(site):
    return site.root_page.add_child(instance=NewsIndexPage(title="Actualités", slug="actualites", audience="both"))


def article(index, title, audience, live=True):
    page = index.add_child(
        instance=ArticlePage(
            title=title,
            slug=title.lower().replace(" ", "-"),
            audience=audience,
            date=datetime.date(2026, 6, 1),
            intro=f"Intro {title}",
            live=live,
        )
    )
    return page


@pytest.fixture
def client_http(space):
    installation = factories.installation(stage=Stage.INSTALLATION)
    http = HttpClient()
    http.force_login(factories.client_user(installation.client))
    return http


@pytest.fixture
def spanc_http():
    pro_space_page()
    return verified_client(factories.spanc_user())


def page(http, url=CLIENT_SPACE):
    response = http.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_stream_is_served_from_the_cache_once_warm(news, client_http):
    article(news, "Client news", "clients")
    assert "Client news" in page(client_http)
    with CaptureQueriesContext(connection) as captured:
        assert "Client news" in page(client_http)
    sql = " ".join(query["sql"] for query in captured.captured_queries)
    assert "aquatiris_portal_articlepage" not in sql and "aquatiris_portal_newsindexpage" not in sql
    assert "aquatiris_portal_portalsettings" not in sql and "aquatiris_portal_projectstage" not in sql
    assert "auth_permission" not in sql  # no userbar permission lookup for a client


def test_publishing_and_unpublishing_show_and_hide_an_article_at_once(news, client_http):
    article(news, "Client news", "clients")
    assert "Client news" in page(client_http)  # cache warm
    draft = article(news, "Fresh news", "clients", live=False)
    assert "Fresh news" not in page(client_http)
    draft.save_revision().publish()
    assert "Fresh news" in page(client_http)
    ArticlePage.objects.get(pk=draft.pk).unpublish()
    assert "Fresh news" not in page(client_http)


def test_an_edit_published_shows_at_once_and_a_draft_does_not(news, client_http):
    item = article(news, "Client news", "clients")
    assert "Client news" in page(client_http)
    item.title = "Draft title"
    item.save_revision()
    assert "Draft title" not in page(client_http) and "Client news" in page(client_http)
    item.save_revision().publish()
    assert "Draft title" in page(client_http)


def test_deleting_or_moving_changes_the_stream_at_once(site, news, client_http):
    item = article(news, "Client news", "clients")
    assert "/actualites/client-news/" in page(client_http)
    news.slug = "conseils"
    news.save_revision().publish()
    body = page(client_http)
    assert "/conseils/client-news/" in body and "/actualites/client-news/" not in body
    other = site.root_page.add_child(instance=NewsIndexPage(title="Archives", slug="archives", audience="both"))
    ArticlePage.objects.get(pk=item.pk).move(other, pos="last-child")
    assert "/archives/client-news/" in page(client_http)
    ArticlePage.objects.get(pk=item.pk).delete()
    assert "Client news" not in page(client_http)


def test_a_warm_cache_never_shows_another_audience(news, client_http, spanc_http):
    article(news, "For clients only", "clients")
    article(news, "For SPANC only", "pros")
    article(news, "For everyone", "both")
    pro_url = pro_space_page().url
    # SPANC first: the pros' stream is cached, then a client reads theirs.
    pro = page(spanc_http, pro_url)
    assert "For SPANC only" in pro and "For everyone" in pro and "For clients only" not in pro
    client = page(client_http)
    assert "For clients only" in client and "For everyone" in client and "For SPANC only" not in client
    # And the other way round, both streams warm.
    pro = page(spanc_http, pro_url)
    assert "For SPANC only" in pro and "For clients only" not in pro
    client = page(client_http)
    assert "For SPANC only" not in client


def test_a_staff_reader_warming_every_audience_does_not_leak_to_a_client(news, client_http):
    from django.template import Context, Template
    from django.test import RequestFactory

    article(news, "For SPANC only", "pros")
    article(news, "For clients only", "clients")
    staff = factories.user(is_staff=True, is_superuser=True)
    request = RequestFactory().get("/")
    request.user = staff
    html = Template('{% load portal_content %}{% portal_news audience="clients" %}').render(
        Context({"request": request})
    )
    assert "For clients only" in html  # staff read the clients' stream (with their own key)
    body = page(client_http)
    assert "For clients only" in body and "For SPANC only" not in body


def test_publishing_the_space_texts_changes_the_page_at_once(space, client_http):
    # The space's texts are fields of its page (they were portal settings).
    space.intro = "Bienvenue, première version"
    space.save_revision().publish()
    assert "Bienvenue, première version" in page(client_http)
    space = ClientSpacePage.objects.get(pk=space.pk)
    space.intro = "Bienvenue, seconde version"
    space.save_revision().publish()
    body = page(client_http)
    assert "Bienvenue, seconde version" in body and "première version" not in body


def test_a_deleted_certificate_logo_is_not_served_from_the_cache(site):
    from wagtail.images import get_image_model
    from wagtail.images.tests.utils import get_test_image_file

    image = get_image_model().objects.create(title="Logo", file=get_test_image_file())
    settings_obj = PortalSettings.for_site(site)
    settings_obj.certificate_logo = image
    settings_obj.save()
    assert PortalSettings.for_site(site).certificate_logo_id == image.pk
    image.delete()
    assert PortalSettings.for_site(site).certificate_logo is None


def test_renaming_a_stage_changes_the_page_at_once(client_http):
    assert "Chantier du siècle" not in page(client_http)
    row = ProjectStage.objects.create(stage=Stage.INSTALLATION, public_name="Chantier du siècle")
    assert "Chantier du siècle" in page(client_http)
    row.public_name = "Travaux en cours"
    row.save()
    body = page(client_http)
    assert "Travaux en cours" in body and "Chantier du siècle" not in body
    row.delete()
    assert "Travaux en cours" not in page(client_http)


def test_the_cache_can_be_switched_off(settings, news, client_http):
    settings.AQUATIRIS_PORTAL_CONTENT_CACHE_SECONDS = 0
    article(news, "Client news", "clients")
    assert "Client news" in page(client_http)
    ArticlePage.objects.filter(title="Client news").update(title="Changed without signal")
    assert "Changed without signal" in page(client_http)


def test_editors_keep_the_userbar_and_clients_never_get_it(news, client_http):
    editor = factories.user(is_staff=True, is_superuser=True)
    http = HttpClient()
    factories.otp_login(http, editor)
    assert "wagtail-userbar" in page(http, news.url)
    assert "wagtail-userbar" not in page(client_http, news.url)


def test_an_articles_image_is_an_img_tag_even_from_the_cache(client_http, news, settings):
    from wagtail.images import get_image_model
    from wagtail.images.tests.utils import get_test_image_file

    settings.AQUATIRIS_PORTAL_CONTENT_CACHE_SECONDS = 300
    page = article(news, "Avec image", "clients")
    page.image = get_image_model().objects.create(title="Roseaux", file=get_test_image_file())
    page.save_revision().publish()
    for _ in range(2):  # computed, then read back from the (pickling) cache
        body = client_http.get(CLIENT_SPACE).content.decode()
        assert re.search(r'<img [^>]*class="aqp-news-item__image"', body)
        assert "&lt;img" not in body
