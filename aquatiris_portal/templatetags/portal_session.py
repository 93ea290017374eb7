"""{% portal_idle_warning %}: the warning shown before the idle logout
(RGAA 13.1), with a "stay logged in" button. Static JavaScript only
(static/aquatiris_portal/idle.js): no inline script, so a CSP with
script-src 'self' keeps it working."""

from django import template
from django.urls import get_script_prefix, get_urlconf
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext

from ..conf import app_settings
from .portal_urls import portal_static, portal_url
from .translated_texts import PerLanguage

register = template.Library()

WARN_SECONDS = 120  # two minutes before the logout


def idle_warning_values(request):
    """What the warning needs: whether it is shown, the idle and warning delays, the minutes it says."""
    idle = app_settings.SESSION_IDLE_SECONDS or 0
    user = getattr(request, "user", None)
    return {
        "shown": bool(idle and user is not None and user.is_authenticated),
        "idle_seconds": idle,
        "warn_seconds": min(WARN_SECONDS, max(idle // 2, 1)) if idle else 0,
        "minutes": max(1, round(min(WARN_SECONDS, idle) / 60)) if idle else 0,
    }


# The dialog's markup, which depends only on the language, the URL prefix
# and the settings: written once per process for each, as a template
# it cost a render, a {% url %} and four translations on every page.
_dialogs: PerLanguage[str] = PerLanguage()


def _dialog(values):
    minutes = values["minutes"]
    # Our msgstrs, written as {% translate %} and {% blocktranslate %} wrote them (not escaped).
    text = ngettext(
        "For your security, you will be logged out in %(counter)s minute without activity.",
        "For your security, you will be logged out in %(counter)s minutes without activity.",
        minutes,
    ) % {"counter": minutes}
    return format_html(
        '\n<dialog class="aqp-idle" data-aqp-idle data-idle-seconds="{}" data-warn-seconds="{}" '
        'data-keepalive-url="{}" aria-labelledby="aqp-idle-heading" aria-describedby="aqp-idle-text">\n'
        '  <h2 id="aqp-idle-heading">{}</h2>\n'
        '  <p id="aqp-idle-text">{}</p>\n'
        '  <p class="aqp-idle__buttons">\n'
        '    <button type="button" class="aqp-button aqp-button--primary" data-aqp-idle-stay>{}</button>\n'
        "  </p>\n"
        '  <p class="aqp-idle__error" data-aqp-idle-ended hidden>{}</p>\n'
        "</dialog>\n"
        '<script src="{}" defer></script>\n\n',
        values["idle_seconds"],
        values["warn_seconds"],
        portal_url("keep_alive"),
        mark_safe(gettext("Are you still there?")),  # noqa: S308
        mark_safe(text),  # noqa: S308
        mark_safe(gettext("Stay logged in")),  # noqa: S308
        mark_safe(gettext("Your session has ended. The page will reload: please log in again.")),  # noqa: S308
        portal_static("aquatiris_portal/idle.js"),
    )


@register.simple_tag(takes_context=True)
def portal_idle_warning(context):
    values = idle_warning_values(context.get("request"))
    if not values["shown"]:
        return ""
    return _dialogs.get(lambda: _dialog(values), get_urlconf(), get_script_prefix(), values["idle_seconds"])
