"""The account page of notification mails, and the unsubscribe page.

The account page is for a logged-in client or SPANC (the kinds shown follow
what the account is, from ``access``). The unsubscribe page needs no login:
its link is signed for one person and one kind of mail. GET shows a button
(mail scanners that open links unsubscribe no one); POST unsubscribes, and
is also what RFC 8058 one-click mail clients send (no CSRF token: the
signed token is the proof)."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from .. import access
from ..conf import app_settings
from ..notifications.preferences import KINDS, choices_for, from_unsubscribe_token, set_preference

TEMPLATES = "aquatiris_portal/digests/"


def audiences_for(user):
    return {kind for kind in access.KINDS if access.memberships_of_kind(user, kind)}  # "client", "spanc"


@csrf_protect
@never_cache
def preferences_view(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse(app_settings.LOGIN_URL_NAME))
    audiences = audiences_for(request.user)
    choices = choices_for(request.user, audiences)
    if request.method == "POST":
        wanted = set(request.POST.getlist("kinds"))
        for name, _kind, enabled in choices:
            if (name in wanted) != enabled:
                set_preference(request.user, name, name in wanted)
        messages.success(request, _("Your email preferences are saved."))
        return HttpResponseRedirect(request.path)
    return render(request, TEMPLATES + "preferences.html", {"choices": choices})


@csrf_exempt
@never_cache
def unsubscribe_view(request, token):
    found = from_unsubscribe_token(token)
    user = get_user_model().objects.filter(pk=found[0], is_active=True).first() if found else None
    if user is None:
        raise Http404
    kind = found[1]
    if request.method == "POST":
        set_preference(user, kind, False)
        response = render(request, TEMPLATES + "unsubscribed.html", {"kind": KINDS[kind]})
    else:
        response = render(request, TEMPLATES + "unsubscribe.html", {"kind": KINDS[kind]})
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "same-origin"
    return response
