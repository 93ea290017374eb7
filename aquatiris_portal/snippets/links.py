"""Which addresses an editor may type in a block or a setting.

Only ``https:``, ``http:``, ``mailto:``, ``tel:`` or a path of this site
(``/espace-client/``, ``#section``): never ``javascript:``, ``data:``,
``vbscript:`` or an address on another site disguised as a path (``//host``,
``/\\host``). Browsers ignore case, leading spaces and control characters,
and tabs or newlines inside a scheme (``java\\tscript:``): so does this check.
"""

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ALLOWED_SCHEMES = ("https", "http", "mailto", "tel")
# What browsers strip before reading a URL: C0 controls and spaces at both
# ends, tabs and newlines anywhere (WHATWG URL standard).
_EDGES = "".join(chr(code) for code in range(0x21))
_INSIDE = re.compile(r"[\t\n\r]")

MESSAGE = _("Use an address starting with https://, http://, mailto: or tel:, or a path of this site starting with /.")


def normalised(value):
    return _INSIDE.sub("", str(value)).strip(_EDGES)


def is_safe_editor_url(value):
    url = normalised(value)
    if not url:
        return True
    if url.startswith("#"):
        return True
    if url.startswith("/"):
        # "//host" and "/\host" lead to another site.
        return not url.startswith(("//", "/\\"))
    if "\\" in url:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        return False
    if scheme in ("http", "https"):
        return bool(parts.netloc) and url.lower().startswith(scheme + "://")
    return bool(parts.path)


def validate_editor_url(value):
    """A Django validator (fields, blocks, settings)."""
    if not is_safe_editor_url(value):
        raise ValidationError(MESSAGE, code="unsafe_url")


def safe_editor_url(value, fallback=""):
    """The address to write in an ``href``: ``fallback`` for one saved
    before the check existed that the check refuses."""
    return value if is_safe_editor_url(value) else fallback
