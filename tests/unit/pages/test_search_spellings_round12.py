"""The SPANC folder search with the spellings agents use for compound names
and towns: a town or name of several words (hyphen, space, apostrophe),
maybe with Saint/Sainte/Saints/Saintes or St/Ste/Sts/Stes in it, is found
typed joined ("saintbrieuc", "lebihan"), hyphenated, spaced, abbreviated
("st brieuc" for Saint-Brieuc, "saint brieuc" for St-Brieuc), accents and
case aside, its last word cut short; a word that is not a run of its
words, written together, does not find it."""

import pytest
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from aquatiris_portal.pages import pro_space_list_page as list_page
from aquatiris_portal.pages.pro_space_folders import search
from aquatiris_portal.records.models import Installation
from aquatiris_portal.records.names import query_words, search_words
from tests import factories
from tests.strategies import random_case, strip_accents

pytestmark = pytest.mark.django_db

# No q, w, x, z: the other fields and the other folder ("Wxqz", "Zqxw") share no word start with a drawn one.
LETTERS = "abcdefghijklmnoprstuvy" + "àâäçéèêëîïôöùûüÿœ"
part = st.text(alphabet=LETTERS, min_size=1, max_size=8).map(str.capitalize)
# The spec's own table (not the code's): each Saint and its abbreviation.
SHORT = {"SAINT": "ST", "SAINTE": "STE", "SAINTS": "STS", "SAINTES": "STES"}
LONG = {short: long for long, short in SHORT.items()}
SAINTS = ["Saint", "Sainte", "Saints", "Saintes", "St", "Ste", "Sts", "Stes"]
SEPARATORS = ["-", " ", "'", "’", "ʼ"]


@st.composite
def compound_names(draw):
    """(stored text, its words, the position of its Saint or None): "Saint-Brieuc",
    "Le Bihan", "Ste-Anne-d’Auray", "Fontaine-St-Martin", "Kerhervé"."""
    words = draw(st.lists(part, min_size=1, max_size=4))
    saint = None
    if draw(st.booleans()):
        saint = draw(st.integers(0, len(words) - 1))
        words.insert(saint, draw(st.sampled_from(SAINTS)))
    separators = [draw(st.sampled_from(SEPARATORS)) for _ in words[1:]]
    text = words[0] + "".join(sep + word for sep, word in zip(separators, words[1:], strict=True))
    return text, words, saint


@st.composite
def typed_spellings(draw, words, saint):
    """``words`` as an agent types them: joined, hyphenated, spaced or a mix;
    the Saint as written, in full or abbreviated (maybe with a dot); accents
    or not, any case; the last word maybe cut short."""
    words = list(words)
    if saint is not None:
        spelling = draw(st.sampled_from(["written", "long", "short"]))
        upper = words[saint].upper()
        if spelling == "long":
            words[saint] = LONG.get(upper, upper)
        elif spelling == "short":
            words[saint] = SHORT.get(upper, upper) + draw(st.sampled_from(["", "."]))
    style = draw(st.sampled_from(["joined", "hyphenated", "spaced", "mixed"]))
    fixed = {"joined": "", "hyphenated": "-", "spaced": " "}.get(style)
    text = words[0]
    for word in words[1:]:
        text += (fixed if fixed is not None else draw(st.sampled_from(["", "-", " ", "'"]))) + word
    if draw(st.booleans()):
        text = text[: len(text) - draw(st.integers(0, len(words[-1]) - 1))]  # the last word cut short
    if draw(st.booleans()):
        text = strip_accents(text)
    return random_case(draw, text)


def runs_of_words(name):
    """What the spec accepts a typed word to start: any run of the name's
    consecutive words written together, each Saint in the spelling of the
    name, in full or abbreviated."""
    words = search_words(name)
    spellings = {tuple(words), tuple(LONG.get(w, w) for w in words), tuple(SHORT.get(w, w) for w in words)}
    return {"".join(spelt[i:j]) for spelt in spellings for i in range(len(spelt)) for j in range(i + 1, len(spelt) + 1)}


def spec_finds(name, query):
    runs = runs_of_words(name)
    return all(any(run.startswith(typed) for run in runs) for typed in query_words(query))


