"""{% portal_idle_warning %}: the warning shown before the idle logout
(RGAA 13.1), with a "stay logged in" button. Static JavaScript only
(static/aquatiris_portal/idle.js): no inline script, so a CSP with
script-src 'self' keeps it working."""

from django import template

from ..conf import app_settings

register = template.Library()

WARN_SECONDS = 120  # two minutes before the logout


@register.inclusion_tag("aquatiris_portal/accounts/_idle_warning.html", takes_context=True)
def portal_idle_warning(context):
    request = context.get("request")
    idle = app_settings.SESSION_IDLE_SECONDS or 0
    user = getattr(request, "user", None)
    return {
        "shown": bool(idle and user is not None and user.is_authenticated),
        "idle_seconds": idle,
        "warn_seconds": min(WARN_SECONDS, max(idle // 2, 1)) if idle else 0,
        "minutes": max(1, round(min(WARN_SECONDS, idle) / 60)) if idle else 0,
    }
