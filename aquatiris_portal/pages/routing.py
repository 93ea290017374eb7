"""What Wagtail asks of every page it serves, answered with fewer queries."""

from django.conf import settings
from django.db.models import Q
from wagtail.models import Page, PageViewRestriction, Site, SiteRootPath

from .. import content_cache

# The restrictions space_routes.py read with the page from the cache.
RESTRICTIONS_ATTR = "_aquatiris_view_restrictions"


def view_restrictions(page):
    """``Page.get_view_restrictions`` in one query instead of two.

    Wagtail checks the view restrictions of the page served and of its
    ancestors (an alias standing for its source page) on every request: it
    loads the ancestors, then their restrictions. The ancestors' paths are
    prefixes of the page's own, so one query finds the same restrictions.
    Pages use it as ``get_view_restrictions = view_restrictions`` (a method,
    not a base class: no change to the models' migration state). A page
    routed from the cache (space_routes.py) carries its restrictions: the
    queryset comes with them as its result, and no query (a further filter
    or order, as the admin's privacy view does, queries as usual)."""
    known = page.__dict__.get(RESTRICTIONS_ATTR)
    if known is not None:
        queryset = PageViewRestriction.objects.filter(pk__in=[restriction.pk for restriction in known])
        queryset._result_cache = list(known)
        queryset._prefetch_done = True
        return queryset
    ancestor_paths = [page.path[:end] for end in range(page.steplen, len(page.path), page.steplen)]
    return PageViewRestriction.objects.filter(
        Q(page_id=page.alias_of_id or page.pk)
        | Q(page__path__in=ancestor_paths, page__alias_of__isnull=True)
        | Q(page__aliases__path__in=ancestor_paths)  # an alias ancestor: its source's restrictions
    ).distinct()


def url_parts_once_per_request(page, request=None):
    """``Page.get_url_parts``, computed once per request for this page.

    A space's screens link to its routes a dozen times per page
    (``{% routablepageurl %}``), and each link asked for the page's URL again
    (site root paths, the page's path, ``reverse``). The page object lives
    for one request (Wagtail's routing loads it), the answer is kept on it
    for that request only, and for its current path (an editor renaming or
    moving it in the admin gets the new URL). Pages use it as
    ``get_url_parts = url_parts_once_per_request``."""
    if request is None:
        _keep_site_root_paths(page)
        return Page.get_url_parts(page, request)
    cached = page.__dict__.get("_aquatiris_url_parts")
    if cached is not None and cached[0] is request and cached[1] == page.url_path:
        return cached[2]
    _keep_site_root_paths(request)
    parts = Page.get_url_parts(page, request)
    page.__dict__["_aquatiris_url_parts"] = (request, page.url_path, parts)
    return parts


def _keep_site_root_paths(holder):
    """Give ``holder`` (the request, or the page outside a request: a mail)
    the site root paths, which Wagtail reads there before its own read of
    the cache; as Wagtail would, but without failing while the cache is down."""
    if not hasattr(holder, "_wagtail_cached_site_root_paths"):
        holder._wagtail_cached_site_root_paths = site_root_paths()


def site_root_paths():
    """Wagtail's ``Site.get_site_root_paths()``, from the database when the
    shared cache it reads is unreachable (Redis restarting): the URL of a
    space, in a page or a mail written meanwhile, never fails because the
    cache does. A warning at most once a minute (``content_cache.cache_down``)."""
    if content_cache.down_in_this_request():
        return site_root_paths_from_database()
    try:
        return Site.get_site_root_paths()
    except Exception as error:  # whatever the backend raises (Redis: ConnectionError, TimeoutError)
        content_cache.cache_down(error)
        return site_root_paths_from_database()


def site_root_paths_from_database():
    """What Wagtail's ``Site.get_site_root_paths()`` answers, without its
    read of Django's default cache (for when that cache is down)."""
    paths = []
    sites = Site.objects.select_related("root_page", "root_page__locale")
    for site in sites.order_by("-root_page__url_path", "-is_default_site", "hostname"):
        roots = [site.root_page]
        if getattr(settings, "WAGTAIL_I18N_ENABLED", False):
            roots = site.root_page.get_translations(inclusive=True).select_related("locale")
        paths.extend(SiteRootPath(site.id, root.url_path, site.root_url, root.locale.language_code) for root in roots)
    return paths
