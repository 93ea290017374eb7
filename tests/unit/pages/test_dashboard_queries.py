"""The dashboard's queries run from SQL compiled once per process
(pages/dashboard_queries.py): for any client, person and date their SQL
and parameters are the ORM's, they give the ORM's rows with the same
annotations, and a setting that changes a query's shape is followed."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from aquatiris_portal.compiled_queries import UNCACHEABLE
from aquatiris_portal.enquiries.models import PortalRequest
from aquatiris_portal.enquiries.proof_models import ProofRequest
from aquatiris_portal.models import ProofKind
from aquatiris_portal.notifications.preferences import NotificationPreference
from aquatiris_portal.pages import dashboard_queries
from aquatiris_portal.records.models import DocumentSource
from aquatiris_portal.records.visits import Visit, VisitKind
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.properties]

pks = st.integers(min_value=1, max_value=2**31 - 1)
moments = st.datetimes(datetime.datetime(1970, 1, 2), datetime.datetime(2100, 1, 1), timezones=st.just(datetime.UTC))
days = st.dates(datetime.date(1970, 1, 2), datetime.date(2100, 1, 1))
QUERIES = {
    "installations": (dashboard_queries.INSTALLATIONS, st.fixed_dictionaries({"client": pks})),
    "installations since": (
        dashboard_queries.INSTALLATIONS,
        st.fixed_dictionaries({"client": pks, "since": moments}),
    ),
    "requests": (dashboard_queries.REQUESTS, st.fixed_dictionaries({"client": pks})),
    "next visits": (
        dashboard_queries.NEXT_VISITS,
        st.fixed_dictionaries({"client": pks, "person": pks, "today": days}),
    ),
}


@pytest.mark.parametrize("name", QUERIES)
@settings(deadline=None)
@given(data=st.data())
def test_the_compiled_sql_and_params_are_the_orms(name, data):
    query, values = QUERIES[name]
    values = data.draw(values)
    compiled = query.sql_and_params(**values)
    assert compiled is not None, f"the {name} query is kept compiled"
    orm_sql, orm_params = query.build(**values).query.get_compiler("default").as_sql()
    assert (compiled[0], tuple(compiled[1])) == (orm_sql, tuple(orm_params))


def _fields(instance):
    return {key: value for key, value in vars(instance).items() if not key.startswith("_")}


@pytest.fixture
def client_with_everything():
    """Two installations with documents old and new, a SPANC's request, two
    planned visits and a past one, requests open and closed; another client's
    rows beside them."""
    client = factories.client()
    person = factories.client_user(client)
    first = factories.installation(client=client, reference="AQ-1")
    second = factories.installation(client=client, reference="AQ-2")
    before = timezone.now() - datetime.timedelta(days=3)
    factories.document(first, created_at=before - datetime.timedelta(days=1))
    factories.document(first)
    factories.document(second, source=DocumentSource.SPANC_UPLOAD)
    factories.document(second, visible_to_client=False)
    today = timezone.localdate()
    spanc = factories.spanc()
    ProofRequest.objects.create(
        installation=second, spanc=spanc, kind=ProofKind.objects.first(), due_on=today + datetime.timedelta(days=30)
    )
    for n, (installation, offset) in enumerate(((first, 3), (first, 9), (second, -2))):
        Visit.objects.create(
            external_id=f"V-{n}",
            installation=installation,
            kind=VisitKind.MAINTENANCE,
            planned_for=today + datetime.timedelta(days=offset),
            visible_to_client=True,
        )
    NotificationPreference.objects.create(user=person, kind="visit_reminders", enabled=False)
    for status, kind in (
        (PortalRequest.Status.NEW, PortalRequest.Kind.QUESTION),
        (PortalRequest.Status.CLOSED, PortalRequest.Kind.QUESTION),
        (PortalRequest.Status.CLOSED, PortalRequest.Kind.MAINTENANCE_CONTRACT),
    ):
        PortalRequest.objects.create(client=client, installation=first, status=status, kind=kind, message="…")
    other = factories.installation()
    factories.document(other)
    Visit.objects.create(
        external_id="V-other", installation=other, kind=VisitKind.REPAIR, planned_for=today, visible_to_client=True
    )
    PortalRequest.objects.create(client=other.client, installation=other, kind=PortalRequest.Kind.QUESTION)
    return {"client": client, "person": person, "since": before, "today": today}


def test_the_compiled_queries_give_the_orms_rows_in_one_query_each(client_with_everything):
    facts = client_with_everything
    client, person = facts["client"].pk, facts["person"].pk
    for query, values in (
        (dashboard_queries.INSTALLATIONS, {"client": client}),
        (dashboard_queries.INSTALLATIONS, {"client": client, "since": facts["since"]}),
        (dashboard_queries.REQUESTS, {"client": client}),
        (dashboard_queries.NEXT_VISITS, {"client": client, "person": person, "today": facts["today"]}),
    ):
        expected = list(query.build(**values))
        with CaptureQueriesContext(connection) as queries:
            got = query.instances(**values)
            for row, orm in zip(got, expected, strict=True):
                assert _fields(row) == _fields(orm)
                assert row._state.fields_cache == orm._state.fields_cache  # select_related's records
        assert len(queries) == 1, "related records in the same query"
        assert got, "the fixture gives rows"
    installations = dashboard_queries.INSTALLATIONS.instances(client=client, since=facts["since"])
    assert [(i.reference, i.new_documents, i.has_open_proof) for i in installations] == [
        ("AQ-1", 1, False),
        ("AQ-2", 0, True),
    ]
    visits = dashboard_queries.NEXT_VISITS.instances(client=client, person=person, today=facts["today"])
    assert len(visits) == 2 and {v.reminders_enabled for v in visits} == {False}


def test_a_setting_that_changes_the_shape_is_followed(client_with_everything, settings):
    """Whether clients read their SPANC's uploads is part of the SQL: a
    compiled shape from before the change is not used after it."""
    client = client_with_everything["client"].pk
    assert [i.new_documents for i in dashboard_queries.INSTALLATIONS.instances(client=client)] == [2, 0]
    assert dashboard_queries.INSTALLATIONS.compiled(client=client) is not UNCACHEABLE
    settings.AQUATIRIS_PORTAL_CLIENTS_SEE_SPANC_UPLOADS = True
    assert [i.new_documents for i in dashboard_queries.INSTALLATIONS.instances(client=client)] == [2, 1]
