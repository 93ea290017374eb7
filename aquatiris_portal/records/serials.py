"""The one canonical form of a serial number (docs/architecture.md, rules): what a client
types in the warranty form and what an export carries are stored and
compared in it.

Capitals, the groups of an "AQ-2019-004512" serial joined by one hyphen,
however they were separated or grouped on the way ("aq 2019 00 45 12",
"AQ2019004512", "aq.2019.004512"). Compatibility characters are folded
first (NFKC: full-width letters and digits of a phone keyboard), every
dash is a hyphen (and so is a minus sign, U+2212, which a word processor
or a PDF gives for "-"), any decimal digit its ASCII digit, and invisible
format characters (a soft hyphen or a zero-width space copied from a PDF)
are dropped (``records.invisible``, the rule of every typed value). A text
of another shape keeps its groups, each separated by one hyphen.

What says "number" before it is not part of it: « N° », « n° », « Nº »,
« № » (the sign cannot be in a serial: dropped before whatever follows),
« No », « No. », « No: » (a word: dropped only when what follows is a
serial of the "AQ-2019-004512" shape, as "NOAQ2019004512" may be one).
"""

import re
import unicodedata

from .invisible import without_format_characters

_SEPARATORS = re.compile(r"[\s._/\\-]+")
_GROUPS = re.compile(r"([A-Z]{2,4})(\d{4})(\d{4,8})", re.ASCII)
# Read on the capitals, after NFKC (which makes "º" an "O": see _SIGNS).
_NUMBER_SIGN = re.compile(r"N\s*°[\s.:_/\\-]*")
_NUMBER_WORD = re.compile(r"NO(?:[.:]|\s)[\s.:]*")
# Kept apart from NFKC: "º" (ordinal) would be an "o" and "№" the letters "No".
_SIGNS = str.maketrans({"º": "°", "№": "N°"})
# Minus signs that are not dash punctuation (Pd) but stand for one.
_MINUS = frozenset("\u2212\u2796\u02d7\u2043")


def _folded(char: str) -> str:
    if char in _MINUS or unicodedata.category(char) == "Pd":
        return "-"
    if char.isdecimal() and not char.isascii():
        return str(unicodedata.decimal(char))
    return char


def _without_number_sign(text: str) -> str:
    """``text`` without what says "number" before it (see above)."""
    while True:
        sign = _NUMBER_SIGN.match(text)
        if sign and sign.end() < len(text):
            text = text[sign.end() :]
            continue
        word = _NUMBER_WORD.match(text)
        if word and _GROUPS.fullmatch(_SEPARATORS.sub("", text[word.end() :])):
            return text[word.end() :]
        return text


def canonical_serial(value: str | None) -> str:
    text = without_format_characters(value or "").translate(_SIGNS)
    text = unicodedata.normalize("NFKC", text).upper()
    text = "".join(_folded(char) for char in unicodedata.normalize("NFKC", text))
    text = _without_number_sign(text.strip())
    text = _SEPARATORS.sub("-", text).strip("-")
    match = _GROUPS.fullmatch(text.replace("-", ""))
    return "-".join(match.groups()) if match else text
