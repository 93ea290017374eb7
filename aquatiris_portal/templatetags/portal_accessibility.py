"""The link to the accessibility statement that RGAA asks on every page.

    {% load portal_accessibility %}
    {% portal_accessibility_link %}  (in the host's footer)

The portal's layout calls it too, so a host that forgets it still has the
link on every portal page; it renders once per request (the first call
wins), so a host that has it in its footer does not show it twice.

The statement's URL and conformance are the same for every reader of a
site: they are cached per site (content_cache, namespace ``accessibility``,
forgotten when a page is published, unpublished, moved, saved or deleted).
"""

from django import template
from django.template.loader import render_to_string

from .. import content_cache
from ..pages.accessibility import AccessibilityStatementPage
from ..sites import cached_site_for_request

register = template.Library()

_SHOWN = "_aquatiris_accessibility_link_shown"


def _statement_for(request, site):
    """(url, conformance label) of the live statement of ``site``, or None."""
    pages = AccessibilityStatementPage.objects.live()
    if site is not None:
        pages = pages.descendant_of(site.root_page, inclusive=True)
    page = pages.order_by("path").only("id", "path", "url_path", "conformance").first()
    if page is None:
        return None
    return page.get_url(request), str(page.get_conformance_display())


@register.simple_tag(takes_context=True)
def portal_accessibility_link(context):
    request = context.get("request")
    if request is None or getattr(request, _SHOWN, False):
        return ""
    setattr(request, _SHOWN, True)
    site = getattr(request, "_wagtail_site", None)
    if site is None:
        site = cached_site_for_request(request)
    key = [site.pk if site else "-"]
    statement = content_cache.get_or_set(content_cache.ACCESSIBILITY, key, lambda: _statement_for(request, site) or "-")
    if statement == "-":
        return ""
    url, status = statement
    return render_to_string("aquatiris_portal/tags/accessibility_link.html", {"url": url, "status": status})
