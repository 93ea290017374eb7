"""Wagtail's site look-up, answered from the cache.

Wagtail finds the ``Site`` of every request it serves with a query whose
building (a CASE over hostname, port and default) costs more than running
it: about 1.5 ms per page on the benchmark machine, a quarter of a plain
Wagtail page. ``CachedSiteMiddleware`` answers it from Django's cache
(``content_cache``, namespace ``sites``), forgotten whenever a site is saved
or deleted, or a page is moved, published or unpublished
(content_cache_receivers.py). Optional: add it to ``MIDDLEWARE`` after
``CommonMiddleware``. It also routes the spaces' pages from the cache
(pages/space_routes.py).

If the cache is unreachable (Redis restarting) the look-ups are answered
from the database (content_cache, and ``site_root_paths_from_database`` for Wagtail's
own cached read): a page never fails because the cache does.
"""

import hashlib

from django.core.exceptions import DisallowedHost
from wagtail.models import Site
from wagtail.views import serve

from . import content_cache
from .pages.routing import site_root_paths_from_database
from .pages.space_routes import route_from_cache

_NO_SITE = "-"


def cached_site_for_request(request):
    """The ``Site`` Wagtail would find for ``request`` (or None)."""
    try:
        # The validated host (ALLOWED_HOSTS): the key never holds what a
        # client typed beyond what the host already accepts.
        host = request.get_host()
    except DisallowedHost:
        return Site._find_for_request(request)
    key = hashlib.sha256(f"{host}|{request.get_port()}".encode()).hexdigest()[:32]
    site = content_cache.get_or_set(content_cache.SITES, [key], lambda: Site._find_for_request(request) or _NO_SITE)
    return None if site == _NO_SITE else site


class CachedSiteMiddleware:
    """Gives Wagtail's page-serving view the cached site. Other views (the
    admin, the accounts screens, the host's own) are left alone: they pay
    nothing, not even a cache read, and Wagtail looks the site up itself if
    one of them asks."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Site.find_for_request reads this attribute before querying.
        if view_func is serve and not hasattr(request, "_wagtail_site"):
            request._wagtail_site = cached_site_for_request(request)
            if content_cache.down_in_this_request() and not hasattr(request, "_wagtail_cached_site_root_paths"):
                # Page.get_url_parts reads this before Wagtail's own cache read,
                # which would raise too; a healthy cache pays nothing here.
                request._wagtail_cached_site_root_paths = site_root_paths_from_database()
            # The spaces' pages from the cache too (pages/space_routes.py).
            route_from_cache(request, request._wagtail_site, view_kwargs.get("path", view_args[0] if view_args else ""))
