"""The example site's PostgreSQL options, which this suite runs with:
parameters bound server-side, and a query run five times on one connection
prepared, so PostgreSQL plans it once (the folder list's page query spent
~0.4 ms of its ~1 ms planning on every request)."""

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from aquatiris_portal.records.models import Installation

pytestmark = pytest.mark.integration


def prepared_statements():
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


@pytest.mark.django_db
def test_this_suite_runs_with_the_example_sites_postgresql_options(postgres):
    assert settings.DATABASES["default"]["OPTIONS"] == settings.DATABASE_POSTGRESQL_OPTIONS
    assert settings.DATABASE_POSTGRESQL_OPTIONS["server_side_binding"] is True
    connection.ensure_connection()
    assert not issubclass(connection.connection.cursor_factory, psycopg.ClientCursor)


@pytest.mark.django_db
def test_a_query_repeated_on_a_connection_is_prepared_once(postgres):
    table = Installation._meta.db_table
    threshold = connection.settings_dict["OPTIONS"].get("prepare_threshold") or 5
    for pk in range(1, threshold):
        assert not Installation.objects.filter(pk=pk).exists()
    assert not [s for s in prepared_statements() if table in s]
    for pk in range(threshold, threshold + 3):  # other values, the same statement
        assert not Installation.objects.filter(pk=pk).exists()
    assert len([s for s in prepared_statements() if table in s]) == 1
