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


# A postcode written in two groups ("35 310", "2A 004"): whole words of 2 and 3 characters.
_SPLIT_POSTCODE = re.compile(r"(?<![^\W_])(\d\d|2[AB]) (\d{3})(?![^\W_])")
# The same as typed, maybe cut short ("35 3"): the folder's postcode is one word.
_TYPED_POSTCODE = re.compile(r"(?<![^\W_])(\d\d|2[AB]) (\d{1,3})(?![^\W_])")


def _joined(match):
    return "".join(_WORD.findall(match.group()))


def folder_words(*parts):
    """The words a folder is found by: ``search_words``, and each name written
    with an apostrophe also as one word: "N'Diaye" is found by "diaye" and by
    "ndiaye", "d’Hérouville" by "dherouville", as people write them either way;
    a postcode written "35 310" also as "35310"."""
    key = search_key(*parts)
    return (
        _WORD.findall(key)
        + [_joined(elided) for elided in _ELIDED.finditer(key)]
        + [_joined(postcode) for postcode in _SPLIT_POSTCODE.finditer(key)]
    )


def query_words(query):
    """The words of what is typed in the folder search, each of which must
    start a word of ``folder_words``: a word with an apostrophe inside is
    searched whole ("n’diaye" -> NDIAYE: every stored N'Diaye has that word
    and so has Ndiaye, which has no N nor DIAYE), a postcode typed in two
    groups too ("35 310" -> 35310, as stored)."""
    key = _ELIDED.sub(_joined, search_key(query))
    return _WORD.findall(_TYPED_POSTCODE.sub(_joined, key))


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
