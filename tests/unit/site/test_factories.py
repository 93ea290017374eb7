"""The test factories' varied shapes (tests/factories.py) stay usable: two
records never share a code once separators, case and spaces are ignored
(``code_key`` is unique, so a clash would fail unrelated tests at random),
and every email shape is an address the portal accepts."""

from hypothesis import given
from hypothesis import strategies as st

from aquatiris_portal.records.codes import canonical_code
from aquatiris_portal.records.emails import canonical_email
from tests import factories

numbers = st.integers(min_value=1, max_value=10**7)


@given(numbers, numbers, st.data())
def test_two_factory_codes_never_share_their_canonical_form(first, second, data):
    for shapes in (factories.CLIENT_CODES, factories.SPANC_CODES):
        a, b = data.draw(st.sampled_from(shapes)), data.draw(st.sampled_from(shapes))
        if (a, first) != (b, second):
            assert canonical_code(a(first)) != canonical_code(b(second)), (a(first), b(second))


@given(numbers)
def test_every_factory_email_is_one_the_portal_accepts(n):
    for shape in (*factories.CLIENT_EMAILS, *factories.SPANC_EMAILS):
        assert canonical_email(shape(n))
