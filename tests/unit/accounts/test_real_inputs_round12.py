"""Real addresses at the account door: an email of 151 to 254 characters
(what the importer takes, RFC 5321) activates, logs in, follows an email
change and accepts an invitation, while Django's ``auth_user.username``
holds 150. SQLite does not enforce the column's length, so these tests
check every username written against it; tests/integration/
test_long_email_pg.py does it once on PostgreSQL, which refuses the row.

And invisible characters (a zero-width space, a byte-order mark, a soft
hyphen, a direction mark) pasted before, after or inside the address are
one rule at the login and activation forms: dropped (records.invisible)."""

import string

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.cache import cache
from django.db import transaction
from django.test import RequestFactory
from hypothesis import example, given, settings
from hypothesis import strategies as st

from aquatiris_portal.accounts import invitations
from aquatiris_portal.accounts.activation import complete_activation, request_activation
from aquatiris_portal.accounts.backends import find_user_by_email
from aquatiris_portal.accounts.email_moves import move_login
from aquatiris_portal.accounts.forms import ActivationRequestForm, LoginForm
from aquatiris_portal.accounts.models import AccountToken
from aquatiris_portal.enquiries.greetings import account_at
from aquatiris_portal.records.emails import canonical_email_or_none
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_auth_delay")]

PASSWORD = "correct-Horse-battery-9"
LOCAL_CHARACTERS = string.ascii_letters + string.digits + "_-"
IDN_LETTERS = "àâäçéèêëîïôöùûüñå"
# An address of 203 characters as typed, 210 with its domain in punycode,
# and one just past the username's 150.
LONG = (
    "Jean-Marie.Le-Goff+factures@"
    + "b" * 60
    + "."
    + "c" * 60
    + ".service-clients.exämple-de-bretagne-assainissement.fr"
)
JUST_PAST = "a" * 64 + "@" + "b" * 63 + "." + "c" * 19 + ".fr"


def username_length():
    return get_user_model()._meta.get_field("username").max_length


@st.composite
def labels(draw):
    """A domain label of 1 to 63 characters, sometimes with an accented letter."""
    size = draw(st.integers(1, 63))
    label = draw(st.text(alphabet=string.ascii_letters + string.digits, min_size=size, max_size=size))
    if size > 2 and draw(st.integers(0, 3)) == 0:
        cut = draw(st.integers(1, size - 2))
        label = label[:cut] + draw(st.sampled_from(["-", *IDN_LETTERS])) + label[cut + 1 :]
    return label


@st.composite
def addresses(draw):
    """An address as an export carries it or a person types it: 6 to 254
    characters, any case, plus-addressing, IDN domains."""
    atoms = draw(st.lists(st.text(alphabet=LOCAL_CHARACTERS, min_size=1, max_size=24), min_size=1, max_size=4))
    local = ".".join(atoms)
    if draw(st.booleans()):
        local += "+" + draw(st.text(alphabet=LOCAL_CHARACTERS, min_size=1, max_size=16))
    local = local[:64].rstrip(".+")
    domain = ".".join(draw(st.lists(labels(), min_size=1, max_size=4)))
    email = f"{local}@{domain}.{draw(st.sampled_from(['fr', 'com', 'bzh', 'eu']))}"
    canonical = canonical_email_or_none(email) if local else None
    # Longer than 254 in punycode: the forms refuse it (their max_length).
    if canonical is None or len(email) > 254 or len(canonical) > 254:
        return draw(st.nothing())
    return email


def _activate(record, typed):
    """The first connection as the screens do it: the form, the mail, the link."""
    form = ActivationRequestForm({"email": typed, "code": record.code})
    assert form.is_valid(), (typed, form.errors)
    request = RequestFactory().post("/portail/activation/")
    request_activation(request, form.cleaned_data["email"], form.cleaned_data["code"])
    token = AccountToken.objects.get(client=record, used_at=None, revoked_at=None)
    return complete_activation(token, PASSWORD)


