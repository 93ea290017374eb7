"""Keys that let the portal sort and search names the way people type them."""

import re
import unicodedata

# Letters NFKD does not take apart, and the apostrophe that is a letter for Unicode (ʼ).
_LIGATURES = str.maketrans(
    {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ʼ": "'"}
)


def search_key(*parts):
    """Upper case, without accents or extra spaces: "Lefèvre  Zoé" and
    "LEFEVRE zoe" give the same key, so sorting and searching ignore them."""
    text = " ".join(str(p) for p in parts if p)
    if text.isascii():  # nothing below would change it (most names)
        return " ".join(text.upper().split())
    if not _LIGATURE_CHARS.isdisjoint(text):
        text = text.translate(_LIGATURES)
    text = unicodedata.normalize("NFKD", text)
    return " ".join(text.translate(_WITHOUT_MARKS).upper().split())


class _Marks(dict):
    """str.translate's table that drops combining marks (the accents NFKD
    took apart): each character tested once, then looked up in C (a plain
    table would raise and catch a KeyError for every other character)."""

    def __missing__(self, code):
        kept = None if unicodedata.combining(chr(code)) else code
        if len(self) < 65_536:  # bounded, whatever the text
            self[code] = kept
        return kept


_WITHOUT_MARKS = _Marks()
_LIGATURE_CHARS = frozenset(map(chr, _LIGATURES))


_WORD = re.compile(r"[^\W_]+")


def search_words(*parts):
    """The words of ``search_key``: runs of letters and digits, anything else
    (any hyphen or dash, either apostrophe, a dot) splitting them:
    "Anne-Sophie" and "Anne–Sophie" are found by "sophie", "AQ-2024-17" by "2024"."""
    return _WORD.findall(search_key(*parts))


_NO_APOSTROPHES = str.maketrans(dict.fromkeys("'’‘`"))
# A word written with an apostrophe inside ("N'DIAYE", "D’HEROUVILLE"), as search_key leaves it.
_ELIDED = re.compile(r"[^\W_]+(?:['’‘`][^\W_]+)+")


def folder_words(*parts):
    """The words a folder is found by: ``search_words``, and each name written
    with an apostrophe also as one word: "N'Diaye" is found by "diaye" and by
    "ndiaye", "d’Hérouville" by "dherouville", as people write them either way."""
    key = search_key(*parts)
    return _WORD.findall(key) + ["".join(_WORD.findall(elided)) for elided in _ELIDED.findall(key)]


def folder_columns(client_last_name, client_first_name, city, postcode, reference):
    """The pro space's sort and search columns of an installation (copied
    from its client so a territory is sorted and searched without a join)."""
    return {
        # Without apostrophes: "d’Hérouville" and "d'Hérouville" (exports hold
        # both) sort as one name, as "DHEROUVILLE", not after "Durand" for one of them.
        "client_sort_name": search_key(client_last_name, client_first_name).translate(_NO_APOSTROPHES)[:200],
        # Leading space: a word prefix is " " + prefix anywhere in the string.
        "search_words": (" " + " ".join(folder_words(client_last_name, client_first_name, city, postcode, reference)))[
            :500
        ],
    }
