"""The client space's one frame on every page a client reaches.

Every portal screen extends ``aquatiris_portal/layout.html``, whose header
asks ``{% portal_client_shell as shell %}``: for a client it gives the
links of the client space's navigation and the current one, and the layout
shows the space's header (navigation, account links, the "Menu" button on a
phone) instead of the account links alone. The space's screens, the FAQ,
the news pages and the account screens (password, notifications, second
factor) share that one header whatever view renders them; anyone else (a
SPANC, staff, a visitor) gets the account links alone, as before.

The links are the same for every client of a site: cached per site
(content_cache.SHELL, forgotten when a page is published, unpublished or
moved, or a site changes), so a warm page pays no query for them.
"""

from django import template

from .. import access, content_cache
from ..pages.client_space import ClientSpacePage
from ..pages.faq import FaqPage
from ..pages.news import ArticlePage, NewsIndexPage
from ..sites import cached_site_for_request
from ..snippets.audiences import Audience

register = template.Library()

# The space's routes in its navigation, in their order (the template gives their labels).
SPACE_TABS = ("dashboard", "contact", "requests", "maintenance", "maintenance_contract", "news", "document_accesses")
# Account screens (accounts/urls.py, digests) and the link of the account bar they belong to.
ACCOUNT_SCREENS = {
    "password_change": "password",
    "otp_enroll": "password",
    "otp_backup_codes": "password",
    "notification_preferences": "notifications",
}
# The space's screens name their tab in ``nav``; "installations" are under "dashboard".
NAV_ALIASES = {"installations": "dashboard"}


def _links(request, site):
    """{tab: URL} of the site's live client space (and its client FAQ), or None."""
    pages = ClientSpacePage.objects.live()
    faq_pages = FaqPage.objects.live().filter(audience__in=[Audience.CLIENTS, Audience.BOTH])
    if site is not None:
        pages = pages.descendant_of(site.root_page, inclusive=True)
        faq_pages = faq_pages.descendant_of(site.root_page, inclusive=True)
    space = pages.order_by("path").first()
    if space is None:
        return None
    base = space.get_url(request)
    if not base:
        return None
    links = {tab: base + space.reverse_subpage(tab) for tab in SPACE_TABS}
    faq = faq_pages.order_by("path").only("id", "path", "url_path").first()
    if faq is not None:
        links["faq"] = faq.get_url(request)
    return links


def _current(context, request):
    nav = context.get("nav")
    if nav:
        return NAV_ALIASES.get(nav, nav)
    match = getattr(request, "resolver_match", None)
    if match is not None and match.url_name in ACCOUNT_SCREENS:
        return ACCOUNT_SCREENS[match.url_name]
    page = context.get("page")
    if isinstance(page, FaqPage):
        return "faq"
    if isinstance(page, (NewsIndexPage, ArticlePage)):
        return "news"
    return ""


@register.simple_tag(takes_context=True)
def portal_client_shell(context):
    """{"links": {tab: URL}, "current": tab} for a client, else None."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or access.client_for(user) is None:
        return None
    site = getattr(request, "_wagtail_site", None) or cached_site_for_request(request)
    links = content_cache.get_or_set(
        content_cache.SHELL, [site.pk if site else "-"], lambda: _links(request, site) or "-"
    )
    if links == "-":
        return None
    return {"links": links, "current": _current(context, request)}
