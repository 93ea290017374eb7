"""Template tags the spaces use to show editors' content.

{% load portal_content %}
{% portal_news audience="clients" count=3 %}
{% portal_faq audience="clients" topic="maintenance" %}
"""

from django import template

register = template.Library()


@register.inclusion_tag("aquatiris_portal/tags/news_list.html", takes_context=True)
def portal_news(context, audience="clients", count=3, heading=None):
    """The latest news/advice articles of ``audience`` the current user may read."""
    return {"articles": [], "audience": audience, "heading": heading, "request": context.get("request")}


@register.inclusion_tag("aquatiris_portal/tags/faq_list.html", takes_context=True)
def portal_faq(context, audience="clients", topic="", heading=None):
    """The FAQ entries of ``audience`` (and ``topic`` if given) as an accordion."""
    return {"entries": [], "audience": audience, "topic": topic, "heading": heading, "request": context.get("request")}
