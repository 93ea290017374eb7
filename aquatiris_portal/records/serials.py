"""The one canonical form of a serial number (docs/architecture.md, rules): what a client
types in the warranty form and what an export carries are stored and
compared in it.

Capitals, the groups of an "AQ-2019-004512" serial joined by one hyphen,
however they were separated or grouped on the way ("aq 2019 00 45 12",
"AQ2019004512", "aq.2019.004512"). Compatibility characters are folded
first (NFKC: full-width letters and digits of a phone keyboard), every
dash is a hyphen, any decimal digit its ASCII digit, and invisible format
characters (a soft hyphen or a zero-width space copied from a PDF) are
dropped (``records.invisible``, the rule of every typed value). A text of
another shape keeps its groups, each separated by one hyphen.
"""

import re
import unicodedata

from .invisible import without_format_characters

_SEPARATORS = re.compile(r"[\s._/\\-]+")
_GROUPS = re.compile(r"([A-Z]{2,4})(\d{4})(\d{4,8})", re.ASCII)


def _folded(char: str) -> str:
    if unicodedata.category(char) == "Pd":
        return "-"
    if char.isdecimal() and not char.isascii():
        return str(unicodedata.decimal(char))
    return char


def canonical_serial(value: str | None) -> str:
    text = unicodedata.normalize("NFKC", without_format_characters(value or "")).upper()
    text = "".join(_folded(char) for char in unicodedata.normalize("NFKC", text))
    text = _SEPARATORS.sub("-", text).strip("-")
    match = _GROUPS.fullmatch(text.replace("-", ""))
    return "-".join(match.groups()) if match else text
