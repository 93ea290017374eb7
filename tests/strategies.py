"""Hypothesis strategies for what people type and what exports carry
(tests/unit/records/test_input_properties.py, tests/unit/enquiries/test_export_properties.py).

Two kinds: values (a French name, an email, a serial number, an
installation reference, a postcode, a phone number, a file path), and the
spellings a person may type of one value (``*_spellings``): other case,
accents dropped, the other apostrophe, hyphens for spaces, the domain in
Unicode or in punycode, full-width letters from a phone keyboard, spaces
around it. Export records are built by hand from docs/exchange-format.md
(hypothesis-jsonschema is not needed: the schema's rules are few).
"""

import string
import unicodedata

from hypothesis import strategies as st

# --------------------------------------------------------------------------- names

LOWER = "abcdefghijklmnopqrstuvwxyz"
ACCENTED = "àâäçéèêëîïôöùûüÿœæłø"
APOSTROPHES = ("'", "’", "ʼ")
# What a word processor or an export puts between the parts of "Anne-Sophie".
HYPHENS = ("-", "‐", "‑", "–", "—")
# Particles of French (and a few Breton, Flemish, Scottish) surnames.
PARTICLES = ("de", "d’", "d'", "du", "des", "le", "la", "l’", "l'", "van", "mac", "saint")

name_word = st.text(alphabet=LOWER + ACCENTED, min_size=1, max_size=12).map(str.capitalize)


@st.composite
def person_names(draw):
    """ "Le Goff", "d’Arc", "Anne-Sophie", "Lefèvre", "de La Tour d’Auvergne"."""
    words = draw(st.lists(name_word, min_size=1, max_size=3))
    text = words[0]
    for word in words[1:]:
        text += draw(st.sampled_from([" ", *HYPHENS])) + word
    particle = draw(st.none() | st.sampled_from(PARTICLES))
    if particle:
        particle = draw(st.sampled_from([particle, particle.capitalize()]))
        text = particle + ("" if particle[-1] in APOSTROPHES else " ") + text
    return text


