"""The home page's two buttons for a host whose page has no StreamField:

    {% load portal_access %}
    {% portal_access_buttons %}
    {% portal_access_buttons heading="Vos espaces" client_label="Espace client" pro_label="Espace pro" %}

It links to the live client space and pro space of the current site (the
first of each under the site's root page; a space that does not exist
gets no button) and renders the same markup as the StreamField block
``aquatiris_portal.blocks.PortalAccessButtonsBlock``. Style it with
``aquatiris_portal/portal.css``. Two queries (plus Wagtail's site look-up and URLs: 5 at most).
"""

from django import template
from django.utils.translation import gettext as _
from wagtail.models import Site

from ..pages.client_space import ClientSpacePage
from ..pages.pro_space import ProSpacePage

register = template.Library()


def _first_live(model, site):
    pages = model.objects.live().public()
    if site is not None:
        pages = pages.descendant_of(site.root_page, inclusive=True)
    return pages.order_by("path").first()


@register.inclusion_tag("aquatiris_portal/blocks/access_buttons.html", takes_context=True)
def portal_access_buttons(context, heading=None, client_label=None, pro_label=None):
    request = context.get("request")
    site = Site.find_for_request(request) if request is not None else None
    return {
        "request": request,
        "omit_missing": True,
        "value": {
            "heading": _("Your personal spaces") if heading is None else heading,
            "client_space": _first_live(ClientSpacePage, site),
            "client_label": client_label or _("Client space"),
            "pro_space": _first_live(ProSpacePage, site),
            "pro_label": pro_label or _("Pro space (SPANC)"),
        },
    }
