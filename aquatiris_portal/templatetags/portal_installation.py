"""The installation header (client_space/_installation_header.html),
written in Python (pages/installation_screen.py): the installation and
documents screens pass their links as ``installation_links``; the others
(warranty) get them here.

    {% installation_header heading "documents" %}

and the installation screen's body under it (pages/installation_body.py):

    {% installation_body %}
"""

from django import template

from ..pages import installation_body as body
from ..pages import installation_screen

register = template.Library()


@register.simple_tag(takes_context=True)
def installation_header(context, heading, route):
    links = context.get("installation_links")
    if links is None:
        links = installation_screen.header(
            context["page"], context["request"], context["installations"], context["installation"], route
        )
    return installation_screen.header_html(context["installation"], heading, route, links)


@register.simple_tag(takes_context=True)
def installation_body(context):
    # The context's CSRF token: the one the page's other forms carry.
    installation = context["installation"]
    dossier = installation_screen.dossier_html(context["request"], installation, context.get("csrf_token"))
    return body.body_html(context, dossier)
