"""Client and pro codes: one canonical form (records/codes.py), stored with
each record (``code_key``), compared by the activation look-up and the
importer. Properties first (Hypothesis; budget from the profiles in
tests/conftest.py), then the real shapes through the real activation form
and the real importer."""

import functools
import importlib
import string
import tempfile
import unicodedata

import pytest
from django.db import connection, transaction
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, Phase, assume, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from aquatiris_portal.accounts.lookup import find_record, typed_code_key
from aquatiris_portal.models import Client, OutgoingMail, Spanc
from aquatiris_portal.records.codes import KEY_MAX_LENGTH, TYPED_MAX_LENGTH, canonical_code
from aquatiris_portal.sync.importer import Item, import_source
from aquatiris_portal.sync.mapping import unique_codes
from aquatiris_portal.sync.models import ImportRun, QuarantinedRecord
from tests import factories
from tests.exports import write_export

# make test runs these again with the "deep" profile (-m properties).
pytestmark = pytest.mark.properties

ACTIVATION = reverse("aquatiris_portal:activation")
FROZEN = importlib.import_module("aquatiris_portal.migrations.0019_fill_code_key")

# What people put between the parts of a code, typing it or pasting it from
# a PDF or a phone: ASCII separators, no-break spaces, dashes, a thin space.
SEPARATORS = ["-", "/", ".", "_", " ", "\u00a0", "\u202f", "\u2009", "\u2013", "\u2014", "\u2010", "\t"]
AROUND = ["", " ", "  ", "\u00a0", "\t", "\n", " \u00a0 "]


def _full_width(char):
    """The full-width form a Japanese or Chinese keyboard types (ＣＬＩ１)."""
    return chr(ord(char) + 0xFEE0) if char.isascii() and char.isalnum() else char


# Stored codes as exports hold them: 1 to 5 parts of ASCII letters and
# digits joined by separators, at most 40 characters.
part = st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=7)
stored_codes = st.builds(
    lambda parts, seps: "".join(p + (seps[i] if i < len(parts) - 1 else "") for i, p in enumerate(parts)),
    st.lists(part, min_size=1, max_size=5),
    st.lists(st.sampled_from(["-", "/", ".", "_", " "]), min_size=5, max_size=5),
).filter(lambda code: len(code) <= 40)


@st.composite
def spellings(draw, code):
    """A spelling a person may type of ``code``: its letters and digits in
    any case (full-width at times), any separators between them or none,
    spaces around."""
    chars = []
    for char in canonical_code(code):
        char = draw(st.sampled_from([char, char.lower(), char.upper()]))
        if draw(st.integers(0, 9)) == 0:
            char = _full_width(char)
        chars.append(char + "".join(draw(st.lists(st.sampled_from(SEPARATORS), max_size=2))))
    return draw(st.sampled_from(AROUND)) + "".join(chars) + draw(st.sampled_from(AROUND))


# Database examples skip Hypothesis's "explain" phase: on a failure it
# replays thousands of variations (three minutes here) to annotate the report.
NO_EXPLAIN = [phase for phase in Phase if phase != Phase.explain]


def _rolled_back(test):
    """Run one Hypothesis example in a transaction rolled back after it:
    every example starts from the test's database."""

    @functools.wraps(test)
    def run(*args, **kwargs):
        with transaction.atomic():
            test(*args, **kwargs)
            transaction.set_rollback(True)

    return run


# --------------------------------------------------------------------------- the normal form


@given(st.text())
@example("CLI-ACC-1A")
@example("\u1100-\u1161")  # two Hangul jamo NFKC composes once the separator is gone
@example("\u0390")  # ΐ: upper case gives a letter and two combining marks
@example("\ufdfa")  # one character NFKC makes eighteen letters and spaces
def test_the_canonical_form_is_idempotent_and_only_letters_and_ascii_digits(text):
    key = canonical_code(text)
    assert canonical_code(key) == key
    assert all(unicodedata.category(c)[0] == "L" or c in string.digits for c in key)
    assert canonical_code(key.lower()) == key  # case never matters


@given(st.text())
@example("ＣＬＩ－１０３７")
@example("cli\u00a01037")
@example("\u1100-\u1161")
@example("\u0390")
def test_the_migrations_frozen_copy_gives_the_same_form(text):
    """0019 filled code_key of existing rows with a copy of canonical_code:
    both must agree, or a record stays unreachable after the migration."""
    assert FROZEN.canonical_code(text) == canonical_code(text)


