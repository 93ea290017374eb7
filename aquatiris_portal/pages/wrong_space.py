"""A logged-in person in the other space: a client who follows "Espace pro",
a SPANC agent who follows "Espace client". Not a 404 (the link is on every
page of the site) but a page that says whom the space is for, with the way
to their own space and to log out and in with the other account. It shows
nothing of the space: any URL of it, any id, gives the same page."""

from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers

from .. import access


def _space_url(model_name, request):
    from .models import ClientSpacePage, ProSpacePage

    model = {"client": ClientSpacePage, "pro": ProSpacePage}[model_name]
    page = model.objects.live().first()
    return page.get_url(request) if page is not None else None


def wrong_space_response(request, space):
    """``space`` is the space asked for: "client" or "pro"."""
    user = request.user
    own = "pro" if access.spanc_for(user) is not None else "client" if access.client_for(user) is not None else None
    response = TemplateResponse(request, "aquatiris_portal/accounts/wrong_space.html", {
        "space": space,
        "own_space": own,
        "own_space_url": _space_url(own, request) if own else None,
    }, status=403)
    add_never_cache_headers(response)
    return response
