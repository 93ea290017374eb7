"""The code help of the first connection page: where the client code is
printed, in words and in a picture, as editors wrote them on the client
space page (``code_help``, ``code_facsimile``; pages/first_connection.py).

    {% load portal_first_connection %}
    {% portal_code_help %}

The accounts room sits below the pages, so the activation page asks here.
Empty fields (or no client space page) show the package's text and a drawing
of an invoice's top with an example code of a real shape.
"""

from django import template
from django.template.loader import render_to_string

from ..pages.client_space import ClientSpacePage
from ..pages.first_connection import DEFAULT_CODE_HELP, EXAMPLE_CLIENT_CODE
from ..sites import cached_site_for_request

register = template.Library()


def _space_page(request):
    pages = ClientSpacePage.objects.live()
    site = cached_site_for_request(request) if request is not None else None
    if site is not None:
        pages = pages.descendant_of(site.root_page, inclusive=True)
    return pages.order_by("path").only("id", "path", "code_help", "code_facsimile").first()


@register.simple_tag(takes_context=True)
def portal_code_help(context):
    request = context.get("request")
    page = _space_page(request)
    facsimile = page.code_facsimile if page is not None and page.code_facsimile else None
    return render_to_string(
        "aquatiris_portal/accounts/_code_help.html",
        {
            "text": (page.code_help.strip() if page is not None else "") or DEFAULT_CODE_HELP,
            "facsimile": facsimile,
            "example_code": EXAMPLE_CLIENT_CODE,
        },
        request=request,
    )
