"""What exports carry and people type, at the records' canonical forms.

- A login derived from an address too long for a username fits the column,
  is one per address and is never an address (another person's login).
- Invisible characters (records.invisible): a format character (Unicode
  Cf) is dropped wherever it is, in an email, a client or pro code, a serial
  number and a second-factor code, as typed in the forms and as the
  importer stores them; a no-break space is a space (trimmed around an
  email, refused inside it as a space is; a separator in the others).
- A serial typed with a minus sign (U+2212), an en or em dash or a
  non-breaking hyphen, or after « N° », « n° », « No », « Nº », « № », is the
  serial the export carries; what follows the sign and is not a serial is
  refused with the warranty form's usual message.
"""

import string

import pytest
from django.contrib.auth import get_user_model
from hypothesis import example, given
from hypothesis import strategies as st
from wagtail.models import Site

from aquatiris_portal.accounts.second_factor import typed_code
from aquatiris_portal.enquiries.forms import SerialNumberForm
from aquatiris_portal.enquiries.services import register_serial_number
from aquatiris_portal.records.codes import canonical_code
from aquatiris_portal.records.emails import canonical_email, canonical_email_or_none, login_name
from aquatiris_portal.records.serials import canonical_serial
from aquatiris_portal.snippets.site_settings import SERIAL_NUMBER_PATTERN, PortalSettings
from aquatiris_portal.sync.validation import check_email
from tests import factories
from tests.strategies import email_spellings, emails, serial_spellings, serials
from tests.unit.accounts.test_real_inputs_round12 import JUST_PAST, LONG, addresses

FORMAT_CHARACTERS = st.characters(categories=["Cf"])
NO_BREAK_SPACES = st.sampled_from(["\u00a0", "\u202f", "\u2007"])
CODES = st.sampled_from(["CLI-ACC-1A", "AQ/22/0457", "C 10088 B", "cli_2020.77", "SPANC-35-RENNES"])
SECOND_FACTOR_CODES = st.sampled_from(["123 456", "654321", "gy2d-bi54"])


@st.composite
def with_invisibles(draw, text, spaces_inside=True):
    """``text`` with format characters anywhere and no-break spaces around
    (and, if ``spaces_inside``, between its characters)."""
    pieces = list(text)
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(pieces)))
        inside = draw(FORMAT_CHARACTERS | (NO_BREAK_SPACES if spaces_inside else FORMAT_CHARACTERS))
        pieces.insert(position, inside)
    return draw(NO_BREAK_SPACES | st.just("")) + "".join(pieces) + draw(NO_BREAK_SPACES | st.just(""))


def username_length():
    return get_user_model()._meta.get_field("username").max_length


@given(addresses(), addresses(), st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=3))
@example(LONG, LONG.replace("factures", "devis"), "x")
@example(JUST_PAST, JUST_PAST.replace("a@", "b@"), "x")
def test_a_login_fits_is_one_per_address_and_is_never_an_address(first, second, suffix):
    a, b = canonical_email(first), canonical_email(second)
    # Two addresses that share their first 150 characters still get two logins.
    c = canonical_email(a.replace("@", suffix + "@", 1)) if len(a) < 254 - len(suffix) else b
    for email in (a, b, c):
        login = login_name(email)
        assert len(login) <= username_length()
        assert login_name(email) == login  # stable
        if len(email) <= username_length():
            assert login == email
        else:
            assert canonical_email_or_none(login) != login  # no address is this login
    assert len({login_name(email) for email in {a, b, c}}) == len({a, b, c})


def test_a_login_at_the_limit_is_the_address_itself():
    at_limit = "a" * 64 + "@" + "b" * 63 + "." + "c" * 18 + ".fr"
    assert len(at_limit) == username_length() == 150
    assert login_name(at_limit) == at_limit
    assert login_name(JUST_PAST) != JUST_PAST and len(login_name(JUST_PAST)) == 150


@given(emails().flatmap(email_spellings).flatmap(lambda text: st.tuples(st.just(text), with_invisibles(text, False))))
@example(("jean@example.fr", "\u200bjean@example.fr"))
@example(("jean@example.fr", "jean@exa\u061cmple.fr"))
@example(("jean@example.fr", "je\u00adan@example.fr\u200e"))
def test_format_characters_are_dropped_anywhere_in_an_email_form_and_import_alike(pair):
    typed, pasted = pair
    canonical = canonical_email(typed)
    assert canonical_email_or_none(pasted) == canonical, pasted
    assert check_email(pasted) == canonical  # what the importer stores


