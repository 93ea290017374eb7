"""The pro space's folder search and sort with names as people write them:
a name with an apostrophe inside (N'Diaye, d’Hérouville, O'Neil,
L’Haÿ-les-Roses) is typed with it, with the other apostrophe, or without
it ("ndiaye", "dherouville"), in any case, with or without accents, cut
short; every way finds the folder. Exports hold either apostrophe: the
name sorts at one place whichever it is."""

from importlib import import_module

import pytest
from django.apps import apps
from django.db import transaction
from hypothesis import example, given, settings
from hypothesis import strategies as st

from aquatiris_portal.pages.pro_space_folders import search
from aquatiris_portal.records.models import Installation
from aquatiris_portal.records.names import folder_columns, folder_words, search_words
from tests import factories
from tests.strategies import APOSTROPHES, name_word, random_case, strip_accents

pytestmark = pytest.mark.django_db

elided_names = st.builds(
    "{}{}{}".format,
    st.sampled_from(["N", "d", "D", "l", "L", "O", "M", "Mc"]),
    st.sampled_from([*APOSTROPHES, "‘"]),
    name_word,
)


@st.composite
def typed(draw, name):
    """``name`` as typed in the search box: without its apostrophe, with it,
    or with another one; any case, maybe without accents, maybe cut short."""
    apostrophe = draw(st.sampled_from(["", " ", *APOSTROPHES]))
    text = name
    for other in (*APOSTROPHES, "‘"):
        text = text.replace(other, apostrophe)
    if draw(st.booleans()):
        text = strip_accents(text)
    text = random_case(draw, text)
    if draw(st.booleans()):
        text = text[: draw(st.integers(min(len(text), 3), len(text)))]
    return text


@settings(max_examples=40, deadline=None)
@given(elided_names.flatmap(lambda name: st.tuples(st.just(name), typed(name))))
@example(("N'Diaye", "ndiaye"))
@example(("d’Hérouville", "DHEROUVILLE"))
@example(("O'Neil", "o’neil"))
def test_a_name_with_an_apostrophe_is_found_however_it_is_typed(pair):
    name, query = pair
    with transaction.atomic():
        spanc = factories.spanc()
        client = factories.client(last_name=name, first_name="Maëlys")
        factories.installation(client=client, spanc=spanc, city="Mordelles", postcode="35310")
        other = factories.client(last_name="Zzyzx", first_name="Yann")
        factories.installation(client=other, spanc=spanc, city="Mordelles", postcode="35310")
        found = search(Installation.objects.filter(spanc=spanc), query)
        found = list(found.values_list("client__last_name", flat=True))
        transaction.set_rollback(True)
    assert found == [name]


@given(st.lists(st.text(max_size=40), max_size=5))
def test_the_folder_words_are_the_search_words_and_whole_elided_words(parts):
    words = folder_words(*parts)
    assert words[: len(search_words(*parts))] == search_words(*parts)
    assert all(word and " " not in word for word in words)
    assert search_words(" ".join(words)) == words


def test_rows_written_before_are_found_and_sorted_without_the_apostrophe_after_the_migration():
    migration = import_module("aquatiris_portal.migrations.0045_refresh_folder_search_words_elided")
    client = factories.client(last_name="N'Diaye", first_name="Maëlys")
    installation = factories.installation(client=client, city="Mordelles", postcode="35310", reference="AQ 2024/5015")
    folders = Installation.objects.filter(pk=installation.pk)
    # As written before:
    folders.update(client_sort_name="N'DIAYE MAELYS", search_words=" N DIAYE MAELYS MORDELLES 35310 AQ 2024 5015")
    assert not search(folders, "ndiaye").exists()
    migration.refresh_folder_columns(apps, None)
    assert search(folders, "ndiaye").exists()
    assert folders.get().client_sort_name == "NDIAYE MAELYS"
    assert (
        folders.get().search_words
        == folder_columns("N'Diaye", "Maëlys", "Mordelles", "35310", "AQ 2024/5015")["search_words"]
    )


def sort_name(last_name, first_name=""):
    return folder_columns(last_name, first_name, "", "", "")["client_sort_name"]


@given(elided_names, st.sampled_from([*APOSTROPHES, "‘"]))
def test_a_name_sorts_at_one_place_whichever_apostrophe_it_holds(name, apostrophe):
    other = name
    for each in (*APOSTROPHES, "‘"):
        other = other.replace(each, apostrophe)
    assert sort_name(other, "Anne") == sort_name(name, "Anne")


def test_names_with_an_apostrophe_sort_among_the_others():
    names = ["Durand", "d’Hérouville", "d'Aubigné", "Caradec", "Dupont", "D’Arc"]
    assert sorted(names, key=sort_name) == ["Caradec", "D’Arc", "d'Aubigné", "d’Hérouville", "Dupont", "Durand"]
