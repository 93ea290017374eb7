"""« Choisir l'espace »: a person who belongs to several clients (a landlord)
or several SPANC chooses the one the space shows; the choice lives in the
session (memberships.choose_record) and access reads it on every request."""

from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.csrf import csrf_protect

from .. import access
from .landing import landing_url
from .lookup import record_name
from .memberships import choose_record
from .view_helpers import TEMPLATES, portal_url, safe_next_url


@csrf_protect
def choose_space_view(request):
    if not request.user.is_authenticated:
        return HttpResponseRedirect(portal_url("login", request.get_full_path()))
    user = request.user
    memberships = access.memberships_for(user)
    next_url = safe_next_url(request)
    if request.method == "POST":
        chosen = next((m for m in memberships if str(m.pk) == request.POST.get("membership", "")), None)
        if chosen is not None:
            choose_record(request, chosen)
            return HttpResponseRedirect(next_url or landing_url(user) or "/")
    current = {access.current_membership(user, kind) for kind in access.KINDS} - {None}
    choices = [
        {
            "pk": m.pk,
            "name": record_name(m.record),
            "kind": "client" if m.client_id else "spanc",
            "role": m.get_role_display(),
            "current": m in current,
        }
        for m in memberships
    ]
    return render(
        request,
        TEMPLATES + "choose_space.html",
        {"choices": choices, "next": next_url},
        status=400 if request.method == "POST" else 200,
    )  # POST here: not one of theirs