@given(emails(), st.data())
def test_a_no_break_space_inside_an_email_is_read_as_a_space(email, data):
    position = data.draw(st.integers(1, len(email) - 1))
    space = data.draw(NO_BREAK_SPACES)
    assert canonical_email_or_none(email[:position] + space + email[position:]) == canonical_email_or_none(
        email[:position] + " " + email[position:]
    )


@given(CODES.flatmap(lambda code: st.tuples(st.just(code), with_invisibles(code))))
def test_format_characters_and_no_break_spaces_in_a_code_change_nothing(pair):
    code, pasted = pair
    assert canonical_code(pasted) == canonical_code(code)


@given(serials().flatmap(serial_spellings).flatmap(lambda typed: st.tuples(st.just(typed), with_invisibles(typed))))
def test_format_characters_and_no_break_spaces_in_a_serial_change_nothing(pair):
    typed, pasted = pair
    assert canonical_serial(pasted) == canonical_serial(typed)


@given(SECOND_FACTOR_CODES.flatmap(lambda code: st.tuples(st.just(code), with_invisibles(code))))
def test_format_characters_and_no_break_spaces_in_a_second_factor_code_change_nothing(pair):
    code, pasted = pair
    assert typed_code(pasted) == typed_code(code)


# What a word processor, a PDF or a phone puts for the hyphen of "AQ-2019-004512".
DASHES = st.sampled_from(["-", "\u2212", "\u2013", "\u2014", "\u2011", "\u2010", "\ufe63", "\uff0d", "\u207b"])
# What says "number" before it, in French and as keyboards and OCR give it.
NUMBER_SIGNS = st.sampled_from(
    ["N° ", "n° ", "No ", "Nº ", "nº ", "N°", "nº", "№ ", "№", "No. ", "no: ", "N° : ", "N ° ", "NO ", "N°\u00a0"]
)


def warranty_form(typed):
    return SerialNumberForm({"serial_number": typed}, pattern=SERIAL_NUMBER_PATTERN, help_text="")


@st.composite
def typed_serials(draw):
    """(the serial, as typed): its hyphens any dash, maybe a number sign before."""
    serial = draw(serials())
    dash = draw(DASHES)
    typed = draw(serial_spellings(serial)).replace("-", dash)
    if draw(st.booleans()):
        typed = draw(NUMBER_SIGNS) + typed.lstrip()
    return serial, typed


@given(typed_serials())
@example(("AQ-2019-004512", "AQ\u22122019\u2212004512"))
@example(("AQ-2019-004512", "N° AQ-2019-004512"))
@example(("AQ-2019-004512", "No AQ 2019 004512"))
@example(("AQ-2019-004512", "Nº AQ\u20112019\u2011004512"))
def test_a_serial_typed_with_any_dash_or_after_a_number_sign_is_the_serial(pair):
    serial, typed = pair
    assert canonical_serial(typed) == serial, typed
    assert canonical_serial(canonical_serial(typed)) == canonical_serial(typed)
    if serial.startswith("AQ-") and len(serial) == 14:  # the shape the warranty form takes by default
        form = warranty_form(typed)
        assert form.is_valid(), (typed, form.errors)
        assert form.cleaned_data["serial_number"] == serial


@given(NUMBER_SIGNS, st.sampled_from(["12", "ABC", "AQ-2019", "2019-004512", "AQ 19 4512", "de série"]))
def test_after_a_number_sign_what_is_not_a_serial_is_refused_with_the_usual_message(sign, rest):
    form = warranty_form(sign + rest)
    assert not form.is_valid()
    assert [error.code for error in form.errors.as_data()["serial_number"]] == ["pattern"]


def test_a_four_letter_serial_starting_with_no_is_not_read_as_a_number_sign():
    assert canonical_serial("NOAQ2019004512") == "NOAQ-2019-004512"
    assert canonical_serial("noaq-2019-004512") == "NOAQ-2019-004512"


@pytest.mark.django_db
@pytest.mark.parametrize("stored", ["N°-AQ-2019-004512", "AQ\u22122019\u2212004512", "aq-2019-004512"])
def test_a_serial_imported_before_its_spelling_was_canonical_is_the_one_the_client_types(stored):
    """Rows imported before this rule keep what was canonical then (an
    unchanged export line is not applied again): the warranty still finds
    the client's serial the same, not a conflict."""
    installation = factories.installation(serial_number=stored)
    result = register_serial_number(
        user=factories.user(),
        client=installation.client,
        installation_pk=installation.pk,
        serial_number=canonical_serial("N° AQ−2019−004512"),
        portal_settings=PortalSettings.for_site(Site.objects.get(is_default_site=True)),
    )
    assert result.status == "registered", result.status
