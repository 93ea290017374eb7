"""The folder list's news for professionals: its HTML is kept with the list
it shows (pages/news.latest_articles_html), as {% portal_news %} wrote it."""

import datetime

import pytest
from django.template import Context, Template
from wagtail.models import Site
from wagtail.rich_text import RichText

from aquatiris_portal.pages.news import ArticlePage, NewsIndexPage
from tests import factories
from tests.unit._pro_space import pro_space_page, verified_client

pytestmark = pytest.mark.django_db


def article(index, title, audience, days_ago):
    return index.add_child(
        instance=ArticlePage(
            title=title,
            slug=f"a-{days_ago}",
            audience=audience,
            date=datetime.date(2026, 6, 1) - datetime.timedelta(days=days_ago),
            intro=f"Intro {title}",
            body=[("paragraph", RichText("<p>Corps</p>"))],
        )
    )


def news_section(html):
    start = html.index("Actualités pour les professionnels")
    return html[html.rindex("<section", 0, start) : html.index("</section>", start)]


def test_the_list_shows_the_pro_news_as_the_tag_wrote_them_and_a_new_article_at_once():
    home = Site.objects.get(is_default_site=True).root_page
    pro_space_page()
    index = home.add_child(instance=NewsIndexPage(title="Actualités", slug="actualites", audience="both"))
    article(index, "Réunion des SPANC <Rennes>", "pros", 2)
    article(index, "Conseil aux particuliers", "clients", 1)
    spanc = factories.spanc()
    http = verified_client(factories.spanc_user(spanc))

    response = http.get("/espace-pro/", HTTP_ACCEPT_LANGUAGE="fr")
    html = response.content.decode()
    section = news_section(html)
    assert "Réunion des SPANC &lt;Rennes&gt;" in section
    assert "Conseil aux particuliers" not in html  # the clients' article is not the pros'

    # What the template tag writes for the same reader (the page's request), byte for byte.
    request = response.wsgi_request
    tag = Template(
        '{% load i18n portal_content %}{% translate "News for professionals" as news_heading %}'
        '{% portal_news audience="pros" count=3 heading=news_heading %}'
    ).render(Context({"request": request}))
    assert tag.strip() in html

    # Kept with the list: an article published now shows on the next page.
    article(index, "Nouvelle réglementation", "pros", 0)
    assert "Nouvelle réglementation" in news_section(http.get("/espace-pro/").content.decode())


def test_the_heading_is_the_reader_s_language():
    home = Site.objects.get(is_default_site=True).root_page
    pro_space_page()
    index = home.add_child(instance=NewsIndexPage(title="Actualités", slug="actualites", audience="both"))
    article(index, "Réunion", "pros", 2)
    http = verified_client(factories.spanc_user(factories.spanc()))
    assert "Actualités pour les professionnels" in http.get("/espace-pro/").content.decode()
    english = http.get("/espace-pro/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    if "News for professionals" not in english:  # the site may pin French: then both are French
        assert "Actualités pour les professionnels" in english
