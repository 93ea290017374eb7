"""News, advice and FAQ: page tree rules, audiences, search, accordion, query budgets."""

import datetime
import re
from html import unescape

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils.translation import gettext
from wagtail.models import Page, Site
from wagtail.rich_text import RichText

from aquatiris_portal.pages.client_space import ClientSpacePage
from aquatiris_portal.pages.faq import FaqPage
from aquatiris_portal.pages.news import ArticlePage, NewsIndexPage
from aquatiris_portal.snippets.faq import FaqEntry
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def home():
    return Site.objects.get(is_default_site=True).root_page


@pytest.fixture
def news(home):
    index = home.add_child(instance=NewsIndexPage(title="Actualités", slug="actualites", audience="both", per_page=5))
    return index


def add_article(index, title, audience, kind="news", days_ago=0):
    return index.add_child(
        instance=ArticlePage(
            title=title,
            slug=title.lower().replace(" ", "-"),
            audience=audience,
            kind=kind,
            date=datetime.date(2026, 6, 1) - datetime.timedelta(days=days_ago),
            intro=f"Intro {title}",
            body=[("paragraph", RichText(f"<p>Corps {title}</p>"))],
        )
    )


@pytest.fixture
def articles(news):
    return {
        "clients": add_article(news, "Client news", "clients"),
        "pros": add_article(news, "Pro news", "pros", days_ago=1),
        "both": add_article(news, "Shared advice", "both", kind="advice", days_ago=2),
    }


def login_client(http):
    user = factories.client_user()
    http.force_login(user)
    return user


def login_spanc(http):
    user = factories.spanc_user()
    factories.otp_login(http, user)
    return user


# --- page tree -------------------------------------------------------------


def test_page_types_are_created_only_under_their_allowed_parents(home, news):
    assert NewsIndexPage in home.specific_class.allowed_subpage_models()
    assert FaqPage in home.specific_class.allowed_subpage_models()
    assert ArticlePage.can_create_at(news)
    assert not ArticlePage.can_create_at(home)
    article = add_article(news, "A", "clients")
    faq = home.add_child(instance=FaqPage(title="FAQ", slug="faq"))
    space = home.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))
    for parent in (article, faq, space):
        assert not NewsIndexPage.can_create_at(parent)
        assert not FaqPage.can_create_at(parent)
        assert not ArticlePage.can_create_at(parent)
    assert not NewsIndexPage.can_create_at(news)
    assert not FaqPage.can_create_at(news)


class TestCanCreate:
    """The same rules through Wagtail's own test assertions."""

    def test_assertions(self, home, news):
        from wagtail.test.utils import WagtailPageTestCase

        case = WagtailPageTestCase()
        case.assertCanCreateAt(Page, NewsIndexPage)
        case.assertCanCreateAt(Page, FaqPage)
        case.assertCanCreateAt(NewsIndexPage, ArticlePage)
        case.assertCanNotCreateAt(Page, ArticlePage)
        case.assertCanNotCreateAt(ArticlePage, ArticlePage)
        case.assertCanNotCreateAt(NewsIndexPage, NewsIndexPage)
        case.assertCanNotCreateAt(FaqPage, ArticlePage)
        case.assertCanNotCreateAt(ClientSpacePage, NewsIndexPage)
        case.assertCanNotCreateAt(ClientSpacePage, FaqPage)


# --- audiences -------------------------------------------------------------


def test_anonymous_is_sent_to_login_for_index_and_every_article(client, news, articles):
    for page in [news, *articles.values()]:
        response = client.get(page.url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("aquatiris_portal:login"))


def test_client_reads_client_and_shared_articles_never_pro_ones(client, news, articles):
    login_client(client)
    assert client.get(articles["clients"].url).status_code == 200
    assert client.get(articles["both"].url).status_code == 200
    assert client.get(articles["pros"].url).status_code == 404
    html = client.get(news.url).content.decode()
    assert "Client news" in html and "Shared advice" in html
    assert "Pro news" not in html


def test_verified_spanc_reads_pro_and_shared_articles_never_client_ones(client, news, articles):
    login_spanc(client)
    assert client.get(articles["pros"].url).status_code == 200
    assert client.get(articles["both"].url).status_code == 200
    assert client.get(articles["clients"].url).status_code == 404
    html = client.get(news.url).content.decode()
    assert "Pro news" in html and "Shared advice" in html
    assert "Client news" not in html


def test_spanc_without_second_factor_reads_no_pro_news(client, news, articles):
    client.force_login(factories.spanc_user())
    assert client.get(articles["pros"].url).status_code == 404
    assert client.get(news.url).status_code == 404


def test_logged_in_user_without_portal_account_reads_nothing(client, news, articles):
    client.force_login(factories.user())
    assert client.get(articles["both"].url).status_code == 404
    assert client.get(news.url).status_code == 404


def test_index_for_pros_is_404_for_a_client(client, home, articles):
    pro_index = home.add_child(instance=NewsIndexPage(title="Actus pro", slug="actus-pro", audience="pros"))
    login_client(client)
    assert client.get(pro_index.url).status_code == 404


def test_responses_are_private(client, articles):
    login_client(client)
    response = client.get(articles["clients"].url)
    assert "private" in response["Cache-Control"]


