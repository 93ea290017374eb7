"""The one facility for SQL compiled once per shape (compiled_queries.py):
for drawn values of every kind (ids, model instances, dates, aware
datetimes, search words with LIKE's own characters, None) the compiled
SQL and parameters are the ORM's and so are the rows and instances; the
shapes it keeps are bounded; a shape whose marker is written into the SQL
text, missing from the parameters, transformed, prefetched or empty is
left to the ORM; a setting change forgets every shape; threads share the
shapes safely. Each user's own tests (dashboard, installation screens, pro
space, memberships) prove its queries the same way."""

import datetime
import threading

import pytest
from django.core.signals import setting_changed
from django.db import connection
from django.db.models import Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aquatiris_portal import access, compiled_queries
from aquatiris_portal.pages import dashboard_queries, installation_queries
from aquatiris_portal.pages import pro_space_folder_queries as folder_queries
from aquatiris_portal.records.models import Installation, PortalDocument, Spanc
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.properties]

ids = st.integers(min_value=1, max_value=2**31 - 1)
days = st.dates(datetime.date(1902, 1, 1), datetime.date(2200, 1, 1))
moments = st.datetimes(datetime.datetime(1902, 1, 1), datetime.datetime(2200, 1, 1), timezones=st.just(datetime.UTC))
# Search words with what LIKE treats specially (%, _, \), quotes and accents.
words = st.lists(st.text(st.sampled_from("ab%_\\'éÉ Z0"), min_size=1, max_size=6), max_size=3)


def _documents(installation, since=None, day=None, words=(), spanc=None):
    """Every kind of value in one shape (None: that filter is left out)."""
    found = PortalDocument.objects.filter(installation_id=installation)
    if since is not None:
        found = found.filter(created_at__gt=since)
    if day is not None:
        found = found.filter(Q(issued_on__isnull=True) | Q(issued_on__lte=day))
    for word in words:
        found = found.filter(title__icontains=word)
    if spanc is not None:
        found = found.filter(installation__spanc=spanc)
    return found.order_by("pk")


def _two_word_lists(installation, titles, names):
    found = PortalDocument.objects.filter(installation_id=installation)
    for word in titles:
        found = found.filter(title__icontains=word)
    for word in names:
        found = found.filter(filename__icontains=word)
    return found


many_words = st.lists(st.text(st.sampled_from("ab%_\\Z"), min_size=1, max_size=3), max_size=12)
# The users' shapes, each drawn with its own values (module, build, values).
SHAPES = {
    "all kinds": (
        _documents,
        st.fixed_dictionaries(
            {"installation": ids},
            optional={"since": moments, "day": days, "words": words, "spanc": ids.map(lambda pk: Spanc(pk=pk))},
        ),
    ),
    "two lists of many words": (
        _two_word_lists,
        st.fixed_dictionaries({"installation": ids, "titles": many_words, "names": many_words}),
    ),
    "memberships": (access._memberships_of_person, st.fixed_dictionaries({"person_id": ids})),
    "dashboard installations": (
        dashboard_queries._installations,
        st.fixed_dictionaries({"client": ids}, optional={"since": moments}),
    ),
    "dashboard visits": (
        dashboard_queries._next_visits,
        st.fixed_dictionaries({"client": ids, "person": ids, "today": days}),
    ),
    "installation visits": (
        installation_queries.visits_query,
        st.fixed_dictionaries({"client": ids, "installation": ids, "person": ids, "today": days}),
    ),
    "space installations": (
        installation_queries._space_installations,
        st.fixed_dictionaries({"client": ids, "person": ids}),
    ),
    "pro folder documents": (
        folder_queries._documents,
        st.fixed_dictionaries({"spanc": ids.map(lambda pk: Spanc(pk=pk)), "folder": ids}),
    ),
}


@pytest.mark.parametrize("shape", SHAPES)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_the_compiled_sql_and_params_are_the_orms_for_drawn_values(shape, data):
    build, strategy = SHAPES[shape]
    values = data.draw(strategy, label="values")
    found = compiled_queries.compiled(("test", shape), build, values)
    assert found is not compiled_queries.UNCACHEABLE, f"the {shape} shape is kept"
    orm_sql, orm_params = build(**values).query.get_compiler(using="default").as_sql()
    sql, params = compiled_queries.sql_and_params(found, connection, values)
    assert (sql, params) == (orm_sql, list(orm_params))


@pytest.fixture
def documents():
    spanc = factories.spanc()
    home = factories.installation(spanc=spanc)
    titles = ["Rapport 100%", "plan_b", "C:\\dossier", "L'été", "ÉTÉ", "zz0", "a%b_c\\d"]
    for n, title in enumerate(titles):
        factories.document(home, title=title, issued_on=datetime.date(2020, 1, 1 + n) if n % 2 else None)
    factories.document(factories.installation(), title="Rapport 100% d'un autre")
    return home


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    chosen=st.fixed_dictionaries({}, optional={"since": moments, "day": days, "words": words, "spanc": st.just("own")}),
)
def test_the_rows_and_instances_are_the_orms(documents, chosen):
    values = {"installation": documents.pk, **chosen}
    if "spanc" in values:
        values["spanc"] = documents.spanc
    expected = list(_documents(**values))
    assert compiled_queries.instances("documents", _documents, values) == expected
    columns = lambda **values: _documents(**values).values_list("pk", "title", "issued_on")  # noqa: E731
    assert compiled_queries.rows("document rows", columns, values) == list(columns(**values))
    assert compiled_queries.compiled("documents", _documents, values) is not compiled_queries.UNCACHEABLE


