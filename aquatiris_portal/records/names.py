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
_HAS_APOSTROPHE = re.compile("['’‘`]")


# A postcode written in two groups ("35 310", "2A 004"): whole words of 2 and 3 characters.
_SPLIT_POSTCODE = re.compile(r"(?<![^\W_])(\d\d|2[AB]) (\d{3})(?![^\W_])")
# The same as typed, maybe cut short ("35 3"): the folder's postcode is one word.
_TYPED_POSTCODE = re.compile(r"(?<![^\W_])(\d\d|2[AB]) (\d{1,3})(?![^\W_])")


def _joined(match):
    return "".join(_WORD.findall(match.group()))


# Saint and its abbreviations (St, Ste, Sts, Stes), as French towns and
# people write them: a folder stores each such word in both spellings, so
# whichever the export holds, whichever the agent types, it is found.
_SHORT_SAINTS = {"SAINT": "ST", "SAINTE": "STE", "SAINTS": "STS", "SAINTES": "STES"}
_LONG_SAINTS = {short: long for long, short in _SHORT_SAINTS.items()}
_OTHER_SAINT = {**_SHORT_SAINTS, **_LONG_SAINTS}
# The most words one joined word holds (the longest communes have 8:
# Saint-Remy-en-Bouzemont-Saint-Genest-et-Isson): bounded work per name.
_JOINED_AT_MOST = 8


def _joined_forms(words):
    """The words of one name written together, from each of them to the end
    of the name: "LA CHAPELLE DES FOUGERETZ" gives LACHAPELLEDESFOUGERETZ,
    CHAPELLEDESFOUGERETZ and DESFOUGERETZ, so every run of its words typed
    together ("lachapelle", "chapelledes") starts one; with Saint or St in
    it, each spelling (SAINTBRIEUC and STBRIEUC)."""
    joined = []
    for start in range(len(words) - 1):
        run = words[start : start + _JOINED_AT_MOST]
        joined.append("".join(run))
        if not _OTHER_SAINT.keys().isdisjoint(run):
            joined.append("".join([_LONG_SAINTS.get(word, word) for word in run]))
            joined.append("".join([_SHORT_SAINTS.get(word, word) for word in run]))
    return joined


def _name_runs(words):
    """The runs of words made of letters only in ``words`` (a name, a town:
    not "AQ 2024 5015", whose groups a reference is searched by)."""
    run = []
    for word in words:
        if word.isalpha():
            run.append(word)
            continue
        if len(run) > 1:
            yield run
        run = []
    if len(run) > 1:
        yield run


def folder_words(*parts):
    """The words a folder is found by: ``search_words``, then, so that it is
    found however people write a name: each name written with an apostrophe
    also as one word ("N'Diaye" is found by "diaye" and by "ndiaye",
    "d’Hérouville" by "dherouville"); a postcode written "35 310" also as
    "35310"; Saint, Sainte, Saints, Saintes and St, Ste, Sts, Stes in the
    other spelling; each name of several words (hyphen, apostrophe, space)
    also written together (``_joined_forms``: "saintbrieuc", "stbrieuc",
    "lebihan"). Each part ("Le Bihan", "Saint-Brieuc") is joined on its own."""
    keys = [key for key in (search_key(part) for part in parts if part) if key]
    key = " ".join(keys)  # search_key(*parts)
    words_of_parts = [_WORD.findall(part) for part in keys]
    words = [word for part in words_of_parts for word in part]  # _WORD.findall(key)
    more = [_joined(elided) for elided in _ELIDED.finditer(key)] if _HAS_APOSTROPHE.search(key) else []
    more += [_joined(postcode) for postcode in _SPLIT_POSTCODE.finditer(key)]
    more += [_OTHER_SAINT[word] for word in words if word in _OTHER_SAINT]
    for part in words_of_parts:
        if len(part) > 1:
            for run in _name_runs(part):
                more += _joined_forms(run)
    known = set(words)
    return words + [word for word in more if not (word in known or known.add(word))]


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
