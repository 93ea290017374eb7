"""``validation.check_email`` takes plain ASCII addresses without Django's
validator (the import checks 100,000 of them in a full export): on any text
the shortcut gives what ``canonical_email`` gives, or refuses what it refuses."""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from aquatiris_portal.records.emails import canonical_email_or_none
from aquatiris_portal.sync.validation import _PLAIN_EMAIL, Rejected, check_email

pytestmark = pytest.mark.properties


REFUSED = "refused"  # the reason comes from the same code either way: only the verdict is compared


def reference(value, required=True):
    """``check_email`` as it was, through ``canonical_email`` alone."""
    canonical = canonical_email_or_none(value)
    if canonical or (canonical == "" and not required):
        return canonical
    return REFUSED


def outcome(value, required=True):
    try:
        return check_email(value, required)
    except Rejected:
        return REFUSED


# Addresses near the shortcut's edges: labels of 63/64 characters, a hyphen
# at a label's end, the Kelvin sign and the long s (which IGNORECASE would
# take for k and s), dots in a row, a trailing dot, capitals, 320 characters.
PIECES = st.sampled_from(
    [
        "a",
        "Z",
        "0",
        "-",
        "_",
        "+",
        ".",
        "@",
        "K",
        "ſ",
        "é",
        "ı",
        "。",
        " ",
        "xn--",
        "a" * 63,
        "b" * 64,
        "'",
        '"',
        "[1.2.3.4]",
    ]
)
ADDRESSES = st.one_of(
    st.from_regex(_PLAIN_EMAIL, fullmatch=True),
    st.lists(PIECES, max_size=12).map("".join),
    st.tuples(
        st.text(max_size=8), st.text(max_size=8), st.sampled_from(["org", "fr", "c", "x1", "corp-", "xn--p1ai"])
    ).map(lambda parts: f"{parts[0]}@{parts[1]}.{parts[2]}"),
    st.text(max_size=40),
    st.integers(250, 330).map(lambda n: "a" * n + "@example.org"),
)


@given(ADDRESSES, st.booleans())
@example("anne@-rance.fr", True)
@example("anne@rance-.fr", True)
@example("anne@" + "r" * 64 + ".fr", True)
@example("anne@rance.f", True)
@example("anne@rance.fr-", True)
@example("anne..b@rance.fr", True)
@example(".anne@rance.fr", True)
@example("anne@rance..fr", True)
@example("ANNE@Rance.FR", True)
@example("sK@rance.fr", True)
@example("s@rance.fr", True)
@example("a" * 308 + "@example.org", True)
def test_the_shortcut_gives_what_canonical_email_gives(value, required):
    assert outcome(value, required) == reference(value, required)


# What the shortcut takes: the regex, and at most 254 characters (check_email's
# guard, the longest address stored: longer ones, which the regex alone would
# match, go to canonical_email, which refuses them; the property above holds
# that for lengths 250-330).
@given(st.from_regex(_PLAIN_EMAIL, fullmatch=True).filter(lambda value: len(value) <= 254))
def test_every_plain_address_is_one_canonical_email_accepts(value):
    assert canonical_email_or_none(value) == value.lower()
    assert check_email(value) == value.lower()


def test_a_plain_address_over_254_characters_is_refused():
    value = "0." * 121 + "0@example.org"  # the regex matches it; the column holds 254
    assert _PLAIN_EMAIL.fullmatch(value) and len(value) > 254
    with pytest.raises(Rejected):
        check_email(value)


def test_none_and_empty_follow_required():
    assert check_email(None, required=False) == ""
    assert check_email("", required=False) == ""
    with pytest.raises(Rejected):
        check_email(None)
