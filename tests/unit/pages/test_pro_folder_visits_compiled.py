"""The folder page's visits, their SQL compiled once (pro_space_folder_queries.visits):
for any SPANC and any of the folders, the same visits, fields, order and
report installation as the ORM's ``access.spanc_visits`` of the folder
(never a visit hidden from the SPANC, cancelled, or of another SPANC's
folder); ``access.visits_of_spanc`` is ``spanc_visits`` from the record;
the shape is kept and a request builds no query."""

import datetime

import pytest
from django.db.models import F
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from aquatiris_portal import access, compiled_queries
from aquatiris_portal.pages import pro_space_folder_queries as folder_queries
from aquatiris_portal.records.visits import Visit, VisitKind
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Two SPANCs, two folders each; each folder has done, planned, undated,
    hidden and cancelled visits, some with a report (one on another folder)."""
    spancs, folders, users = [], [], []
    day = datetime.date(2031, 3, 4)
    n = 0
    for name in ("SPANC de Rance", "SPANC voisin"):
        spanc = factories.spanc(name=name)
        users.append(factories.verified(factories.spanc_user(spanc)))
        for _ in range(2):
            folders.append(factories.installation(spanc=spanc))
        spancs.append(spanc)
    for folder in folders:
        report = factories.document(folder, visible_to_spanc=True)
        private = factories.document(folder, visible_to_spanc=False)
        elsewhere = factories.document(folders[0], visible_to_spanc=True)
        for done, planned, shown, cancelled, doc in (
            (day, day, True, False, report),
            (None, day, True, False, None),
            (None, None, True, False, private),
            (day - datetime.timedelta(days=9), None, True, False, elsewhere),
            (day, day, False, False, report),  # hidden from the SPANC
            (None, day, True, True, None),  # cancelled
        ):
            n += 1
            Visit.objects.create(
                external_id=f"V-{n}",
                installation=folder,
                kind=VisitKind.MAINTENANCE,
                done_on=done,
                planned_for=planned,
                visible_to_spanc=shown,
                cancelled_at=timezone.now() if cancelled else None,
                report_document=doc,
                technician="N'Diaye & fils <script>",
            )
    compiled_queries._shapes.clear()
    return spancs, folders, users


def _fields(visit):
    values = {field.attname: getattr(visit, field.attname) for field in visit._meta.concrete_fields}
    values["report_installation_id"] = visit.report_installation_id
    return values


def _orm_visits(user, folder):
    return list(
        access.spanc_visits(user)
        .filter(installation=folder)
        .prefetch_related(None)
        .annotate(report_installation_id=F("report_document__installation_id"))
        .order_by(F("done_on").desc(nulls_first=True), "-planned_for", "-pk")
    )


@hsettings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.integers(0, 1), pick=st.integers(0, 3))
def test_a_folder_s_visits_are_the_orms(world, which, pick):
    spancs, folders, users = world
    folder = folders[pick]
    visits = folder_queries.visits(spancs[which], folder)
    assert [_fields(v) for v in visits] == [_fields(v) for v in _orm_visits(users[which], folder)]
    if folder.spanc_id != spancs[which].pk:
        assert visits == []  # another SPANC's folder: none of its visits
    else:
        assert len(visits) == 4  # neither the hidden one nor the cancelled one


def test_visits_of_spanc_is_spanc_visits(world):
    spancs, _folders, users = world
    for spanc, user in zip(spancs, users, strict=True):
        mine = access.visits_of_spanc(spanc).order_by("pk")
        assert [(v.pk, v.report) for v in mine] == [(v.pk, v.report) for v in access.spanc_visits(user).order_by("pk")]


def test_the_visits_are_compiled_once(world, django_assert_num_queries):
    spancs, folders, _users = world
    folder_queries.visits(spancs[0], folders[0])
    shapes = dict(compiled_queries._shapes)
    assert len(shapes) == 1 and compiled_queries.UNCACHEABLE not in shapes.values()
    with django_assert_num_queries(1):
        visits = folder_queries.visits(spancs[1], folders[2])
    assert {v.installation_id for v in visits} == {folders[2].pk} and len(visits) == 4
    assert compiled_queries._shapes == shapes  # nothing compiled for this request