_BASE_LETTERS = str.maketrans({"œ": "oe", "Œ": "Oe", "æ": "ae", "Æ": "Ae", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O"})


def strip_accents(text):
    """ "Łukasz Lefèvre" as typed on a keyboard without accents: "Lukasz Lefevre"."""
    text = unicodedata.normalize("NFD", text.translate(_BASE_LETTERS))
    return "".join(c for c in text if not unicodedata.combining(c))


def random_case(draw, text):
    return "".join(c.upper() if draw(st.booleans()) else c.lower() for c in text)


def full_width(text):
    """What a phone's full-width keyboard gives for the ASCII letters and digits."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


@st.composite
def name_spellings(draw, name):
    """How a person may type ``name``: any case, with or without its
    accents, either apostrophe, a space for a hyphen, spaces around."""
    text = name
    if draw(st.booleans()):
        text = strip_accents(text)
    text = random_case(draw, text)
    apostrophe = draw(st.sampled_from(APOSTROPHES))
    for other in APOSTROPHES:
        text = text.replace(other, apostrophe)
    hyphen = draw(st.sampled_from((" ", *HYPHENS)))
    for other in HYPHENS:
        text = text.replace(other, hyphen)
    if draw(st.booleans()):
        text = full_width(text)
    return draw(st.sampled_from(["", " ", "  ", "\u00a0"])) + text + draw(st.sampled_from(["", " ", "\t"]))


# --------------------------------------------------------------------------- emails

_ATOM = LOWER + string.digits + "_"
local_atoms = st.text(alphabet=_ATOM, min_size=1, max_size=10)


@st.composite
def email_locals(draw):
    """An ASCII local part: atoms joined by dots, maybe a ``+tag``."""
    local = ".".join(draw(st.lists(local_atoms, min_size=1, max_size=3)))
    if draw(st.booleans()):
        local += "-" + draw(local_atoms)
    if draw(st.integers(0, 3)) == 0:
        local += "+" + draw(local_atoms)
    return local


# Labels of IDN domains as French and European companies have them.
_IDN_LETTERS = LOWER + "àâäçéèêëîïôöùûüñå"


@st.composite
def domain_labels(draw, idn=True):
    alphabet = _IDN_LETTERS if idn else LOWER + string.digits
    label = draw(st.text(alphabet=alphabet, min_size=1, max_size=15))
    if draw(st.booleans()) and len(label) > 1:
        cut = draw(st.integers(1, len(label) - 1))
        label = label[:cut] + "-" + label[cut:]
    return label


@st.composite
def email_domains(draw):
    """``example.fr``, ``exämple.fr``, ``mail.société.com``: Unicode (not punycode) form."""
    labels = draw(st.lists(domain_labels(idn=draw(st.booleans())), min_size=1, max_size=2))
    tld = draw(st.sampled_from(["fr", "com", "org", "eu", "bzh", "de"]))
    return ".".join([*labels, tld])


@st.composite
def emails(draw):
    return f"{draw(email_locals())}@{draw(email_domains())}"


def punycode(domain):
    return domain.encode("idna").decode("ascii")


@st.composite
def email_spellings(draw, email):
    """How a person may type ``email``: any case, the domain in Unicode or
    punycode, full-width letters, a trailing dot, spaces around."""
    local, _sep, domain = email.rpartition("@")
    if draw(st.booleans()):
        domain = punycode(domain)
    local, domain = random_case(draw, local), random_case(draw, domain)
    if draw(st.integers(0, 4)) == 0:
        local = full_width(local)
    if draw(st.integers(0, 4)) == 0:
        domain += draw(st.sampled_from([".", "。"]))
    text = f"{local}@{domain}"
    return draw(st.sampled_from(["", " ", "\u00a0"])) + text + draw(st.sampled_from(["", " ", "\n"]))


# --------------------------------------------------------------------------- serial numbers, references

serial_prefixes = st.text(alphabet=string.ascii_uppercase, min_size=2, max_size=4)
years = st.integers(1990, 2099).map(str)


@st.composite
def serials(draw):
    """A manufacturer's serial number in its canonical form: "AQ-2024-012345"."""
    prefix = draw(st.sampled_from(["AQ"]) | serial_prefixes)
    number = draw(st.text(alphabet=string.digits, min_size=4, max_size=8))
    return f"{prefix}-{draw(years)}-{number}"


SEPARATORS = ("", " ", "-", ".", "/", "_", " - ", "\u00a0", "–", "‐")


@st.composite
def serial_spellings(draw, serial):
    """How a person may copy ``serial`` from the plate: any case, any
    separator (or none) between groups or inside the number, full-width
    digits from a phone keyboard, spaces around."""
    prefix, year, number = serial.split("-")
    pieces = [prefix, year]
    while number:  # read by twos or threes from the plate
        size = draw(st.integers(1, len(number)))
        pieces.append(number[:size])
        number = number[size:]
    text = pieces[0]
    for piece in pieces[1:]:
        text += draw(st.sampled_from(SEPARATORS)) + piece
    text = random_case(draw, text)
    if draw(st.integers(0, 4)) == 0:
        text = full_width(text)
    return draw(st.sampled_from(["", " "])) + text + draw(st.sampled_from(["", " ", "\t"]))


@st.composite
def references(draw):
    """An installation reference of the internal system: "AQ-2019-5001"."""
    return f"AQ-{draw(years)}-{draw(st.integers(1, 99999))}"


postcodes = st.text(alphabet=string.digits, min_size=5, max_size=5)
phones = st.sampled_from(["02 99 00 00 01", "+33 6 12 34 56 78", "0612345678", "06.12.34.56.78", "", "(0)2-99"])
towns = st.sampled_from(
    [
        "Saint-Père",
        "Rennes",
        "L’Haÿ-les-Roses",
        "Pléneuf-Val-André",
        "Saint-Malo",
        "Bourg-en-Bresse",
        "Île-Tudy",
        "Œuilly",
        "Les Sables-d'Olonne",
        "Brest",
    ]
)

# --------------------------------------------------------------------------- odd text

# Text an export or a form may carry: any Unicode but surrogates (not UTF-8)
# and NUL (refused with its own reason), huge sometimes.
odd_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=80)
huge_text = st.integers(1000, 20000).map(lambda n: "é" * n)