def test_the_kept_shapes_are_bounded_and_the_least_used_goes_first(monkeypatch):
    monkeypatch.setattr(compiled_queries, "MAX_SHAPES", 3)
    compiled_queries._shapes.clear()
    for shape in range(6):
        compiled_queries.compiled(("bounded", shape), _documents, {"installation": 1})
        compiled_queries.compiled(("bounded", 0), _documents, {"installation": 1})  # used on every page
    assert len(compiled_queries._shapes) == 3
    assert [key[0] for key in compiled_queries._shapes] == [("bounded", 4), ("bounded", 5), ("bounded", 0)]


def _inlined(installation):
    # The value a parameter and also written into the SQL text (an int we pass: no injection).
    documents = PortalDocument.objects.filter(installation_id=installation)
    return documents.extra(where=[f"installation_id = {int(installation)}"])  # noqa: S610


def test_a_shape_whose_marker_lands_in_the_sql_text_is_not_kept(documents):
    compiled_queries._shapes.clear()
    got = compiled_queries.instances("inlined", _inlined, {"installation": documents.pk})
    assert [d.pk for d in got] == [d.pk for d in _inlined(documents.pk)] and len(got) == 7
    assert list(compiled_queries._shapes.values()) == [compiled_queries.UNCACHEABLE]


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(
            lambda installation: Installation.objects.filter(pk__gte=installation, pk__lt=installation + 1),
            id="an id computed",
        ),
        pytest.param(
            lambda day: PortalDocument.objects.filter(
                issued_on__gte=day, issued_on__lt=day + datetime.timedelta(days=1)
            ),
            id="a day computed",
        ),
        pytest.param(
            lambda day: PortalDocument.objects.filter(
                issued_on__lte=day, issued_on__gte=day - datetime.timedelta(days=730)
            ),
            id="a day two years before",
        ),
        pytest.param(
            lambda installation: Installation.objects.filter(pk__gte=installation, pk__lt=installation * 2),
            id="an id times two",
        ),
        pytest.param(lambda installation: Installation.objects.all(), id="a value unused"),
        pytest.param(lambda installation: Installation.objects.filter(pk__in=[]), id="empty"),
        pytest.param(
            lambda installation: Installation.objects.filter(pk=installation).prefetch_related("documents"),
            id="prefetched",
        ),
    ],
)
def test_a_shape_the_markers_cannot_describe_is_left_to_the_orm(build, documents):
    name = "day" if "day" in build.__code__.co_varnames else "installation"
    value = datetime.date(2020, 1, 1) if name == "day" else documents.pk
    assert compiled_queries.compiled(("orm", build), build, {name: value}) is compiled_queries.UNCACHEABLE
    got = compiled_queries.instances(("orm", build), build, {name: value})
    assert [item.pk for item in got] == [item.pk for item in build(**{name: value})]


def test_a_value_the_caller_says_a_shape_may_leave_unused_is_not_required():
    build = lambda installation, today: Installation.objects.filter(pk=installation)  # noqa: E731
    values = {"installation": 5, "today": datetime.date(2026, 1, 1)}
    assert compiled_queries.compiled("today unused", build, values) is compiled_queries.UNCACHEABLE
    assert compiled_queries.compiled("today optional", build, values, optional=("today",)) is not (
        compiled_queries.UNCACHEABLE
    )


def test_a_setting_change_forgets_every_shape_even_one_compiling_meanwhile():
    compiled_queries.compiled("before", _documents, {"installation": 1})
    assert compiled_queries._shapes
    setting_changed.send(sender=None, setting="AQUATIRIS_PORTAL_CLIENTS_SEE_SPANC_UPLOADS", value=True, enter=True)
    assert not compiled_queries._shapes

    def changing(installation):
        setting_changed.send(sender=None, setting="AQUATIRIS_PORTAL_X", value=True, enter=True)
        return _documents(installation)

    assert compiled_queries.compiled("during", changing, {"installation": 1}) is not compiled_queries.UNCACHEABLE
    assert not compiled_queries._shapes, "a shape compiled with the old settings is not kept"


def test_threads_share_the_shapes_and_the_bound_holds(monkeypatch):
    monkeypatch.setattr(compiled_queries, "MAX_SHAPES", 4)
    compiled_queries._shapes.clear()
    wrong, start = [], threading.Barrier(6)

    def work(thread):
        start.wait()
        for n in range(30):
            values = {
                "installation": 1000 * thread + n,
                "since": datetime.datetime(2026, 1, 1 + n % 28, tzinfo=datetime.UTC),
            }
            found = compiled_queries.compiled(("threads", n % 8), _documents, values)
            sql, params = compiled_queries.sql_and_params(found, connection, values)
            if params != list(_documents(**values).query.get_compiler(using="default").as_sql()[1]):
                wrong.append((thread, n))

    threads = [threading.Thread(target=work, args=(thread,)) for thread in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == [] and len(compiled_queries._shapes) <= 4
