"""The installation header's links and switcher
(client_space/_installation_header.html), written once in Python
(pages/installation_screen.py): the installation and documents screens
pass theirs as ``installation_links``; the others (warranty) get them here."""

from django import template

from ..pages import installation_screen

register = template.Library()


@register.simple_tag(takes_context=True)
def installation_header(context):
    known = context.get("installation_links")
    if known is not None:
        return known
    return installation_screen.header(
        context["page"],
        context["request"],
        context["installations"],
        context["installation"],
        context["installation_route"],
    )
