"""Template tags the spaces use to show editors' content.

    {% load portal_content %}
    {% portal_news audience="clients" count=3 %}
    {% portal_faq audience="clients" topic="maintenance" %}

Both show only what ``access.article_audiences_for`` grants the current
user, in a fixed number of queries.
"""

from django import template

register = template.Library()


@register.inclusion_tag("aquatiris_portal/tags/news_list.html", takes_context=True)
def portal_news(context, audience="clients", count=3, heading=None, kind=None, title_level=3):
    """The latest news/advice articles of ``audience`` the current user may read.
    ``title_level``: heading level of the article titles (2 right under a page's h1)."""
    from ..pages.news import latest_articles

    result = latest_articles(context.get("request"), audience, count, kind=kind)
    result["heading"] = heading
    result["title_level"] = title_level
    return result


@register.inclusion_tag("aquatiris_portal/tags/faq_list.html", takes_context=True)
def portal_faq(context, audience="clients", topic="", heading=None, count=None):
    """The FAQ entries of ``audience`` (and ``topic`` if given) as an accordion."""
    from ..pages.faq import faq_entries

    result = faq_entries(context.get("request"), audience, topic=topic, limit=count)
    result["heading"] = heading
    return result