@given(stored_codes, st.data())
def test_every_spelling_of_a_code_has_its_canonical_form(code, data):
    assert canonical_code(data.draw(spellings(code))) == canonical_code(code)


@given(st.one_of(st.integers(), st.binary(), st.lists(st.text()), st.floats()))
def test_the_only_error_is_a_type_error_for_what_is_not_text(value):
    with pytest.raises(TypeError):
        canonical_code(value)
    assert typed_code_key(value) is None  # the look-up answers "no such code"


# --------------------------------------------------------------------------- the look-up


@pytest.mark.django_db
@hypothesis_settings(suppress_health_check=[HealthCheck.too_slow], phases=NO_EXPLAIN)
@given(
    st.tuples(stored_codes, stored_codes).filter(lambda pair: canonical_code(pair[0]) != canonical_code(pair[1])),
    st.data(),
)
@_rolled_back
def test_every_spelling_finds_its_record_and_only_it(codes, data):
    """A client, another client, and a SPANC whose pro code is the first
    client's code: each spelling of a code with the right email finds that
    record; with another record's email, or the other code, nothing."""
    code, other_code = codes
    record = Client.objects.create(external_id="C-P1", code=code, last_name="Un", email="un@example.org")
    other = Client.objects.create(external_id="C-P2", code=other_code, last_name="Deux", email="deux@example.org")
    spanc = Spanc.objects.create(external_id="S-P1", code=code, name="SPANC", email="spanc@example.org")
    typed = data.draw(spellings(code), label="typed")
    typed_other = data.draw(spellings(other_code), label="typed_other")
    email = data.draw(st.sampled_from(["un@example.org", " Un@Example.ORG ", "UN@EXAMPLE.ORG"]), label="email")

    assert find_record(email, typed) == record
    assert find_record("spanc@example.org", typed) == spanc
    assert find_record("deux@example.org", typed_other) == other
    assert find_record("deux@example.org", typed) is None
    assert find_record(email, typed_other) is None


@pytest.mark.django_db
@hypothesis_settings(phases=NO_EXPLAIN)
@given(st.text(max_size=300), st.text(max_size=300))
@example("un@example.org", "")
@example("un@example.org", "\x00\x01\x1f\x7f")
@example("un@example.org", "---///...")
@example("un@example.org", "C" * (TYPED_MAX_LENGTH + 1))
@example("", "CLI-1")
def test_nothing_raises_on_any_text_and_nothing_else_is_found(email, code):
    record = (
        factories.client(code="CLI-P-1", email="un@example.org")
        if not Client.objects.exists()
        else Client.objects.get()
    )
    found = find_record(email, code)
    assert found is None or (found == record and canonical_code(code) == "CLIP1")


@pytest.mark.django_db
def test_huge_or_empty_text_is_refused_without_a_query(django_assert_num_queries):
    factories.client(code="CLI-ACC-1A", email="un@example.org")
    with django_assert_num_queries(0):
        assert find_record("un@example.org", "CLI-ACC-1A " + " " * 10**6) is None
        assert find_record("un@example.org", "") is None
        assert find_record("un@example.org", " -/._ ") is None
        assert find_record("not an email", "CLI-ACC-1A") is None


@pytest.mark.django_db
def test_the_look_up_is_one_exact_query_per_record_type(django_assert_num_queries):
    record = factories.client(code="AQ/22/0457", email="un@example.org")
    factories.spanc(code="PRO-8Q4K2")
    for typed in ("AQ/22/0457", "aq 22 0457", "AQ-CODE-NOT-THERE"):
        with CaptureQueriesContext(connection) as captured:
            found = find_record("un@example.org", typed)
        assert found == (record if typed != "AQ-CODE-NOT-THERE" else None)
        assert len(captured) == 2, [q["sql"] for q in captured]
        for query in captured:
            sql = query["sql"].upper()
            assert '"CODE_KEY" = ' in sql and "LIKE" not in sql and " OR " not in sql and "UPPER(" not in sql


# --------------------------------------------------------------------------- the real shapes, through the form


