"""Property: whatever rows the access log holds (any client, any reader, any
person or none), « Qui a consulté » lists for a person of a client exactly
that client's rows by a reader other than the internal system and other than
that person, newest first."""

import datetime

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aquatiris_portal.pages.document_accesses import accesses_for
from aquatiris_portal.security_log.access_models import DocumentAccess
from aquatiris_portal.security_log.document_access import entry
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.properties]

Actor = DocumentAccess.Actor
ROWS = st.lists(
    st.tuples(st.integers(0, 1), st.sampled_from(list(Actor)), st.integers(0, 2), st.integers(0, 10_000)), max_size=25
)


@pytest.fixture
def pair():
    clients = [factories.client(), factories.client()]
    viewer = factories.client_user(clients[0])
    other = factories.user()
    return clients, viewer, other


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ROWS)
def test_the_page_lists_exactly_the_clients_rows_by_others(pair, rows):
    clients, viewer, other = pair
    DocumentAccess.objects.all().delete()
    now = timezone.now()
    made = []
    for client_index, actor, person, minutes in rows:
        user = (viewer, other, None)[person]
        row = entry(
            route="test",
            actor=actor,
            file_kind="document",
            file_id=1,
            title="t",
            client_id=clients[client_index].pk,
            user=user,
        )
        row.created_at = now - datetime.timedelta(minutes=minutes)
        row.save()
        made.append(row)
    expected = [
        row.pk
        for row in sorted(made, key=lambda row: (row.created_at, row.pk), reverse=True)
        if row.client_id == clients[0].pk and row.actor != Actor.SYSTEM and row.user_id != viewer.pk
    ]
    assert list(accesses_for(viewer, clients[0]).values_list("pk", flat=True)) == expected
