"""Properties of the canonical forms of what people type (docs/architecture.md, rules:
"property tests prove every spelling finds its record and no other"):
emails, serial numbers, the pro space's folder search (names, towns,
postcodes, references), and the file paths an export may name. Client and
pro codes have their own file (test_code_properties.py)."""

import os
import posixpath

import pytest
from django.db import transaction
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from aquatiris_portal.enquiries.forms import SerialNumberForm, canonical_serial
from aquatiris_portal.pages.pro_space_folders import search
from aquatiris_portal.records.emails import (
    InvalidEmail,
    canonical_email,
    normalise_email,
    same_email,
)
from aquatiris_portal.records.models import Installation
from aquatiris_portal.records.names import folder_columns, folder_words, query_words, search_key, search_words
from aquatiris_portal.snippets.site_settings import SERIAL_NUMBER_PATTERN
from aquatiris_portal.sync.sources import BadFilePath, S3Export, clean_relative_path, open_inside
from tests import factories
from tests.strategies import (
    email_spellings,
    emails,
    huge_text,
    name_spellings,
    odd_text,
    person_names,
    postcodes,
    references,
    serial_spellings,
    serials,
    towns,
)

pytestmark = pytest.mark.properties
# Tests that write rows: the profile's examples, at most 250 (the deep run stays within minutes).
DB_EXAMPLES = min(settings.default.max_examples, 250)

anything = odd_text | huge_text | st.text(max_size=30)

# --------------------------------------------------------------------------- emails


@given(anything | emails().flatmap(email_spellings))
def test_canonical_email_is_idempotent_and_raises_only_invalid_email(text):
    try:
        canonical = canonical_email(text)
    except InvalidEmail:
        assert normalise_email(normalise_email(text)) == normalise_email(text)
        return
    assert canonical_email(canonical) == canonical
    assert canonical.isascii() and canonical == canonical.lower()
    assert normalise_email(text) == canonical


@given(emails().flatmap(lambda email: st.tuples(st.just(email), email_spellings(email))))
@example(("jose@exämple.fr", "JOSE@xn--exmple-cua.FR。"))  # found: the ideographic full stop was refused
def test_every_spelling_of_an_email_is_that_email(pair):
    email, spelling = pair
    assert canonical_email(spelling) == canonical_email(email)
    assert same_email(spelling, email)


@given(emails(), emails())
def test_two_different_emails_never_share_a_canonical_form(first, second):
    # Generated addresses are lower case with precomposed accents: two that
    # differ are two addresses (a "+tag" makes another address too).
    assume(first != second)
    assert canonical_email(first) != canonical_email(second)
    assert not same_email(first, second)


@given(emails(), st.sampled_from(["ı", "ß", "é", "\u0130"]), st.integers(0, 5))  # an invisible one is dropped
def test_a_local_part_that_is_not_ascii_is_refused_never_a_second_spelling(email, odd, where):
    local, _sep, domain = email.rpartition("@")
    where = min(where, len(local))
    with pytest.raises(InvalidEmail):
        canonical_email(f"{local[:where]}{odd}{local[where:]}@{domain}")


@pytest.mark.django_db
@settings(max_examples=DB_EXAMPLES)
@given(emails().flatmap(lambda email: st.tuples(st.just(email), email_spellings(email))), emails())
def test_the_login_finds_the_user_by_any_spelling_of_the_email_and_no_other(pair, other):
    from aquatiris_portal.accounts.backends import find_user_by_email

    email, spelling = pair
    assume(canonical_email(other) != canonical_email(email))
    with transaction.atomic():
        user = factories.user(email=canonical_email(email))
        assert find_user_by_email(spelling) == user
        assert find_user_by_email(other) is None
        transaction.set_rollback(True)


# --------------------------------------------------------------------------- serial numbers


@given(anything | serials().flatmap(serial_spellings))
def test_canonical_serial_is_idempotent_and_never_raises(text):
    canonical = canonical_serial(text)
    assert isinstance(canonical, str)
    assert canonical_serial(canonical) == canonical


@given(serials().flatmap(lambda serial: st.tuples(st.just(serial), serial_spellings(serial))))
@example(("AQ-1990-0000", "ａｑ１９９０００００"))  # found: full-width, a phone's keyboard
@example(("AQ-2019-004512", "aq 20 19 00 45 12"))  # found: grouped by twos as read from the plate
@example(("AQ-2019-004512", "AQ–2019–004512"))  # found: dashes
def test_every_spelling_of_a_serial_is_that_serial(pair):
    serial, spelling = pair
    assert canonical_serial(spelling) == serial


