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

``{% portal_header %}`` writes that header (or the account links alone) in
Python: it is on every portal page, and as templates (two includes, a
dozen ``{% translate %}``, four ``{% url %}``) it cost more than many a
screen's own content. Every value is escaped (``_e``: Django's ``escape``
without its lazy wrapper); the fixed texts are translated once per language.
"""

import html

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_noop

from .. import access, content_cache
from ..pages.client_space import ClientSpacePage
from ..pages.faq import FaqPage
from ..pages.news import ArticlePage, NewsIndexPage
from ..records.emails import display_email
from ..sites import cached_site_for_request
from ..snippets.audiences import Audience
from .portal_people import people_kinds
from .portal_urls import portal_static, portal_url
from .translated_texts import PerLanguage

register = template.Library()

# The space's routes in its navigation, in their order (the template gives their labels).
SPACE_TABS = ("dashboard", "contact", "requests", "maintenance", "maintenance_contract", "news", "document_accesses")
# The navigation's tabs and labels, in their order ("faq" only when the site has a client FAQ).
NAV_LABELS = (
    ("dashboard", gettext_noop("My installations")),
    ("contact", gettext_noop("Contact my franchisee")),
    ("requests", gettext_noop("My requests")),
    ("maintenance", gettext_noop("Maintenance")),
    ("maintenance_contract", gettext_noop("Maintenance contract")),
    ("news", gettext_noop("News and advice")),
    ("faq", gettext_noop("Frequently asked questions")),
)
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


# The header's fixed texts, translated once per process and language (a
# gettext call costs about twenty Python calls; the header has sixteen).
TEXTS = (
    *(label for _tab, label in NAV_LABELS),
    gettext_noop("Menu"),
    gettext_noop("Client space"),
    gettext_noop("My account"),
    gettext_noop("Logged in as %(email)s"),
    gettext_noop("Change my password"),
    gettext_noop("Email notifications"),
    gettext_noop("People"),
    gettext_noop("People of the pro space"),
    gettext_noop("Who read my documents"),
    gettext_noop("Log out"),
)
_texts_by_language: PerLanguage[dict[str, str]] = PerLanguage()


def _texts():
    """{msgid: msgstr} in the active language. The msgstrs are the package's
    catalogue, written as ``{% translate %}`` wrote them (not escaped)."""
    return _texts_by_language.get(lambda: {msgid: gettext(msgid) for msgid in TEXTS})


def _e(value):
    """Django's ``escape`` (the same characters) without its lazy-string wrapper."""
    return html.escape(str(value))


def _current_attr(on):
    return ' aria-current="page"' if on else ""


def _csrf_input(context):
    """What ``{% csrf_token %}`` writes."""
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":  # noqa: S105  the context processor's "no token"
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{_e(token)}">'


def account_bar_html(context, user, current="", links=None):
    """The account links (« Connecté en tant que », password, notifications,
    « Personnes », who read my documents, log out), or "" for a visitor.
    Every value is escaped (``_e``); the texts are our catalogue's."""
    if user is None or not user.is_authenticated:
        return ""
    texts = _texts()
    links = links or {}
    kinds = people_kinds(context)
    people = "".join(
        f'<a href="{_e(portal_url("people", kind))}"{_current_attr(current == "people")}>'
        f"{texts['People of the pro space'] if len(kinds) > 1 and kind == 'spanc' else texts['People']}</a>"
        for kind in kinds
    )
    accesses = ""
    if links.get("document_accesses"):
        accesses = (
            f'<a href="{_e(links["document_accesses"])}"{_current_attr(current == "document_accesses")}>'
            f"{texts['Who read my documents']}</a>"
        )
    who = texts["Logged in as %(email)s"] % {"email": _e(display_email(user.email or user.get_username()))}
    return mark_safe(  # noqa: S308  values escaped with _e, texts from our catalogue
        f'\n<nav class="aqp-account-bar" aria-label="{texts["My account"]}">\n'
        f'  <span class="aqp-account-bar__who">{who}</span>\n'
        f'  <a href="{_e(portal_url("password_change"))}"{_current_attr(current == "password")}>'
        f"{texts['Change my password']}</a>\n"
        f'  <a href="{_e(portal_url("notification_preferences"))}"{_current_attr(current == "notifications")}>'
        f"{texts['Email notifications']}</a>\n"
        f"  {people}\n"
        f"  {accesses}\n"
        f'  <form method="post" action="{_e(portal_url("logout"))}" class="aqp-account-bar__logout">\n'
        f"    {_csrf_input(context)}\n"
        f'    <button type="submit" class="aqp-button aqp-button--link">{texts["Log out"]}</button>\n'
        "  </form>\n"
        "</nav>\n\n"
    )


def client_shell_html(context, user, shell):
    """The client space's header: its navigation and the account links,
    behind one "Menu" button on a phone (menu.js)."""
    texts = _texts()
    links, current = shell["links"], shell["current"]
    items = "\n      ".join(
        f'<li><a href="{_e(links.get(tab, ""))}"{_current_attr(current == tab)}>{texts[label]}</a></li>'
        if tab != "faq" or links.get("faq")
        else ""
        for tab, label in NAV_LABELS
    )
    return mark_safe(  # noqa: S308  values escaped with _e, texts from our catalogue
        '\n<div class="aqp-space aqp-shell">\n'
        '  <div class="aqp-menu" data-aqp-menu>\n'
        '  <button type="button" class="aqp-menu__toggle aqp-button aqp-button--secondary" aria-expanded="false" '
        f'aria-controls="aqp-menu-panel" hidden><span aria-hidden="true">☰ </span>{texts["Menu"]}</button>\n'
        '  <div class="aqp-menu__panel" id="aqp-menu-panel">\n'
        f'  <nav class="aqp-space-nav" aria-label="{texts["Client space"]}" data-aqp-shell="client">\n'
        "    <ul>\n"
        f"      {items}\n"
        "    </ul>\n"
        "  </nav>\n"
        f"  {account_bar_html(context, user, current, links)}\n"
        "  </div>\n"
        "  </div>\n"
        "</div>\n"
        f'<script src="{_e(portal_static("aquatiris_portal/menu.js"))}" defer></script>\n'
    )


@register.simple_tag(takes_context=True)
def portal_header(context):
    """The header of every portal page (layout.html): the client space's
    for a client, the account links for anyone else logged in, else nothing."""
    shell = portal_client_shell(context)
    request = context.get("request")
    user = getattr(request, "user", None)
    if shell:
        return client_shell_html(context, user, shell)
    return account_bar_html(context, user, context.get("current", ""))