def test_index_filters_by_kind_and_paginates(client, news):
    login_client(client)
    for n in range(7):
        add_article(news, f"Item {n}", "clients", kind="advice" if n % 2 else "news", days_ago=n)
    first = client.get(news.url).content.decode()
    assert "Item 0" in first and "Item 4" in first and "Item 5" not in first
    assert "page=2" in first
    second = client.get(news.url + "?page=2").content.decode()
    assert "Item 5" in second and "Item 6" in second and "Item 0" not in second
    advice = client.get(news.url + "?kind=advice").content.decode()
    assert "Item 1" in advice and "Item 0" not in advice
    assert client.get(news.url + "?page=9").status_code == 404


def render_tag(source, user):
    request = RequestFactory().get("/")
    request.user = user
    return Template("{% load portal_content %}" + source).render(Context({"request": request}))


def test_news_tag_shows_the_latest_articles_of_the_readers_audience(news, articles):
    client_user = factories.client_user()
    html = render_tag('{% portal_news audience="clients" count=3 %}', client_user)
    assert "Client news" in html and "Shared advice" in html and "Pro news" not in html
    assert "Client news" not in render_tag('{% portal_news audience="pros" count=3 %}', client_user)
    spanc = factories.verified(factories.spanc_user())
    html = render_tag('{% portal_news audience="pros" count=1 %}', spanc)
    assert "Pro news" in html and "Shared advice" not in html  # count=1: only the newest
    from django.contrib.auth.models import AnonymousUser

    assert "Shared advice" not in render_tag('{% portal_news audience="clients" %}', AnonymousUser())


# --- FAQ -------------------------------------------------------------------


@pytest.fixture
def faq(home):
    page = home.add_child(instance=FaqPage(title="Questions fréquentes", slug="faq", audience="clients"))
    FaqEntry.objects.create(
        question="Comment entretenir mes roseaux ?",
        answer="<p>Faucardez à l'automne.</p>",
        audience="clients",
        topic="maintenance",
        sort_order=1,
    )
    FaqEntry.objects.create(
        question="Que faire en cas d'odeurs ?",
        answer="<p>Vérifiez le regard.</p>",
        audience="both",
        topic="maintenance",
        sort_order=2,
    )
    FaqEntry.objects.create(
        question="Comment déposer un rapport ?", answer="<p>Depuis le dossier.</p>", audience="pros", topic="spanc"
    )
    FaqEntry.objects.create(question="Question brouillon", answer="<p>x</p>", audience="clients", live=False)
    return page


def test_faq_page_is_an_accordion_without_javascript(client, faq):
    login_client(client)
    html = client.get(faq.url).content.decode()
    assert html.count("<details") == 2 and html.count("<summary") == 2
    assert "Comment entretenir mes roseaux ?" in html
    assert "Comment déposer un rapport" not in html  # pros only
    assert "Question brouillon" not in html
    assert '<label for="aqp-faq-search">' in html and 'name="q"' in html and 'method="get"' in html
    # The accordion needs no script: the only one after it is the layout's
    # idle-logout warning, which every logged-in page carries.
    scripts = re.findall(r"<script[^>]*>", html.split('class="aqp-faq-page"')[1])
    assert all("aquatiris_portal/idle.js" in tag for tag in scripts), scripts


def test_faq_search_filters_on_the_server(client, faq):
    login_client(client)
    html = unescape(client.get(faq.url, {"q": "odeurs"}).content.decode())
    assert "Que faire en cas d'odeurs ?" in html
    assert "roseaux ?" not in html
    assert html.count("<details") == 1
    html = client.get(faq.url, {"q": "automne"}).content.decode()  # in the answer
    assert "roseaux ?" in html and html.count("<details") == 1
    html = unescape(client.get(faq.url, {"q": "introuvable"}).content.decode())
    assert (
        "<details" not in html
        and gettext("No question matches your search. Try other words or send us your question.") in html
    )


def test_faq_page_needs_login_and_audience(client, faq):
    response = client.get(faq.url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("aquatiris_portal:login"))
    login_spanc(client)
    assert client.get(faq.url).status_code == 404


def test_faq_tag_filters_audience_and_topic(faq):
    user = factories.client_user()
    html = render_tag('{% portal_faq audience="clients" topic="maintenance" %}', user)
    assert html.count("<details") == 2 and "déposer un rapport" not in html
    assert faq.url in html
    from django.contrib.auth.models import AnonymousUser

    assert "<details" not in render_tag('{% portal_faq audience="clients" %}', AnonymousUser())


# --- query budgets -----------------------------------------------------------


def count_queries(http, url, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    http.get(url)  # warm caches (site root paths, renditions)
    with CaptureQueriesContext(connection) as captured:
        assert http.get(url).status_code == 200
    return len(captured)


def test_query_counts_do_not_grow_with_the_number_of_articles(client, news, faq, django_assert_max_num_queries):
    login_client(client)
    article = add_article(news, "First", "clients")
    few = (
        count_queries(client, news.url, None),
        count_queries(client, article.url, None),
        count_queries(client, faq.url, None),
    )
    for n in range(30):
        add_article(news, f"More {n}", "clients", days_ago=n + 1)
        FaqEntry.objects.create(question=f"Question {n} ?", answer="<p>Réponse</p>", audience="clients")
    many = (
        count_queries(client, news.url, None),
        count_queries(client, article.url, None),
        count_queries(client, faq.url, None),
    )
    assert few == many
    assert max(many) <= 9, many  # index, article, FAQ: the page's query budget
