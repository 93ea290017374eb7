"""Whatever ``?sort=`` a SPANC agent sends, the list knows a finite set of
sorts: each is a compiled query shape kept per process, so a typed
``--name``, ``---name``… must not make new ones and push the others out."""

from hypothesis import given
from hypothesis import strategies as st

from aquatiris_portal.pages import pro_space_folders as folders_

KNOWN = {folders_.DEFAULT_SORT} | {sign + key for key in folders_.SORTS for sign in ("", "-")}
typed = st.one_of(
    st.text(),
    st.builds(
        lambda dashes, key, tail: "-" * dashes + key + tail,
        st.integers(0, 50),
        st.sampled_from(sorted(folders_.SORTS)),
        st.sampled_from(["", " ", "-", "x"]),
    ),
)


@given(typed)
def test_any_typed_sort_is_one_of_the_known_sorts(raw):
    assert folders_.clean_sort(raw) in KNOWN


@given(st.sampled_from(sorted(folders_.SORTS)), st.integers(1, 50))
def test_dashes_say_descending_once(key, dashes):
    assert folders_.clean_sort(key) == key
    assert folders_.clean_sort("-" * dashes + key) == "-" + key