@given(serials(), serials())
def test_two_different_serials_never_share_a_canonical_form(first, second):
    assume(first != second)
    assert canonical_serial(first) != canonical_serial(second)


@given(
    st.text(alphabet="0123456789", min_size=6, max_size=6), st.sampled_from(["AQ"]), st.integers(1990, 2099), st.data()
)
def test_the_warranty_form_takes_every_spelling_of_a_serial_and_never_a_reference(number, prefix, year, data):
    serial = f"{prefix}-{year}-{number}"
    reference = data.draw(references())
    form = SerialNumberForm(
        {"serial_number": data.draw(serial_spellings(serial))},
        pattern=SERIAL_NUMBER_PATTERN,
        help_text="",
        references=[reference],
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["serial_number"] == serial
    typed_reference = data.draw(serial_spellings(reference))
    form = SerialNumberForm(
        {"serial_number": typed_reference}, pattern=SERIAL_NUMBER_PATTERN, help_text="", references=[reference]
    )
    assert not form.is_valid()


# --------------------------------------------------------------------------- names, towns, postcodes, references


@given(anything | person_names())
def test_search_key_and_search_words_are_idempotent(text):
    assert search_key(search_key(text)) == search_key(text)
    words = search_words(text)
    assert search_words(" ".join(words)) == words
    assert all(word and " " not in word for word in words)


@given(person_names().flatmap(lambda name: st.tuples(st.just(name), name_spellings(name))))
@example(("Anne–Sophie", "anne sophie"))  # found: dashes and ʼ were letters, Ł and Ø had no base letter
@example(("OʼNeil-Łukasz", "o'neil lukasz"))
def test_every_spelling_of_a_name_gives_its_words(pair):
    name, spelling = pair
    assert search_words(spelling) == search_words(name)


def _model_finds(record_words, query):
    """The documented search: every word of the query (``query_words``: a typed
    "d’a" is one word, DA) starts a word of the folder."""
    return all(any(word.startswith(q) for word in record_words) for q in query_words(query))


@st.composite
def folders(draw):
    return {
        "last_name": draw(person_names()),
        "first_name": draw(person_names()),
        "city": draw(towns),
        "postcode": draw(postcodes),
        "reference": draw(references()),
    }


@st.composite
def folder_queries(draw, folder):
    """What a SPANC agent types to find ``folder``: some of its fields, each
    spelt their own way, maybe cut short."""
    fields = draw(st.lists(st.sampled_from(sorted(folder)), min_size=1, max_size=3, unique=True))
    parts = []
    for name in fields:
        value = folder[name]
        typed = draw(name_spellings(value)) if name in ("last_name", "first_name", "city") else value.lower()
        if draw(st.booleans()) and len(typed.strip()) > 2:
            typed = typed.strip()[: draw(st.integers(2, len(typed.strip())))]
        parts.append(typed)
    return " ".join(parts)


@pytest.mark.django_db
@settings(max_examples=DB_EXAMPLES)
@given(st.lists(folders(), min_size=1, max_size=5), st.data())
def test_the_folder_search_finds_every_spelling_and_only_the_folders_that_match(records, data):
    target = data.draw(st.integers(0, len(records) - 1))
    query = data.draw(folder_queries(records[target]))
    with transaction.atomic():
        spanc = factories.spanc()
        expected = set()
        for record in records:
            client = factories.client(last_name=record["last_name"], first_name=record["first_name"])
            installation = factories.installation(
                client=client,
                spanc=spanc,
                city=record["city"],
                postcode=record["postcode"],
                reference=record["reference"],
            )
            words = folder_words(
                record["last_name"], record["first_name"], record["city"], record["postcode"], record["reference"]
            )
            if _model_finds(words, query):
                expected.add(installation.pk)
        found = set(search(Installation.objects.filter(spanc=spanc), query).values_list("pk", flat=True))
        transaction.set_rollback(True)
    assert found == expected
    assert len(expected) >= 1  # the folder the query was typed for


@given(folders())
def test_folder_columns_fit_their_columns(record):
    columns = folder_columns(
        record["last_name"], record["first_name"], record["city"], record["postcode"], record["reference"]
    )
    assert len(columns["client_sort_name"]) <= 200 and len(columns["search_words"]) <= 500
    assert columns["search_words"].startswith(" ") or not columns["search_words"]


# --------------------------------------------------------------------------- file paths in an export

PATH_PARTS = [
    "files",
    "sub",
    "a.pdf",
    "b.pdf",
    "..",
    ".",
    "",
    "link",
    "l.pdf",
    "secret.pdf",
    "outside",
    "．．",
    "\u2024\u2024",
    "..\u200b",
    "a" * 300,
    "\\",
    "/",
    "C:",
    "~",
    "%2e%2e",
    "fifo",
]
export_paths = st.lists(st.sampled_from(PATH_PARTS), min_size=1, max_size=6).map("/".join) | odd_text


def _inside(normalised):
    return not normalised.startswith("/") and ".." not in normalised.split("/") and "\\" not in normalised


@given(export_paths)
def test_a_file_path_is_refused_with_its_reason_or_stays_inside_the_export(path):
    try:
        normalised = clean_relative_path(path)
    except BadFilePath as refused:
        assert refused.reason
        return
    assert _inside(normalised) and "\x00" not in normalised
    root = "/srv/exports/export-1"
    assert os.path.commonpath([root, posixpath.normpath(posixpath.join(root, normalised))]) == root


@given(export_paths, st.sampled_from(["exports/", "exports/export-000001/", ""]))
def test_an_s3_key_of_an_export_stays_under_its_prefix(path, prefix):
    export = S3Export(None, "bucket", prefix, {"sequence": 1})
    try:
        key = export.key(path)
    except BadFilePath:
        return
    assert key.startswith(prefix) and _inside(key[len(prefix) :])


SECRET = b"%PDF-1.4 someone else's file"


@pytest.fixture(scope="module")
def export_tree(tmp_path_factory):
    """An export with files, a link to a file and one to a folder outside it, and a FIFO."""
    base = tmp_path_factory.mktemp("tree")
    outside, root = base / "outside", base / "export"
    (outside / "sub").mkdir(parents=True)
    (outside / "secret.pdf").write_bytes(SECRET)
    (outside / "sub" / "b.pdf").write_bytes(SECRET)
    (root / "files" / "sub").mkdir(parents=True)
    (root / "files" / "a.pdf").write_bytes(b"%PDF a")
    (root / "files" / "sub" / "b.pdf").write_bytes(b"%PDF b")
    os.symlink(outside, root / "link")
    os.symlink(outside, root / "files" / "link")
    os.symlink(outside / "secret.pdf", root / "files" / "l.pdf")
    os.mkfifo(root / "files" / "fifo")
    return root


@given(export_paths)
@example("files/" + "a" * 300)  # found: OSError (name too long) out of the importer
def test_opening_a_file_of_an_export_reads_only_its_own_regular_files(export_tree, path):
    try:
        handle = open_inside(str(export_tree), path)
    except (FileNotFoundError, BadFilePath):
        return
    with handle:
        assert handle.read() != SECRET
        real = os.path.realpath(f"/proc/self/fd/{handle.fileno()}")
    assert real.startswith(str(export_tree) + os.sep)


@pytest.mark.django_db
def test_the_migration_gives_rows_written_before_the_search_words_of_today():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("aquatiris_portal.migrations.0023_refresh_folder_search_words")
    client = factories.client(last_name="Le Goff–Kerbrat", first_name="Anne‐Sophie")
    installation = factories.installation(client=client, city="Saint‑Père", reference="AQ-2019-17")
    Installation.objects.filter(pk=installation.pk).update(search_words=" LE GOFF–KERBRAT ANNE‐SOPHIE")
    migration.refresh_folder_columns(apps, None)
    folders = Installation.objects.filter(pk=installation.pk)
    for query in ("kerbrat", "sophie anne", "pere", "2019"):
        assert search(folders, query).exists(), query


@pytest.mark.django_db
def test_the_migration_gives_serials_imported_before_their_canonical_form():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("aquatiris_portal.migrations.0026_canonical_serial_numbers")
    installation = factories.installation()
    Installation.objects.filter(pk=installation.pk).update(serial_number="aq2019004512")
    migration.canonical_serials(apps, None)
    installation.refresh_from_db()
    assert installation.serial_number == "AQ-2019-004512"
