"""How a portal page is gated: ``access`` decides, the page only asks.

Every page of the portal answers the same way: an anonymous reader goes to
the login page, a reader ``access`` does not grant gets a 404 (the content
does not exist for them), and what is served is private to its reader
(``Cache-Control: private, no-cache``, kept out of sitemaps)."""

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.urls import reverse
from django.utils.cache import patch_cache_control

from .. import access
from ..conf import app_settings
from .routing import view_restrictions


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
    # Never stored by a shared cache: what a page shows depends on who asks.
    patch_cache_control(response, private=True, no_cache=True)
    return response


class AudienceRestrictedMixin:
    """A page read only by its ``audience`` (decided by ``access``): kept out
    of sitemaps and caches; anonymous readers go to login, others get 404."""

    get_view_restrictions = view_restrictions  # one query instead of two

    def get_sitemap_urls(self, request=None):
        return []  # private to logged-in readers

    def serve(self, request, *args, **kwargs):
        denied = deny_unless_readable(request, lambda user: self.audience in access.article_audiences_for(user))
        if denied:
            return denied
        return private_response(super().serve(request, *args, **kwargs))
