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
    text = unicodedata.normalize("NFKD", " ".join(str(p) for p in parts if p).translate(_LIGATURES))
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).upper().split())


_WORD = re.compile(r"[^\W_]+")


def search_words(*parts):
    """The words of ``search_key``: runs of letters and digits, anything else
    (any hyphen or dash, either apostrophe, a dot) splitting them:
    "Anne-Sophie" and "Anne–Sophie" are found by "sophie", "AQ-2024-17" by "2024"."""
    return _WORD.findall(search_key(*parts))


def folder_columns(client_last_name, client_first_name, city, postcode, reference):
    """The pro space's sort and search columns of an installation (copied
    from its client so a territory is sorted and searched without a join)."""
    return {
        "client_sort_name": search_key(client_last_name, client_first_name)[:200],
        # Leading space: a word prefix is " " + prefix anywhere in the string.
        "search_words": (" " + " ".join(search_words(client_last_name, client_first_name, city, postcode, reference)))[
            :500
        ],
    }
