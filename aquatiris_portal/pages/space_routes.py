"""Wagtail's routing of the spaces' pages, answered from the cache.

To find the page of a request Wagtail walks the tree from the site's root:
the root's specific row, the child by its slug, the child's specific row,
then the view restrictions of the page and its ancestors: four queries
before a space's screen does any work of its own, on every click of every
client and SPANC. The spaces and the pages their menus link to are a few
pages per site (ClientSpacePage, ProSpacePage, FaqPage, NewsIndexPage; not
the articles, which are many), the same for everyone: the live ones are
kept per site, with their restrictions, in ``content_cache`` (namespace
``ROUTES``), forgotten when any page is published, unpublished or moved,
one of these pages is saved or deleted, a site or a view restriction
changes (content_cache_receivers.py).

``route_from_cache`` hands the page to Wagtail's ``serve`` view through
``request._wagtail_route_for_request``, which Wagtail reads before routing
(``sites.CachedSiteMiddleware`` calls it); the hooks, the restrictions'
check and the page's ``serve`` stay Wagtail's. The table holds each page
pickled on its own: a request unpickles the paths and its own copy of the
one page it is routed to, not every space's page (the home page and the
articles: none). Who may see what is still decided per request by the
page's gate (``access``): nothing personal is cached here.

A space under a page whose type routes its children itself (a ``route``
of its own) is left to Wagtail, as is every page when Wagtail's
internationalisation is on (the root depends on the language).
"""

import pickle

from django.conf import settings
from django.http import Http404
from wagtail.models import Page

from .. import content_cache
from .client_space import ClientSpacePage
from .faq import FaqPage
from .news import NewsIndexPage
from .pro_space import ProSpacePage
from .routing import RESTRICTIONS_ATTR, view_restrictions

SPACE_MODELS = (ClientSpacePage, ProSpacePage, FaqPage, NewsIndexPage)


def _plain_route(page, root):
    """Whether Wagtail's walk from ``root`` to ``page`` is its own (no type on the way routes otherwise)."""
    classes = [ancestor.specific_class for ancestor in page.get_ancestors().filter(depth__gte=root.depth)]
    return all(cls is not None and cls.route is Page.route for cls in classes)


def _table(site):
    """[(path components under the site's root, the live page and its view
    restrictions pickled together)], longest first."""
    root = site.root_page
    table = []
    for model in SPACE_MODELS:
        for page in model.objects.live().descendant_of(root, inclusive=True):
            if not page.url_path.startswith(root.url_path) or not _plain_route(page, root):
                continue
            components = tuple(part for part in page.url_path[len(root.url_path) :].split("/") if part)
            pickled = pickle.dumps((page, list(view_restrictions(page))), pickle.HIGHEST_PROTOCOL)
            table.append((components, pickled))
    table.sort(key=lambda row: -len(row[0]))
    return table


def route_from_cache(request, site, path):
    """Set Wagtail's route of ``request`` when ``path`` (the serve view's
    argument) is under a space of ``site``; otherwise leave it to Wagtail."""
    if site is None or not content_cache.enabled() or getattr(settings, "WAGTAIL_I18N_ENABLED", False):
        return
    components = [part for part in path.split("/") if part]
    # "pickled": the shape of the entries (pages pickled one by one), part of the key.
    for prefix, pickled in content_cache.get_or_set(content_cache.ROUTES, ["pickled", site.pk], lambda: _table(site)):
        if tuple(components[: len(prefix)]) == prefix:
            page, restrictions = pickle.loads(pickled)  # noqa: S301  our own bytes, pickled by _table
            page.__dict__[RESTRICTIONS_ATTR] = restrictions
            try:
                request._wagtail_route_for_request = page.route(request, components[len(prefix) :])
            except Http404:
                request._wagtail_route_for_request = None
            return
