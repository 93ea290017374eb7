"""What people type into the SPANC list's proof filter and bulk choice:
whatever the text, only known values go through (no open parameter)."""

from urllib.parse import parse_qs

from django.http import QueryDict
from hypothesis import example, given
from hypothesis import strategies as st

from aquatiris_portal.enquiries import proofs
from aquatiris_portal.pages import pro_space_folders as folders_
from aquatiris_portal.pages.proof_views import _selected_ids


@given(st.text(max_size=40))
def test_the_proof_filter_is_a_known_value_or_nothing(raw):
    cleaned = proofs.clean_filter(raw)
    assert cleaned in (*proofs.FILTERS, "")
    assert cleaned == (raw if raw in proofs.FILTERS else "")


@given(st.one_of(st.sampled_from(proofs.FILTERS), st.text(max_size=40)))
def test_the_list_state_carries_the_proof_filter_cleaned_and_stable(raw):
    params = QueryDict(mutable=True)
    params["proof"] = raw
    state = folders_.list_state(params)
    carried = parse_qs(state).get("proof", [""])[0]
    assert carried == proofs.clean_filter(raw)
    again = QueryDict(state)
    assert folders_.list_state(again) == state  # what a link carries reads back the same


@given(st.lists(st.one_of(st.integers(min_value=-5, max_value=10**6).map(str), st.text(max_size=8)), max_size=30))
@example(["12", "²", "٣", "7"])  # digits to str.isdigit, not to int()
def test_the_bulk_choice_keeps_positive_numbers_only(values):
    ids = _selected_ids(values)
    assert ids == sorted(set(ids))
    assert all(isinstance(pk, int) and pk >= 0 for pk in ids)
    assert set(ids) == {int(value) for value in values if value.isascii() and value.isdigit()}
