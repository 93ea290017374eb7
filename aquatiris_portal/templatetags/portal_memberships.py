"""{% space_of "client" %}: whose space a person with several (a landlord,
someone both client and SPANC) is in, and the way to the others
(« Choisir l'espace »). Nothing for a person with one: the page is theirs."""

from django import template

from .. import access
from ..accounts.lookup import record_name

register = template.Library()


@register.inclusion_tag("aquatiris_portal/accounts/_space_of.html", takes_context=True)
def space_of(context, kind):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or access.viewed_client(user) is not None:
        return {"name": None}
    current = access.current_membership(user, kind)
    if current is None or len(access.memberships_for(user)) < 2:
        return {"name": None}
    return {"name": record_name(current.record), "kind": kind}
