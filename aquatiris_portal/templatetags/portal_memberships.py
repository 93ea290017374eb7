"""{% space_of "client" %}: whose space a person with several (a landlord,
someone both client and SPANC) is in, and the way to the others
(« Choisir l'espace »); whose space a household member or an agent with one
is in (the record is not theirs, and the greeting names the person). Nothing
for an owner or manager with one: the page is theirs.
{% space_url kind %}: where the chooser sends a choice of that kind.
{% greeting_name %}: whom the client space greets."""

from django import template

from .. import access
from ..accounts.greeting import greeting_name as person_greeting
from ..accounts.lookup import record_name
from ..pages.client_space import ClientSpacePage
from ..pages.pro_space import ProSpacePage

register = template.Library()


@register.inclusion_tag("aquatiris_portal/accounts/_space_of.html", takes_context=True)
def space_of(context, kind):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or access.viewed_client(user) is not None:
        return {"name": None}
    current = access.current_membership(user, kind)
    several = len(access.memberships_for(user)) > 1
    if current is None or (not several and current.role in access.LEAD_ROLES):
        return {"name": None}
    return {"name": record_name(current.record), "kind": kind, "several": several}


@register.simple_tag(takes_context=True)
def greeting_name(context):
    """Whom the client space greets: the person logged in (one login per
    person), by their own name; one who gave none (an owner activated with
    the record's code) by the name of a client they own, the current one
    first; staff viewing as a client by that client's."""
    request = context.get("request")
    user = getattr(request, "user", None)
    client = context.get("client")
    if user is None or client is None:
        return ""
    if access.viewed_client(user) is not None:
        return client.full_name
    memberships = access.memberships_of_kind(user, "client")  # read once per request
    current = access.current_membership(user, "client")
    owned = [m for m in ([current] if current else []) + memberships if m.role == "owner"]
    return person_greeting(user, owned[0].client if owned else None)


@register.simple_tag
def space_url(kind):
    """The space of ``kind`` ("client" or "spanc"): where a choice of that
    kind lands when the chooser was not sent a ``next`` (the login landing
    prefers the client space, wrong for a SPANC chosen there)."""
    space = {"client": ClientSpacePage, "spanc": ProSpacePage}.get(kind)
    page = space.objects.live().first() if space is not None else None
    return (page.url or "") if page is not None else ""
