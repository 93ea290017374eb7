"""The pro list's capacity cell (and the XLSX export's) says what the label
says: « 5 EH », a range « 4-6 EH » however it is written (« 4 à 6 EH »,
« 4 – 6EH »), a decimal as written (« 1,5 EH »); never a capacity cut out
of another number (« 1,5 EH » is not « 5 EH », « 4-6 EH » not « 6 EH »)."""

import re

from hypothesis import example, given
from hypothesis import strategies as st

from aquatiris_portal.pages.pro_space_folders import capacity_of

words = st.sampled_from(["Filtre planté de roseaux", "Microstation", "Filtre compact", "Fosse", "(AQ-2024)"])
counts = st.integers(1, 999_999)
spaces = st.sampled_from(["", " ", "\u00a0", "\u202f"])
ranges = st.sampled_from(["-", "–", " à ", " - ", "/", " – "])
tails = st.sampled_from(["", ".", " (extension)", ", 2020", ")"])


@given(words, counts, spaces, tails)
@example("Filtre planté de roseaux", 5, " ", "")
def test_one_capacity(word, count, space, tail):
    assert capacity_of(f"{word} {count}{space}EH{tail}") == f"{count} EH"


@given(words, counts, counts, ranges, spaces, tails)
@example("Microstation", 4, 6, "-", " ", "")
@example("Microstation", 4, 6, " à ", " ", "")
def test_a_range_is_shown_as_a_range(word, low, high, between, space, tail):
    assert capacity_of(f"{word} {low}{between}{high}{space}EH{tail}") == f"{low}-{high} EH"


@given(words, st.integers(0, 999), st.integers(0, 999), st.sampled_from([",", "."]), spaces)
@example("Fosse", 1, 5, ",", " ")
def test_a_decimal_is_shown_as_written(word, whole, part, separator, space):
    assert capacity_of(f"{word} {whole}{separator}{part}{space}EH") == f"{whole}{separator}{part} EH"


@given(st.text(st.sampled_from(list("0123456789 ,.-–/àEHx\u00a0")) | st.characters(), max_size=200))
@example("Fosse 1,5 EH")
@example("Microstation 4-6 EH")
@example("AQ-2024-5 EH")
@example("9" * 5000 + " EH")
def test_a_capacity_is_never_read_from_inside_another_number(label):
    capacity = capacity_of(label)
    if capacity:
        amount = capacity.removesuffix(" EH")
        first = amount.split("-")[0]
        # The label holds the capacity's first number, not glued to another number or word before it.
        starts = [m.start() for m in re.finditer(re.escape(first), label)]
        assert any(s == 0 or not re.match(r"[\w.,/–-]", label[s - 1]) for s in starts), (label, capacity)
        assert all(len(part) <= 10 for part in amount.split("-"))
