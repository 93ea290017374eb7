"""An installation's label as exports carry it, written for people
(« pour 5 personnes (5 EH) »): one capacity or a range (« 4-6 EH »,
« 4 à 6 EH », « 4 – 6EH »), a decimal or a thousands separator
(« 1,5 EH », « 1.000 EH ») that is not a capacity to rewrite, a
non-breaking space, and anything else around it."""

import re

from hypothesis import assume, example, given
from hypothesis import strategies as st

from aquatiris_portal.records.plain_text import capacity_text

words = st.sampled_from(["Filtre planté de roseaux", "Microstation", "Filtre compact", "Jardin d'assainissement"])
counts = st.integers(1, 99)
spaces = st.sampled_from(["", " ", "\u00a0", "\u202f"])
ranges = st.sampled_from(["-", "–", " à ", " - ", "/"])
tails = st.sampled_from(["", ".", " (extension)", ", 2020"])


@given(words, counts, spaces, tails)
def test_one_capacity_is_written_for_people(word, count, space, tail):
    text = capacity_text(f"{word} {count}{space}EH{tail}")
    people = "personnes" if count > 1 else "personne"
    assert text == f"{word} pour {count} {people} ({count} EH){tail}"


@given(words, counts, counts, ranges, spaces)
@example("Microstation", 4, 6, "-", " ")
@example("Microstation", 4, 6, " à ", " ")
def test_a_range_is_written_as_a_range(word, low, high, between, space):
    text = capacity_text(f"{word} {low}{between}{high}{space}EH")
    assert text == f"{word} pour {low} à {high} personnes ({low}-{high} EH)"


@given(words, counts, st.integers(0, 999), st.sampled_from([",", "."]), spaces)
@example("Filtre compact", 1, 5, ",", " ")
@example("Filtre compact", 1, 0, ".", " ")
def test_a_decimal_or_a_thousands_separator_is_never_cut(word, whole, part, separator, space):
    label = f"{word} {whole}{separator}{part}{space}EH"
    assert capacity_text(label) == label


@given(st.text(st.sampled_from(list("0123456789 ,.-–/àEHx\u00a0")) | st.characters(), max_size=200))
@example("Filtre 1,5 EH")
@example("9" * 5000 + " EH")
def test_a_rewritten_capacity_never_starts_inside_another_number(label):
    # "1,pour 5 personnes", "4-pour 6 personnes": a capacity cut out of a
    # decimal or a range. Any text, however long, gives an answer.
    assume("pour" not in label)
    text = capacity_text(label)
    assert not re.search(r"[\w.,/–-]pour \d", text), text
