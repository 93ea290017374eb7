"""The one canonical form of a client or pro code.

People type a code as they read it: ``CLI-ACC-1A``, ``cli acc 1a``,
``AQ / 22 / 0457``, ``C 10088 B``, ``cli_2020.77``, with a phone's
non-breaking space or an en dash. A code compares by its letters and digits
only, whatever separates them:

- Unicode NFKC (full-width ``ＣＬＩ１`` becomes ``CLI1``, ``ﬁ`` becomes ``fi``),
  then upper case;
- a digit of any script counts as its ASCII digit (``٣`` is ``3``);
- every other character (punctuation, spaces of any kind, dashes, symbols,
  control characters, combining marks, the invisible format characters of
  ``records.invisible``) is dropped. Accented letters stay
  letters of their own: ``É`` is not ``E``, as the internal system may
  give them out as two codes.

The importer stores this form with each Client and Spanc (``code_key``,
unique per record type) and the activation look-up compares it exactly
(accounts/lookup.py). A copy of ``canonical_code`` is frozen in the
migration that filled ``code_key`` for existing rows: change both.
"""

import re
import unicodedata

# Longest canonical code the portal stores (``code_key``); a stored code has
# at most 40 characters, NFKC may lengthen a few (``ﬃ`` is three letters).
KEY_MAX_LENGTH = 64
# What a look-up reads at most of a typed code before giving up: a person
# types a 40-character code with spaces around and between, not pages.
TYPED_MAX_LENGTH = 200
_NOT_ASCII_LETTER_OR_DIGIT = re.compile(r"[^0-9A-Za-z]+")


def _step(text: str) -> str:
    # NFKC again after upper case (which may give letters NFKC rewrites) and
    # after dropping separators (which may join Hangul jamo NFKC composes):
    # the canonical form of a canonical form is itself.
    upper = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).upper())
    kept = []
    for char in upper:
        category = unicodedata.category(char)
        if category == "Nd":
            kept.append(str(unicodedata.decimal(char)))
        elif category[0] == "L":
            kept.append(char)
    return unicodedata.normalize("NFKC", "".join(kept))


def canonical_code(value: str | None) -> str:
    """The canonical form of a code: its letters (NFKC, upper case) and
    digits (ASCII), nothing else; "" for None or a text without any.

    Raises TypeError for what is neither text nor None."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"a code is text, not {type(value).__name__}")
    if value.isascii():  # what exports hold: NFKC leaves ASCII as it is (the import pays per record)
        return _NOT_ASCII_LETTER_OR_DIGIT.sub("", value).upper()
    return _step(value)


def code_key(value: str | None) -> str | None:
    """``canonical_code`` as stored in ``code_key``: None when the code has
    no letter or digit (NULLs never collide in the unique constraint)."""
    return canonical_code(value) or None
