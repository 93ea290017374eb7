"""The memberships' query runs from SQL compiled once per process
(compiled_queries.py, access.memberships_for): for any person its SQL and
parameters are the ORM's, and it gives the same memberships with their
client, SPANC, person and account loaded, in one query."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from aquatiris_portal import access
from aquatiris_portal.accounts.models import Membership
from aquatiris_portal.compiled_queries import UNCACHEABLE, CompiledQuery
from tests import factories

pytestmark = pytest.mark.django_db


@settings(max_examples=60, deadline=None)
@given(person_id=st.integers(min_value=1, max_value=2**62))
def test_the_compiled_sql_and_params_are_the_orms(person_id):
    compiled = access._memberships_query().sql_and_params(person_id=person_id)
    assert compiled is not None, "the memberships' query is kept compiled"
    sql, params = compiled
    orm_sql, orm_params = access._memberships_of_person(person_id).query.get_compiler("default").as_sql()
    assert (sql, tuple(params)) == (orm_sql, tuple(orm_params))


def _fields(instance):
    return {key: value for key, value in vars(instance).items() if not key.startswith("_")}


def test_the_compiled_query_gives_the_orms_memberships_with_their_records_loaded():
    landlord = factories.client_user()
    second = factories.client()
    Membership.objects.create(person=landlord, role=Membership.Role.HOUSEHOLD, client=second)
    Membership.objects.create(person=landlord, role=Membership.Role.AGENT, spanc=factories.spanc())
    gone = Membership.objects.create(person=landlord, role=Membership.Role.HOUSEHOLD, client=factories.client())
    Membership.objects.filter(pk=gone.pk).update(removed_at=timezone.now())
    factories.client_user()  # someone else's memberships stay out

    expected = list(access._memberships_of_person(landlord.pk))
    with CaptureQueriesContext(connection) as queries:
        got = access._memberships_query().instances(person_id=landlord.pk)
        assert len(queries) == 1
        for membership, orm in zip(got, expected, strict=True):
            assert _fields(membership) == _fields(orm)
            assert membership.client == orm.client and membership.spanc == orm.spanc
            assert membership.person == landlord
            assert membership.person.portal_account == orm.person.portal_account
        assert len(queries) == 1, "the records came in the same query"
    assert [m.pk for m in got] == [m.pk for m in expected] and len(got) == 3
    assert access._memberships_query().instances(person_id=-1) == []


def test_a_shape_with_its_value_in_the_sql_text_is_left_to_the_orm():
    # The value written into the SQL text (an int we pass: no injection).
    query = CompiledQuery(lambda value: Membership.objects.extra(where=[f"id <> {int(value)}"]))  # noqa: S610
    assert query.compiled(value=-5) is UNCACHEABLE
    person = factories.client_user()
    mine = Membership.objects.filter(person=person).values_list("pk", flat=True)
    assert [m.pk for m in query.instances(value=-5)] == list(mine)
