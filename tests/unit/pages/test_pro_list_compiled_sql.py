"""The folder list's page query, compiled once per shape (pro_space_list_sql):
for any SPANC, search, sort, filter, page and day, the cached SQL and its
parameters are the ORM's, and so are the rows; one SPANC's compiled shape
gives another SPANC its own folders only; a shape whose values would be
written into the SQL text is never cached."""

import datetime

import pytest
from django.db import connection
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from aquatiris_portal import compiled_queries
from aquatiris_portal.models import Installation, ProofKind, ProofRequest
from aquatiris_portal.pages import pro_space_folders as folders_
from aquatiris_portal.pages import pro_space_list_page as list_page
from aquatiris_portal.pages import pro_space_list_sql as list_sql
from aquatiris_portal.records.models import Stage
from tests import factories
from tests.unit._pro_space import bulk_folders

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)


@pytest.fixture
def territories():
    """Two SPANCs' folders: stages, maintenance and installation dates, proof
    requests (requested, received, overdue), documents of their own."""
    spancs = []
    kind = ProofKind.objects.create(name="Contrat d'entretien")
    stages = [Stage.STUDY, Stage.COMMISSIONED, Stage.MAINTENANCE]
    for prefix, count in (("A", 30), ("B", 7)):
        spanc = factories.spanc()
        agent = factories.spanc_user(spanc)
        for n, folder in enumerate(bulk_folders(spanc, count, prefix=prefix)):
            folder.stage = stages[n % 3]
            folder.installed_on = TODAY - datetime.timedelta(days=200 * n)
            folder.last_maintenance_on = TODAY - datetime.timedelta(days=150 * n) if n % 4 else None
            folder.save(update_fields=["stage", "installed_on", "last_maintenance_on"])
            if n % 3 == 0:
                factories.document(folder, title="Envoi", visible_to_spanc=False, uploaded_by_spanc=spanc)
            if n % 2:
                ProofRequest.objects.create(
                    installation=folder,
                    spanc=spanc,
                    asked_by=agent,
                    kind=kind,
                    due_on=TODAY + datetime.timedelta(days=(n % 5 - 2) * 10),
                    status="received" if n % 5 == 0 else "requested",
                )
        spancs.append(spanc)
    compiled_queries._shapes.clear()
    return spancs


def _values(spanc, words, today, overdue_months):
    cutoff = folders_.overdue_cutoff(overdue_months, today) if overdue_months else None
    return {"spanc": spanc, "words": words, "today": today, "cutoff": cutoff}


SORTS = [f"{sign}{key}" for key in folders_.SORTS for sign in ("", "-")]
STAGES = [folders_.STAGE_ALL, folders_.STAGE_SERVICE, *Stage.values]


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    which=st.sampled_from([0, 1]),
    words=st.lists(st.sampled_from(["NOM0", "PAUL", "RENNES", "AQ", "DINAN", "ZZZ", "35"]), max_size=3),
    sort=st.sampled_from(SORTS),
    overdue_months=st.sampled_from([None, 12, 24]),
    stage=st.sampled_from(STAGES),
    proof=st.sampled_from(["", *folders_.proofs.FILTERS]),
    number=st.integers(1, 3),
    days=st.integers(-400, 400),
)
def test_the_cached_sql_params_and_rows_are_the_orms(
    territories, which, words, sort, overdue_months, stage, proof, number, days
):
    today = TODAY + datetime.timedelta(days=days)
    values = _values(territories[which], words, today, overdue_months)
    filters = {"sort": sort, "stage": stage, "proof": proof}
    orm = list_page.page_queryset(filters, number, **values)
    shape = (sort, len(words), overdue_months is not None, stage, proof, number)
    build = lambda **m: list_page.page_queryset(filters, number, **m)  # noqa: E731
    values_of_shape = {**values, "folder": None, "words": list(words)}

    compiled = compiled_queries.compiled(("pro space", *shape), build, values_of_shape, optional=("today",))

    assert compiled is not compiled_queries.UNCACHEABLE
    sql, params = compiled_queries.sql_and_params(compiled, connection, values_of_shape)
    orm_sql, orm_params = orm.query.sql_with_params()
    assert (sql, tuple(params)) == (orm_sql, tuple(orm_params))
    expected = list(orm)
    assert list_sql.rows(build, shape, **values) == expected
    folders = list_page.page_folders(values, filters, number)
    assert [(f.pk, f.client.pk, f.document_count, f.proof_status) for f in folders] == [
        (row[0], row[len(list_page.FOLDER_FIELDS)], row[-6], row[-3]) for row in expected
    ]


def test_a_shape_compiled_for_one_spanc_gives_another_its_own_folders(territories):
    first, second = territories
    filters = {"sort": "name", "stage": folders_.STAGE_ALL, "proof": ""}
    seen = {}
    for spanc in (first, second, first):
        folders = list_page.page_folders(_values(spanc, [], TODAY, None), filters, 1)
        seen[spanc.pk] = {folder.pk for folder in folders}
        assert {folder.spanc_id for folder in folders} == {spanc.pk}
    assert len(compiled_queries._shapes) == 1  # one shape, compiled once, for both
    assert seen[second.pk] == set(Installation.objects.filter(spanc=second).values_list("pk", flat=True))


def test_the_page_s_folders_carry_their_client_and_figures_without_a_query(territories, django_assert_num_queries):
    filters = {"sort": "name", "stage": folders_.STAGE_ALL, "proof": ""}
    values = _values(territories[1], [], TODAY, None)
    list_page.page_folders(values, filters, 1)  # compiled
    with django_assert_num_queries(1):
        folders = list_page.page_folders(values, filters, 1)
        names = [(folder.client.last_name, folder.document_count, folder.list_total) for folder in folders]
    assert names[0] == ("Nom00000", 2, 7)  # one shared document, its own upload; not the unshared one
    # What the list does not show is read on access (deferred), never wrong.
    stored = Installation.objects.select_related("client").get(pk=folders[0].pk)
    assert (folders[0].external_id, folders[0].client.email) == (stored.external_id, stored.client.email)


def test_a_value_written_into_the_sql_text_is_never_cached(territories):
    spanc = territories[0]

    def build(spanc, **_markers):
        inlined = Installation.objects.filter(spanc=spanc).extra(where=[f"spanc_id = {spanc.pk}"])  # noqa: S610
        return inlined.order_by("pk").values_list("pk")

    rows = list_sql.rows(build, ("inlined",), spanc=spanc, words=[], today=TODAY, cutoff=None)
    assert rows == list(Installation.objects.filter(spanc=spanc).order_by("pk").values_list("pk"))
    assert list(compiled_queries._shapes.values()) == [compiled_queries.UNCACHEABLE]


def test_the_cache_holds_a_bounded_number_of_shapes(territories, monkeypatch):
    monkeypatch.setattr(compiled_queries, "MAX_SHAPES", 3)
    filters = {"sort": "name", "stage": folders_.STAGE_ALL, "proof": ""}
    for number in range(1, 7):
        list_page.page_folders(_values(territories[0], [], TODAY, None), filters, number)
    assert len(compiled_queries._shapes) == 3