def _found(field, name, query):
    """The last names of the folders the search finds (the ORM's, checked
    against the list page's compiled query) in a SPANC holding a folder
    with ``name`` as its ``field`` and one that shares no word with it."""
    with transaction.atomic():
        spanc = factories.spanc()
        user = factories.verified(factories.spanc_user(spanc))
        other_field = "city" if field == "last_name" else "last_name"
        values = {field: name, other_field: "Wxqz"}
        client = factories.client(last_name=values["last_name"], first_name="Zwq")
        factories.installation(client=client, spanc=spanc, city=values["city"], postcode="35310", reference="QX 1")
        other = factories.client(last_name="Zqxw", first_name="Xqz")
        factories.installation(client=other, spanc=spanc, city="Zxq", postcode="00100", reference="QX 2")
        found = search(Installation.objects.filter(spanc=spanc), query)
        orm = sorted(found.values_list("client__last_name", flat=True))
        _paginator, page = list_page.paginate(user, query=query)
        compiled = sorted(folder.client.last_name for folder in page.object_list)
        transaction.set_rollback(True)
    assert compiled == orm
    return orm


@settings(max_examples=80, deadline=None)
@given(compound_names(), st.sampled_from(["last_name", "city"]), st.data())
def test_every_spelling_of_a_compound_name_or_town_finds_the_folder(name, field, data):
    text, words, saint = name
    query = data.draw(typed_spellings(words, saint))
    assert spec_finds(text, query), (text, query)  # the drawn spelling is one the spec accepts
    expected = [text if field == "last_name" else "Wxqz"]
    assert _found(field, text, query) == expected, (text, query, query_words(query))


@st.composite
def other_words(draw, words):
    """A word that is mostly not a run of ``words``: two of them in the
    other order, two apart joined without the one between, any letters."""
    candidates = [draw(st.text(alphabet=LETTERS, min_size=1, max_size=10))]
    if len(words) > 1:
        candidates.append(words[-1] + words[0])
    if len(words) > 2:
        candidates.append(words[0] + words[2])
    return random_case(draw, draw(st.sampled_from(candidates)))


@settings(max_examples=60, deadline=None)
@given(compound_names(), st.sampled_from(["last_name", "city"]), st.data())
def test_a_word_that_is_no_run_of_the_words_finds_nothing(name, field, data):
    text, words, _saint = name
    word = data.draw(other_words(words))
    found = _found(field, text, word)
    if spec_finds(text, word):
        assert found == [text if field == "last_name" else "Wxqz"], (text, word)
    else:
        assert found == [], (text, word, query_words(word))


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("Saint-Brieuc", "saintbrieuc"),
        ("Saint-Brieuc", "st brieuc"),
        ("Saint-Brieuc", "st-brieuc"),
        ("Saint-Brieuc", "St. Brieuc"),
        ("Saint-Brieuc", "stbrieuc"),
        ("Saint-Brieuc", "saint bri"),
        ("St-Brieuc", "saint brieuc"),
        ("St-Brieuc", "saintbrieuc"),
        ("ST BRIEUC", "saint-brieuc"),
        ("Ste-Anne", "sainte anne"),
        ("Sainte-Anne-d’Auray", "ste anne d'auray"),
        ("Sainte-Anne-d’Auray", "steannedauray"),
        ("Saintes-Maries-de-la-Mer", "stes maries"),
        ("Saintes-Maries-de-la-Mer", "mariesdelamer"),
        ("Saints-Geosmes", "sts geosmes"),
        ("Stes-Maries", "saintesmaries"),
        ("La Chapelle-des-Fougeretz", "lachapelle"),
        ("La Chapelle-des-Fougeretz", "chapelledes fougeretz"),
        ("Le Bihan", "lebihan"),
        ("Le Bihan", "le bihan"),
        ("Le Bihan", "Le-Bihan"),
        ("N'Diaye", "ndiaye"),
        ("N'Diaye", "n’diaye"),
        ("N'Diaye", "diaye"),
    ],
)
def test_the_spellings_agents_use_find_the_folder(name, query):
    assert _found("city", name, query) == ["Wxqz"]


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("Saint-Brieuc", "brieucsaint"),
        ("Saint-Brieuc", "sainte brieuc"),
        ("Saint-Brieuc", "ste brieuc"),
        ("Saint-Brieuc", "saintsbrieuc"),
        ("Ste-Anne", "saint anne auray"),
        ("Le Bihan", "bihanle"),
        ("La Chapelle-des-Fougeretz", "lachapellefougeretz"),
    ],
)
def test_a_word_the_name_does_not_hold_does_not_find_it(name, query):
    assert _found("city", name, query) == []
