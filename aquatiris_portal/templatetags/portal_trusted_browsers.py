"""{% trusted_browsers_panel %}: the account page's "Trusted browsers"
section (accounts/trusted_browsers.py), for the people who may trust one."""

from django import template

from ..accounts import trusted_browsers

register = template.Library()


@register.inclusion_tag("aquatiris_portal/accounts/_trusted_browsers.html", takes_context=True)
def trusted_browsers_panel(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"shown": False}
    rows = trusted_browsers.active_for(user)
    return {
        "shown": bool(rows) or trusted_browsers.may_trust(user),
        "browsers": rows,
        "days": trusted_browsers.days(),
        "csrf_token": context.get("csrf_token"),
    }
