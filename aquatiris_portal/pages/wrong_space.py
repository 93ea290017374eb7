"""A logged-in person in the other space: a client who follows "Espace pro",
a SPANC agent who follows "Espace client". Not a 404 (the link is on every
page of the site) but a page that says whom the space is for, with the way
to their own space and to log out and in with the other account. It shows
nothing of the space: any URL of it, any id, gives the same page."""

from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers

from .. import access
from ..accounts.landing import landing_url


def wrong_space_response(request, space):
    """``space`` is the space asked for: "client" or "pro"."""
    user = request.user
    own = "pro" if access.spanc_for(user) is not None else "client" if access.client_for(user) is not None else None
    response = TemplateResponse(
        request,
        "aquatiris_portal/accounts/wrong_space.html",
        {
            "space": space,
            "own_space": own,
            # The user's own space: where their login lands (views.landing_url
            # through the hook; the spaces import this module, not the reverse).
            "own_space_url": landing_url(user) if own else None,
        },
        status=403,
    )
    add_never_cache_headers(response)
    return response
