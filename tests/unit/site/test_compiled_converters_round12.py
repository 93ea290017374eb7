"""compiled_queries keeps a shape's column converters with its SQL: a
request applies them and never looks them up again (Django looks up two
per column on every query), and the values are still the ORM's. The
converters are kept per database vendor, as the SQL is."""

import datetime

import pytest
from django.db import connection, connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aquatiris_portal import compiled_queries
from aquatiris_portal.records.models import PortalDocument
from tests import factories

pytestmark = pytest.mark.django_db


def _documents(installation, since=None):
    found = PortalDocument.objects.filter(installation_id=installation).select_related("installation")
    if since is not None:
        found = found.filter(created_at__gt=since)
    return found.order_by("pk")


def _columns(installation, since=None):
    # A date, an aware datetime, a boolean and a text: SQLite converts the first three.
    return _documents(installation, since).values_list("pk", "issued_on", "created_at", "title", "installation__pk")


@pytest.fixture
def home():
    home = factories.installation()
    for n in range(4):
        factories.document(home, title=f"Rapport {n}", issued_on=datetime.date(2020, 1, 1 + n) if n % 2 else None)
    return home


@pytest.fixture
def lookups(monkeypatch):
    """How many times the backend is asked for a column's converters."""
    calls = []
    ops_class = type(connection.ops)
    original = ops_class.get_db_converters

    def counted(self, expression):
        calls.append(expression)
        return original(self, expression)

    monkeypatch.setattr(ops_class, "get_db_converters", counted)
    return calls


@pytest.mark.parametrize("run", ["rows", "instances"])
def test_a_kept_shape_looks_its_converters_up_once_not_per_request(home, lookups, run):
    compiled_queries._shapes.clear()
    build = _columns if run == "rows" else _documents
    since = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    for values in ({"installation": home.pk}, {"installation": home.pk, "since": since}):  # two shapes
        getattr(compiled_queries, run)(("converters", run), build, values)
        assert lookups, "the first request compiles the shape and looks its converters up"
        lookups.clear()
        for _request in range(2):
            got = getattr(compiled_queries, run)(("converters", run), build, values)
            assert lookups == [], "a request applies the kept converters"
            assert got == list(build(**values)) and len(got) == 4
            lookups.clear()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(since=st.none() | st.datetimes(timezones=st.just(datetime.UTC)), other=st.booleans())
def test_the_kept_converters_give_the_orms_values(home, since, other):
    installation = factories.installation().pk if other else home.pk
    values = {"installation": installation} if since is None else {"installation": installation, "since": since}
    rows = compiled_queries.rows("converted rows", _columns, values)
    assert rows == list(_columns(**values))
    assert all(type(row) is tuple for row in rows)
    documents = compiled_queries.instances("converted documents", _documents, values)
    expected = list(_documents(**values))
    assert documents == expected
    assert [(d.issued_on, d.created_at, d.installation.reference) for d in documents] == [
        (d.issued_on, d.created_at, d.installation.reference) for d in expected
    ]


def test_the_converters_are_kept_per_vendor(home, monkeypatch):
    compiled_queries._shapes.clear()
    first = compiled_queries.compiled("vendor", _columns, {"installation": home.pk})
    monkeypatch.setattr(type(connections["default"]), "vendor", "another")
    other = compiled_queries.compiled("vendor", _columns, {"installation": home.pk})
    assert other is not first and len(compiled_queries._shapes) == 2
    assert compiled_queries.compiled("vendor", _columns, {"installation": home.pk}) is other
