"""What exports carry and people type, at the records' canonical forms.

- A login derived from an address too long for a username fits the column,
  is one per address and is never an address (another person's login).
- An address whose ASCII form is longer than 254 characters (an IDN domain
  grows in punycode) is refused, at the form and at the import, rather
  than failing on a 254-character column.
"""

import string

import pytest
from django.contrib.auth import get_user_model
from hypothesis import example, given
from hypothesis import strategies as st

from aquatiris_portal.records.emails import InvalidEmail, canonical_email, canonical_email_or_none, login_name
from aquatiris_portal.sync.validation import Rejected, check_email
from tests.unit.accounts.test_real_inputs_round12 import JUST_PAST, LONG, addresses


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


@pytest.mark.parametrize(
    "typed",
    [
        # 234 characters as typed, 269 in punycode: no mail server takes it.
        "a@" + ".".join(["é" + "b" * 44] * 5) + ".fr",
    ],
)
def test_an_address_over_254_characters_in_ascii_is_refused_at_the_form_and_the_import(typed):
    assert len(typed) <= 254
    with pytest.raises(InvalidEmail):
        canonical_email(typed)
    with pytest.raises(Rejected):
        check_email(typed)
