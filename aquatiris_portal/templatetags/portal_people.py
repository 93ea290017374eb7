"""« Personnes » in the account bar: only for the owner of a client or the
manager of a SPANC (access.may_manage_people); the memberships are the
request's one read, so the link costs no query of its own."""

from django import template

from .. import access

register = template.Library()


@register.simple_tag(takes_context=True)
def people_kinds(context):
    """The kinds ("client", "spanc") whose « Personnes » page the person may open."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    return [kind for kind in access.KINDS if access.may_manage_people(user, kind)]
