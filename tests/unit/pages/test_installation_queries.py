"""The installation and documents screens' queries, compiled once per
process (pages/installation_queries.py): the SQL and parameters a request
runs are the ORM's for its values, the rows are the ORM's rows, and a
setting the access rules read gives its own SQL."""

import datetime

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aquatiris_portal import compiled_queries
from aquatiris_portal.models import PortalDocument
from aquatiris_portal.pages import client_visits, installation_queries
from aquatiris_portal.records.visits import Visit
from tests import factories

pytestmark = pytest.mark.django_db

ids = st.integers(min_value=1, max_value=2**31 - 1)
days = st.dates(min_value=datetime.date(1950, 1, 1), max_value=datetime.date(2200, 1, 1))
moments = st.datetimes(
    min_value=datetime.datetime(1950, 1, 1), max_value=datetime.datetime(2200, 1, 1), timezones=st.just(datetime.UTC)
)
SHAPES = {
    "themes": (installation_queries.themes_query, {"client": ids, "installation": ids, "since": moments}),
    "themes, all new": (installation_queries.themes_query, {"client": ids, "installation": ids}),
    "visits": (
        installation_queries.visits_query,
        {"client": ids, "installation": ids, "person": ids, "today": days},
    ),
    "documents": (
        lambda **values: installation_queries.documents_query(**values, offset=50, per_page=50),
        {"client": ids, "installation": ids},
    ),
}


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("spanc_uploads_shown", [False, True])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_compiled_sql_is_the_orms_for_any_values(shape, spanc_uploads_shown, data, settings):
    settings.AQUATIRIS_PORTAL_CLIENTS_SEE_SPANC_UPLOADS = spanc_uploads_shown
    build, strategies = SHAPES[shape]
    values = {name: data.draw(strategy, label=name) for name, strategy in strategies.items()}
    compiled = compiled_queries.compiled(("test", shape), build, values)
    assert compiled is not compiled_queries.UNCACHEABLE
    expected_sql, expected_params = build(**values).query.get_compiler(using="default").as_sql()
    sql, params = compiled_queries.sql_and_params(compiled, connection, values)
    assert sql == expected_sql
    assert params == list(expected_params)


@pytest.fixture
def installation():
    client = factories.client()
    installation = factories.installation(client=client)
    other = factories.installation(client=client)
    study = factories.theme()
    for n in range(3):
        factories.document(installation, title=f"Étude {n}", theme=study)
    factories.document(installation, title="Sans thème", theme=None)
    factories.document(installation, title="Caché", visible_to_client=False)
    factories.document(installation, title="Téléversé par le SPANC", source="spanc_upload")
    factories.document(other, title="L'autre installation")
    report = factories.document(installation, title="Rapport")
    hidden = factories.document(installation, title="Rapport caché", visible_to_client=False)
    today = datetime.date(2026, 6, 1)
    for n, data in enumerate(
        [
            dict(done_on=datetime.date(2026, 1, 5), report_document=report),
            dict(done_on=datetime.date(2025, 1, 5), report_document=hidden),
            dict(planned_for=today + datetime.timedelta(days=20)),
            dict(planned_for=today + datetime.timedelta(days=3), slot="morning"),
            dict(planned_for=today - datetime.timedelta(days=3)),  # past, never done: not shown
            dict(planned_for=today + datetime.timedelta(days=1), visible_to_client=False),
        ]
    ):
        Visit.objects.create(
            external_id=f"V-{n}", installation=installation, kind="maintenance", **{"visible_to_client": True, **data}
        )
    Visit.objects.create(
        external_id="V-other", installation=other, kind="repair", done_on=today, visible_to_client=True
    )
    user = factories.client_user(client)
    return {"client": client, "installation": installation, "user": user, "today": today}


@pytest.mark.parametrize("spanc_uploads_shown", [False, True])
def test_the_rows_are_the_orms_and_follow_the_setting(installation, spanc_uploads_shown, settings):
    """Run twice in a process (the second from the compiled SQL), each time
    as the ORM reads them, with or without the SPANC's uploads."""
    settings.AQUATIRIS_PORTAL_CLIENTS_SEE_SPANC_UPLOADS = spanc_uploads_shown
    client, home = installation["client"], installation["installation"]
    since = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    for _ in range(2):
        for shape_values, build, run in [
            (
                {"client": client.pk, "installation": home.pk, "since": since},
                installation_queries.themes_query,
                lambda: installation_queries.themes(client, home, since),
            ),
            (
                {"client": client.pk, "installation": home.pk},
                lambda **values: installation_queries.documents_query(**values, offset=0, per_page=50),
                lambda: installation_queries.documents(client, home, 0, 50),
            ),
        ]:
            assert run() == list(build(**shape_values))
    titles = {row[1] for row in installation_queries.documents(client, home, 0, 50)}
    assert ("Téléversé par le SPANC" in titles) is spanc_uploads_shown
    assert "Caché" not in titles and "L'autre installation" not in titles


def test_the_visits_are_those_client_visits_reads(installation):
    """The same visits, reports and reminder choices as client_visits.installation_visits."""
    user, client, home, today = (installation[key] for key in ("user", "client", "installation", "today"))
    expected_next, expected_log = client_visits.installation_visits(user, home, today=today)
    for _ in range(2):
        visits = installation_queries.visits(user, client, home, today)
        log = [visit for visit in visits if visit.done_on is not None]
        upcoming = [visit for visit in visits if visit.done_on is None]
        assert [visit.pk for visit in log] == [visit.pk for visit in expected_log]
        assert min(upcoming, key=lambda visit: (visit.planned_for, visit.pk)).pk == expected_next.pk
        for mine, theirs in zip(log, expected_log, strict=True):
            assert (mine.report and mine.report.pk) == (theirs.report and theirs.report.pk)
            assert mine.reminders_enabled == theirs.reminders_enabled
            assert [getattr(mine, f.attname) for f in Visit._meta.concrete_fields] == [
                getattr(theirs, f.attname) for f in Visit._meta.concrete_fields
            ]
    readable = [visit.report.title for visit in log if visit.report]
    assert readable == ["Rapport"]  # the hidden report is not the client's to read
    assert PortalDocument.objects.filter(title="Rapport caché").exists()


def test_the_space_installations_are_the_orms(installation, django_assert_num_queries):
    """space_context's installations for an installation's screens: the
    client's, in reference order, franchisee read with them, ``has_dossier``
    for the person who asked; the same from the compiled SQL as from the ORM."""
    from aquatiris_portal.enquiries.archive_models import PersonalArchive

    user, client, home = (installation[key] for key in ("user", "client", "installation"))
    PersonalArchive.objects.create(
        kind=PersonalArchive.Kind.DOSSIER, requested_by=user, client=client, installation=home
    )
    factories.installation()  # another client's
    expected = list(installation_queries._space_installations(client.pk, user.pk))
    for _ in range(2):
        with django_assert_num_queries(1):
            found = installation_queries.space_installations(client, user)
            assert [(item.pk, item.has_dossier, item.franchisee.company) for item in found] == [
                (item.pk, item.has_dossier, item.franchisee.company) for item in expected
            ]
    assert [item.has_dossier for item in found].count(True) == 1 and len(found) == 2
