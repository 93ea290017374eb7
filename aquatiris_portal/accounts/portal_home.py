"""``/portail/`` itself: the door a host's page or a person types. Logged
out, it opens the login; logged in, the person's space (the same landing
as after a login without ``next``)."""

from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ..conf import app_settings
from .landing import landing_url


@require_GET
@never_cache
def portal_home(request):
    login = resolve_url(app_settings.LOGIN_URL_NAME)
    if not request.user.is_authenticated:
        return HttpResponseRedirect(login)
    return HttpResponseRedirect(landing_url(request.user) or login)
