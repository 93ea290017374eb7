"""{% space_of "client" %}: whose space a person with several (a landlord,
someone both client and SPANC) is in, and the way to the others
(« Choisir l'espace »); whose space a household member or an agent with one
is in (the record is not theirs, and the greeting names the person). Nothing
for an owner or manager with one: the page is theirs.
{% space_url kind %}: where the chooser sends a choice of that kind.
{% greeting_name %}: whom the client space greets."""

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from .. import access
from ..accounts.greeting import greeting_name as person_greeting
from ..accounts.lookup import record_name
from ..pages.client_space import ClientSpacePage
from ..pages.pro_space import ProSpacePage
from .portal_urls import portal_url

register = template.Library()


def space_of_values(request, kind):
    """{"name": the record's name or None, "several": whether the person has other records}."""
    user = getattr(request, "user", None)
    if user is None or access.viewed_client(user) is not None:
        return {"name": None}
    current = access.current_membership(user, kind)
    several = len(access.memberships_for(user)) > 1
    if current is None or (not several and current.role in access.LEAD_ROLES):
        return {"name": None}
    return {"name": record_name(current.record), "kind": kind, "several": several}


# Written in Python: on every screen of both spaces, empty for most people.
@register.simple_tag(takes_context=True)
def space_of(context, kind):
    values = space_of_values(context.get("request"), kind)
    if not values["name"]:
        return ""
    change = ""
    if values["several"]:
        change = format_html(' · <a href="{}">{}</a>', portal_url("choose_space"), mark_safe(gettext("Change space")))  # noqa: S308
    # As {% blocktranslate %}: the msgstr is ours, the name is escaped.
    said = gettext("Space of %(name)s") % {"name": conditional_escape(values["name"])}
    return format_html('\n<p class="aqp-space-of">{}{}</p>\n\n', mark_safe(said), change)  # noqa: S308


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
