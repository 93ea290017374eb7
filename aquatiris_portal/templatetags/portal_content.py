"""Template tags the spaces use to show editors' content.

    {% load portal_content %}
    {% portal_news audience="clients" count=3 %}
    {% portal_faq audience="clients" topic="maintenance" %}
    {% portal_userbar %}  (in the host's base template, for {% wagtailuserbar %})

The news and FAQ tags show only what ``access.article_audiences_for``
grants the current user, in a fixed number of queries (the news stream
from the cache: content_cache.py).
"""

from django import template
from wagtail.admin.templatetags.wagtailuserbar import wagtailuserbar

from .. import access
from ..pages.faq import faq_entries
from ..pages.news import latest_articles
from ..snippets.audiences import Audience

register = template.Library()


@register.inclusion_tag("aquatiris_portal/tags/news_list.html", takes_context=True)
def portal_news(context, audience=Audience.CLIENTS, count=3, heading=None, kind=None, title_level=3):
    """The latest news/advice articles of ``audience`` the current user may read.
    ``title_level``: heading level of the article titles (2 right under a page's h1)."""
    result = latest_articles(context.get("request"), audience, count, kind=kind)
    result["heading"] = heading
    result["title_level"] = title_level
    return result


@register.inclusion_tag("aquatiris_portal/tags/faq_list.html", takes_context=True)
def portal_faq(context, audience=Audience.CLIENTS, topic="", heading=None, count=None):
    """The FAQ entries of ``audience`` (and ``topic`` if given) as an accordion."""
    result = faq_entries(context.get("request"), audience, topic=topic, limit=count)
    result["heading"] = heading
    return result


@register.simple_tag(takes_context=True)
def portal_userbar(context, position="bottom-right"):
    """Wagtail's ``{% wagtailuserbar %}`` without its permission lookup (two
    queries on every page) for portal accounts: clients and SPANC are not
    editors, and their account is already loaded by the spaces. Staff and
    users without a portal account (editors) go through Wagtail's check."""
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated:
        return ""
    if not (user.is_staff or user.is_superuser) and access.account_for(user) is not None:
        return ""
    return wagtailuserbar(context, position)
