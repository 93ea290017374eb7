"""The SPANC folder search, query side, with what an agent really types:
a client name or a town stored with an apostrophe (' ’ ʼ) or without it,
hyphens, accents, any case; a postcode stored "35310" or "35 310". However
it is typed (with, without or with another apostrophe, accents or not, any
case, cut short, the postcode with a space), the folder is found, and a
folder none of whose words match is not; the page's compiled SQL finds the
same folders as the ORM's search (records.names.query_words feeds both)."""

import pytest
from django.db import transaction
from hypothesis import example, given, settings
from hypothesis import strategies as st

from aquatiris_portal.pages import pro_space_list_page as list_page
from aquatiris_portal.pages.pro_space_folders import search
from aquatiris_portal.records.models import Installation
from aquatiris_portal.records.names import folder_words, query_words
from tests import factories
from tests.strategies import APOSTROPHES, random_case, strip_accents

pytestmark = pytest.mark.django_db

# No q, w, x, z: the other folder ("Qwxz", "Zxq", 00100) shares no word start with a drawn one.
LETTERS = "abcdefghijklmnoprstuvy" + "àâäçéèêëîïôöùûüÿœ"
word = st.text(alphabet=LETTERS, min_size=2, max_size=10).map(str.capitalize)
APOSTROPHE_OR_NONE = st.sampled_from(["", *APOSTROPHES])


@st.composite
def elided(draw):
    """ "N'Diaye", "Ndiaye", "d’Hérouville", "L'Hermitage", "Saint-Brieuc", "L’Haÿ-les-Roses"."""
    particle = draw(st.sampled_from(["N", "d", "D", "L", "l", "O", "M", "Mc"]))
    text = particle + draw(APOSTROPHE_OR_NONE) + draw(word)
    for _ in range(draw(st.integers(0, 2))):
        text += draw(st.sampled_from(["-", " ", "-les-", " d’", "-l'"])) + draw(word)
    if draw(st.booleans()):
        text = draw(st.sampled_from(["Saint-", "Le ", "Sainte-"])) + text
    return text


postcodes = st.tuples(
    st.sampled_from(["2A", "2B", *(f"{n:02}" for n in range(1, 96))]), st.integers(0, 999), st.sampled_from(["", " "])
).map(lambda t: f"{t[0]}{t[2]}{t[1]:03}")


@st.composite
def typed(draw, text):
    """``text`` as typed in the search box."""
    apostrophe = draw(APOSTROPHE_OR_NONE)
    for other in (*APOSTROPHES, "‘"):
        text = text.replace(other, apostrophe)
    if draw(st.booleans()):
        text = strip_accents(text)
    if draw(st.booleans()):  # hyphens typed as spaces
        text = text.replace("-", " ")
    text = random_case(draw, text)
    if draw(st.booleans()):
        text = text[: draw(st.integers(min(len(text), 2), len(text)))]
    return text


@st.composite
def typed_postcode(draw, postcode):
    digits = postcode.replace(" ", "")
    text = draw(st.sampled_from([digits, f"{digits[:2]} {digits[2:]}"]))
    text = random_case(draw, text)
    return text[: draw(st.integers(min(len(text), 2), len(text)))]


@st.composite
def folder_and_query(draw):
    folder = {"last_name": draw(elided()), "city": draw(elided()), "postcode": draw(postcodes)}
    field = draw(st.sampled_from(["last_name", "city", "postcode", "last_name city", "city postcode"]))
    parts = []
    for name in field.split():
        value = folder[name]
        parts.append(draw(typed_postcode(value) if name == "postcode" else typed(value)))
    return folder, " ".join(parts)


def _found(spanc, user, query):
    orm = sorted(search(Installation.objects.filter(spanc=spanc), query).values_list("client__last_name", flat=True))
    _paginator, page = list_page.paginate(user, query=query)
    compiled = sorted(folder.client.last_name for folder in page.object_list)
    return orm, compiled


@settings(max_examples=120, deadline=None)
@given(folder_and_query())
@example(({"last_name": "Ndiaye", "city": "Mordelles", "postcode": "35310"}, "n'diaye"))
@example(({"last_name": "Ndiaye", "city": "Mordelles", "postcode": "35310"}, "n’diaye"))
@example(({"last_name": "N'Diaye", "city": "Mordelles", "postcode": "35310"}, "nʼdiaye"))
@example(({"last_name": "Durand", "city": "L'Hermitage", "postcode": "35590"}, "l’hermitage 35 590"))
@example(({"last_name": "Durand", "city": "Saint-Brieuc", "postcode": "22000"}, "saint-brieuc 22 0"))
@example(({"last_name": "Durand", "city": "Mordelles", "postcode": "35310"}, "35 310"))
@example(({"last_name": "Durand", "city": "Ajaccio", "postcode": "2A 004"}, "2a004"))
def test_a_folder_is_found_however_its_name_town_or_postcode_is_typed(pair):
    folder, query = pair
    with transaction.atomic():
        spanc = factories.spanc()
        user = factories.verified(factories.spanc_user(spanc))
        client = factories.client(last_name=folder["last_name"], first_name="Maëlys")
        factories.installation(client=client, spanc=spanc, city=folder["city"], postcode=folder["postcode"])
        other = factories.client(last_name="Qwxz", first_name="Zxq")
        factories.installation(client=other, spanc=spanc, city="Zxq", postcode="00100", reference="QX 1")
        orm, compiled = _found(spanc, user, query)
        transaction.set_rollback(True)
    assert orm == [folder["last_name"]], (query, query_words(query))
    assert compiled == orm


@given(st.text(max_size=30))
def test_every_query_word_is_a_word_the_search_stores(text):
    """What query_words gives is made of the stored words' characters: a
    query that is a stored folder's own text finds it word for word."""
    stored = folder_words(text)
    assert all(any(word.startswith(typed) for word in stored) for typed in query_words(text))


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("n'diaye", ["NDIAYE"]),
        ("N’Diaye rennes", ["NDIAYE", "RENNES"]),
        ("35 310", ["35310"]),
        ("35 3", ["353"]),
        ("2a 004", ["2A004"]),
        ("aq 2024 5015", ["AQ", "2024", "5015"]),  # a reference's groups stay words
        ("saint-brieuc", ["SAINT", "BRIEUC"]),
    ],
)
def test_query_words(query, words):
    assert query_words(query) == words