REAL_SHAPES = [
    ("client", "CLI-ACC-1A", "CLI-ACC-1A"),
    ("client", "CLI-ACC-1A", "cli acc 1 a"),
    ("client", "AQ/22/0457", "AQ/22/0457"),
    ("client", "AQ/22/0457", "aq 22 04 57"),
    ("client", "C 10088 B", "C 10088 B"),
    ("client", "C 10088 B", "c-10088-b"),
    ("client", "cli_2020.77", "cli_2020.77"),
    ("client", "cli_2020.77", "CLI 2020\u00a077"),
    ("spanc", "PRO-8Q4K2", "PRO-8Q4K2"),
    ("spanc", "PRO-8Q4K2", " pro\u20138q4k2 "),
    # 39 characters stored, 51 as read aloud with " - " between the parts.
    ("client", "AQ-2019-0001-CLIENT-PRINCIPAL-MAISON-A1", "AQ - 2019 - 0001 - CLIENT - PRINCIPAL - MAISON - A1"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("kind, stored, typed", REAL_SHAPES)
def test_the_first_connection_works_with_codes_of_every_shape(no_auth_delay, kind, stored, typed):
    """Nobody whose code had two separators could activate an account."""
    record = (factories.client if kind == "client" else factories.spanc)(code=stored)
    other = (factories.client if kind == "client" else factories.spanc)()
    response = HttpClient().post(ACTIVATION, {"email": record.email.upper(), "code": typed})
    assert response.status_code == 200
    [mail] = OutgoingMail.objects.all()
    assert mail.to == [record.email] and "/premiere-connexion/lien/" in mail.body_text
    assert other.email not in mail.to


@pytest.mark.django_db
def test_a_code_typed_for_another_record_still_says_nothing(no_auth_delay):
    record = factories.client(code="CLI-ACC-1A")
    factories.client(code="CLI-ACC-1B", email="b@example.org")
    right = HttpClient().post(ACTIVATION, {"email": record.email, "code": "cli acc 1a"})
    wrong = HttpClient().post(ACTIVATION, {"email": "b@example.org", "code": "cli acc 1a"})
    assert right.status_code == wrong.status_code == 200
    assert OutgoingMail.objects.count() == 1


# --------------------------------------------------------------------------- the importer


def _item(line, rid, code):
    record = {"type": "client", "id": rid, "code": code, "last_name": "X", "email": f"{rid.lower()}@example.org"}
    return Item(line, b"{}", record)


@pytest.mark.django_db
@hypothesis_settings(phases=NO_EXPLAIN)
@given(stored_codes, st.data())
@_rolled_back
def test_a_second_record_with_a_code_that_compares_equal_is_set_aside_naming_both(code, data):
    """Within one export and against the portal: the first keeps the code,
    each later record whose code is a spelling of it is refused, and the
    reason names both ids and both codes. A record may respell its own code."""
    others = data.draw(st.lists(spellings(code), min_size=1, max_size=3), label="others")
    items = [_item(1, "C-FIRST", code), *(_item(n + 2, f"C-OTHER{n}", s) for n, s in enumerate(others))]
    with translation.override("en"):
        kept, refused = unique_codes(Client, items)
    assert [item.rid for item in kept] == ["C-FIRST"]
    assert [item.rid for item, _reason in refused] == [f"C-OTHER{n}" for n in range(len(others))]
    for (item, reason), spelling in zip(refused, others, strict=True):
        assert all(part in reason for part in ("C-FIRST", code, item.rid, spelling)), reason

    Client.objects.create(external_id="C-FIRST", code=code, last_name="X", email="first@example.org")
    respelt = data.draw(spellings(code), label="respelt")
    assume(len(respelt) <= 40)
    with translation.override("en"):
        kept, refused = unique_codes(Client, [_item(1, "C-FIRST", respelt), _item(2, "C-LATER", code.lower())])
    assert [item.rid for item in kept] == ["C-FIRST"]
    [(item, reason)] = refused
    assert item.rid == "C-LATER" and all(part in reason for part in ("C-FIRST", respelt, "C-LATER", code.lower()))


def _client(rid, code):
    return {"type": "client", "id": rid, "code": code, "last_name": "Le Goff", "email": f"{rid.lower()}@example.org"}


def _import(root, sequence, lines):
    write_export(root, sequence, lines)
    with translation.override("en"):
        [run] = import_source(root).runs
    assert run.state == ImportRun.State.SUCCEEDED, run.error
    return dict(QuarantinedRecord.objects.filter(run=run).values_list("record_id", "reason"))


@pytest.mark.django_db
def test_the_importer_stores_the_canonical_code_and_quarantines_a_colliding_one(tmp_path):
    root = tmp_path / "exports"
    quarantined = _import(
        root,
        1,
        [
            _client("C-1", "CLI-ACC-1A"),
            _client("C-2", "cli acc 1a"),
            _client("C-3", "AQ/22/0457"),
            _client("C-4", "-/-"),
            {"type": "spanc", "id": "S-1", "code": "CLI-ACC-1A", "name": "S", "email": "s@x.fr"},
        ],
    )
    assert set(quarantined) == {"C-2", "C-4"}
    assert all(part in quarantined["C-2"] for part in ("C-1", "CLI-ACC-1A", "C-2", "cli acc 1a"))
    assert "letters or digits" in quarantined["C-4"]
    assert dict(Client.objects.values_list("external_id", "code_key")) == {"C-1": "CLIACC1A", "C-3": "AQ220457"}
    assert Spanc.objects.get().code_key == "CLIACC1A"  # a SPANC is another kind of record

    # Against the portal: a new record with another spelling is set aside;
    # the holder may respell its own code.
    quarantined = _import(root, 2, [_client("C-5", "AQ 22 0457"), _client("C-1", "cli-acc-1a")])
    assert set(quarantined) == {"C-5"}
    assert all(part in quarantined["C-5"] for part in ("C-3", "AQ/22/0457", "C-5", "AQ 22 0457"))
    assert Client.objects.get(external_id="C-1").code == "cli-acc-1a"
    assert find_record("c-1@example.org", "CLI ACC 1A").external_id == "C-1"


@pytest.mark.django_db
@hypothesis_settings(max_examples=max(5, hypothesis_settings.default.max_examples // 10), phases=NO_EXPLAIN)
@given(stored_codes, st.data())
@_rolled_back
def test_through_the_real_importer_a_second_spelling_never_gets_in(code, data):
    """The same promise end to end (export file, staging, batches): a tenth
    of the profile's examples, each a whole import."""
    second = data.draw(spellings(code).filter(lambda s: s.strip() and len(s) <= 40), label="second")
    with tempfile.TemporaryDirectory() as root:
        quarantined = _import(root, 1, [_client("C-1", code), _client("C-2", second)])
    assert set(quarantined) == {"C-2"}
    assert all(part in quarantined["C-2"] for part in ("C-1", code, "C-2", second))
    assert list(Client.objects.values_list("external_id", "code_key")) == [("C-1", canonical_code(code))]


def test_a_canonical_code_fits_its_column():
    """KEY_MAX_LENGTH bounds what the importer accepts; a 40-character
    ASCII code (what exports hold) always fits."""
    assert len(canonical_code("A" * 40)) <= KEY_MAX_LENGTH


@pytest.mark.django_db
def test_the_data_migration_fills_code_key_and_leaves_the_later_of_two_colliding_rows_empty(caplog):
    """0019 on rows imported before code_key existed (bulk_create: no save(),
    no key): each gets its canonical code, but of two codes that compare
    equal only the earlier row keeps it; the later one is logged with both."""
    Client.objects.bulk_create(
        [
            Client(external_id="C-OLD1", code="AQ/22/0457", last_name="A", email="a@example.org"),
            Client(external_id="C-OLD2", code="aq 22 0457", last_name="B", email="b@example.org"),
            Client(external_id="C-OLD3", code="C 10088 B", last_name="C", email="c@example.org"),
        ]
    )
    with caplog.at_level("WARNING", logger="aquatiris_portal.migrations"):
        FROZEN.fill(Client)
    assert dict(Client.objects.values_list("external_id", "code_key")) == {
        "C-OLD1": "AQ220457",
        "C-OLD2": None,
        "C-OLD3": "C10088B",
    }
    [warning] = caplog.records
    assert all(part in warning.getMessage() for part in ("'C-OLD2'", "'aq 22 0457'", "'C-OLD1'", "'AQ/22/0457'"))
    assert find_record("a@example.org", "AQ 22 0457").external_id == "C-OLD1"
