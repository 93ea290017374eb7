"""The one way to build a gated portal page: ``access`` decides, the page asks.

``GatedPageMixin`` (before ``RoutablePageMixin``/``Page`` in the bases):

- ``gate(request)`` asks ``access`` whether the user may come in and
  answers None (come in) or the response for whoever may not: an anonymous
  reader goes to the login page, someone ``access`` does not grant gets a
  404 or the space's "wrong space" page. Each page type writes its own
  ``gate``; nothing else decides.
- ``serve`` runs the gate, then marks what is served private to its reader
  and never stored (``Cache-Control: private, no-store``); gated pages are
  kept out of sitemaps.
- ``render_screen(request, "dashboard", context)`` renders a screen through
  ``RoutablePageMixin.render`` (the page's ``get_context`` plus the screen's
  context) with the template named by the class attribute
  ``<screen>_template_name``. A host swaps a screen's template without
  shadowing the file: ``ClientSpacePage.dashboard_template_name = "site/dashboard.html"``.
- ``route_url(request, "installation", pk)``: the URL of a route of the page.
"""

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from .. import access
from ..conf import app_settings
from .routing import url_parts_once_per_request, view_restrictions


def login_redirect(request):
    return redirect_to_login(request.get_full_path(), reverse(app_settings.LOGIN_URL_NAME))


def deny_unless_readable(request, readable):
    """Anonymous → login page; a reader of another audience → 404 (the
    content does not exist for them). Returns a response or None."""
    if not request.user.is_authenticated:
        return login_redirect(request)
    if not readable(request.user):
        raise Http404
    return None


def private_response(response):
    # Never stored by any cache: what a page shows depends on who asks.
    add_never_cache_headers(response)  # private, no-cache, no-store, must-revalidate, max-age=0
    return response


class GatedPageMixin:
    """A portal page served only to whom ``access`` lets in (see the module)."""

    get_view_restrictions = view_restrictions  # one query instead of two
    get_url_parts = url_parts_once_per_request  # screens link to their routes many times

    def gate(self, request):
        """None if ``request.user`` may see this page, else the response."""
        raise NotImplementedError

    def get_sitemap_urls(self, request=None):
        return []  # private to logged-in readers

    def serve(self, request, *args, **kwargs):
        refused = self.gate(request)
        if refused is not None:
            return refused
        return private_response(super().serve(request, *args, **kwargs))

    def screen_template(self, screen):
        return getattr(self, f"{screen}_template_name")

    def render_screen(self, request, screen, context=None, status=None):
        """The response of one screen, through ``RoutablePageMixin.render``."""
        response = self.render(request, template=self.screen_template(screen), context_overrides=context)
        if status is not None:
            response.status_code = status
        return response

    def route_url(self, request, name, *args, **kwargs):
        """The URL of the route ``name`` of this page (relative to ``request``'s site)."""
        return self.get_url(request) + self.reverse_subpage(name, args=args or None, kwargs=kwargs or None)


class AudienceRestrictedMixin(GatedPageMixin):
    """A page read only by its ``audience`` (news, advice, FAQ): anonymous
    readers go to login, readers of another audience get 404."""

    def gate(self, request):
        return deny_unless_readable(request, lambda user: self.audience in access.article_audiences_for(user))
