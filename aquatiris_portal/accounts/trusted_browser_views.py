"""The account page's "Remove" and "Remove all" buttons for trusted
browsers (accounts/trusted_browsers.py); POST only, CSRF-checked, and
behind the second factor like every account screen (middleware)."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from . import trusted_browsers
from .view_helpers import portal_url


@csrf_protect
@require_POST
def revoke_view(request, pk):
    if not request.user.is_authenticated:
        return HttpResponseRedirect(portal_url("login"))
    if trusted_browsers.revoke(request.user, pk, request=request):
        messages.success(request, _("The browser has been removed: it will be asked for a code at its next login."))
    return HttpResponseRedirect(portal_url("password_change") + "#aqp-trusted-heading")


@csrf_protect
@require_POST
def revoke_all_view(request):
    if not request.user.is_authenticated:
        return HttpResponseRedirect(portal_url("login"))
    trusted_browsers.revoke_all(request.user, "person", request=request)
    messages.success(request, _("All your trusted browsers have been removed: each will be asked for a code."))
    response = HttpResponseRedirect(portal_url("password_change") + "#aqp-trusted-heading")
    trusted_browsers.forget(response)
    return response