def _usernames_fit():
    longest = username_length()
    too_long = [name for name in get_user_model().objects.values_list("username", flat=True) if len(name) > longest]
    assert not too_long, too_long


def _logs_in(typed, user):
    form = LoginForm({"email": typed, "password": PASSWORD})
    assert form.is_valid(), (typed, form.errors)
    assert authenticate(None, username=form.cleaned_data["email"], password=PASSWORD) == user
    assert find_user_by_email(typed) == user


@settings(max_examples=40, deadline=None)
@given(addresses(), addresses(), st.data())
@example(LONG, JUST_PAST, None)
@example(JUST_PAST, LONG.upper(), None)
def test_any_address_up_to_254_characters_activates_logs_in_and_moves(first, second, data):
    canonical, moved_to = canonical_email_or_none(first), canonical_email_or_none(second)
    typed = first.upper() if data is None else data.draw(st.sampled_from([first, first.upper(), first.lower()]))
    with transaction.atomic():
        record = factories.client(email=canonical)
        user = _activate(record, typed)
        _usernames_fit()
        assert user.email == canonical
        _logs_in(typed, user)
        assert account_at(typed) == user

        if moved_to != canonical:
            record.email = moved_to
            record.save(update_fields=["email"])
            assert move_login(record, canonical, moved_to) == user
            _usernames_fit()
            _logs_in(second, user)
            assert find_user_by_email(first) is None
        transaction.set_rollback(True)


@settings(max_examples=15, deadline=None)
@given(addresses())
@example(LONG)
def test_an_invited_address_of_any_length_gets_an_account_that_logs_in(email):
    cache.clear()  # the invitation throttle counts on the cache, which no rollback empties
    with transaction.atomic():
        lead = factories.client_user()
        invitation = invitations.invite(factories.client_of(lead), email, by=lead)
        user = invitations.accept_new(invitation, PASSWORD)
        _usernames_fit()
        _logs_in(email, user)
        assert invitations.account_for_email(canonical_email_or_none(email)) == user
        membership = invitations.accept_existing(
            invitations.invite(factories.client(), email, by=None), user
        )  # the same login confirms a second invitation to its address
        assert membership.person == user
        transaction.set_rollback(True)


# Format characters (Unicode Cf) and no-break spaces a copy brings along.
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e", "\u200f", "\u00ad", "\u061c"]
SPACES = ["\u00a0", "\u202f", "\u2007", " "]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(INVISIBLE + SPACES), max_size=3),
    st.lists(st.sampled_from(INVISIBLE + SPACES), max_size=3),
    st.lists(st.tuples(st.integers(0, 300), st.sampled_from(INVISIBLE)), max_size=3),
    st.sampled_from(["Jean.Dupont@Example.fr", "zoe@exämple.fr", JUST_PAST]),
)
@example(["\u200b"], [], [], "jean@example.fr")
@example([], ["\u200b"], [], "jean@example.fr")
def test_invisible_characters_in_a_typed_address_are_dropped_wherever_they_are(before, after, inside, email):
    """The login and first-connection forms read a zero-width space, a
    mark or a soft hyphen the same before, after or inside the address."""
    for position, char in sorted(inside, reverse=True):
        position %= len(email) + 1
        email = email[:position] + char + email[position:]
    typed = "".join(before) + email + "".join(after)
    canonical = canonical_email_or_none("".join(c for c in email if c not in INVISIBLE))
    login = LoginForm({"email": typed, "password": PASSWORD})
    for form in (login, ActivationRequestForm({"email": typed, "code": "X1"})):
        assert form.is_valid(), (typed, form.errors)
        assert form.cleaned_data["email"] == canonical


def test_a_client_who_pastes_an_address_after_a_zero_width_space_activates_and_logs_in():
    record = factories.client(email="anne.durand@example.org")
    user = _activate(record, "\u200bAnne.Durand@example.org\u00a0")
    _logs_in("\ufeffanne.durand@example.org\u200e", user)
