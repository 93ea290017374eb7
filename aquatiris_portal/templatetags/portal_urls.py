"""The portal's own URLs and static files for the shell, found once per process.

The account bar and the idle warning link to the same few named URLs and
scripts on every page; ``reverse`` walks the URL resolver each time (about
a hundred calls) and ``static`` asks the storage's manifest. What they
answer depends only on the URLconf, the script prefix and, under
``i18n_patterns``, the language (and the settings, which a test may
change): the answers are kept per those, nothing about the reader."""

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

_found: dict[tuple, str] = {}
# A few names × kinds × languages × prefixes; the bound only guards a host
# that serves many script prefixes.
MAX_ENTRIES = 512


def _keep(key, compute):
    value = _found.get(key)
    if value is None:
        value = compute()
        if len(_found) >= MAX_ENTRIES:
            _found.clear()
        _found[key] = value
    return value


def portal_url(name, *args):
    """``reverse(f"aquatiris_portal:{name}", args=args)``, kept per URLconf, prefix and language."""
    key = ("url", get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), get_language(), name, args)
    return _keep(key, lambda: reverse(f"aquatiris_portal:{name}", args=args or None))


def portal_static(path):
    """``{% static path %}``, kept per script prefix (a relative STATIC_URL starts with it)."""
    return _keep(("static", get_script_prefix(), path), lambda: static(path))


@receiver(setting_changed, dispatch_uid="aquatiris_portal.templatetags.portal_urls.forget")
def forget(**kwargs):
    """A changed setting (tests: ROOT_URLCONF, STATIC_URL, STORAGES) may change every answer."""
    _found.clear()
