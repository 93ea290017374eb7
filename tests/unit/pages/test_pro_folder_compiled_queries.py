"""The folder page's queries compiled once (pro_space_folder_queries): for
any SPANC and any folder id, the folder, its documents and its proof
requests are what ``access`` and the ORM give (the same rows, fields,
joined client, franchisee and senders); another SPANC's folder, an unknown,
negative or huge id is a 404; nothing is compiled per request."""

import datetime

import pytest
from django.http import Http404
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from aquatiris_portal import access, compiled_queries
from aquatiris_portal.models import ProofKind, ProofRequest
from aquatiris_portal.pages import pro_space_folder_queries as folder_queries
from aquatiris_portal.pages import proof_views
from aquatiris_portal.records.models import DocumentSource
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Two SPANCs, each with folders holding shared, private and uploaded
    documents (one by an agent, one without), and proof requests."""
    kinds = [ProofKind.objects.create(name=name) for name in ("Contrat d'entretien", "Vidange")]
    spancs, folders = [], []
    for name in ("SPANC de Rance", "SPANC voisin"):
        spanc = factories.spanc(name=name)
        agent = factories.spanc_user(spanc)
        for n in range(3):
            folder = factories.installation(spanc=spanc, client=factories.client(last_name=f"N'Diaye & fils {n}"))
            factories.document(folder, title="Partagé", visible_to_spanc=True)
            factories.document(folder, title="Privé", visible_to_spanc=False)
            factories.document(
                folder,
                title="Envoi",
                source=DocumentSource.SPANC_UPLOAD,
                uploaded_by_spanc=spanc,
                uploaded_by=agent if n % 2 else None,
            )
            for k in range(n):
                ProofRequest.objects.create(
                    installation=folder,
                    spanc=spanc,
                    asked_by=agent,
                    kind=kinds[k],
                    due_on=datetime.date(2030, 1, 1 + k),
                )
            folders.append(folder)
        spancs.append(spanc)
    compiled_queries._shapes.clear()
    return spancs, folders


def _fields(instance, *related):
    values = {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}
    for name in related:
        other = getattr(instance, name)
        values[name] = other and _fields(other)
    return values


def _orm_folder(spanc, pk):
    return access.installations_of_spanc(spanc).filter(pk=pk).select_related("client", "franchisee").first()


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.integers(0, 1), pick=st.integers(0, 5), offset=st.sampled_from([0, 0, 0, 1, 1000]))
def test_the_folder_its_documents_and_proofs_are_the_orms(world, which, pick, offset):
    spancs, folders = world
    spanc = spancs[which]
    pk = folders[pick].pk + offset
    expected = _orm_folder(spanc, pk)
    if expected is None:  # another SPANC's folder, or none
        with pytest.raises(Http404):
            folder_queries.folder_or_404(spanc, pk)
        return
    folder = folder_queries.folder_or_404(spanc, pk)
    assert _fields(folder, "client", "franchisee") == _fields(expected, "client", "franchisee")
    documents = folder_queries.documents(spanc, folder)
    orm_documents = (
        access.documents_of_spanc(spanc)
        .filter(installation=expected)
        .select_related("uploaded_by_spanc", "uploaded_by")
        .order_by("-created_at", "-pk")
    )
    assert [_fields(d, "uploaded_by_spanc", "uploaded_by") for d in documents] == [
        _fields(d, "uploaded_by_spanc", "uploaded_by") for d in orm_documents
    ]
    assert {d.title for d in documents} == {"Partagé", "Envoi"}  # never the private one
    assert [_fields(p, "kind") for p in folder_queries.proof_requests(spanc, folder)] == [
        _fields(p, "kind") for p in proof_views.folder_requests(expected)
    ]


@pytest.mark.parametrize("pk", [0, -1, -2_000_000_017, 2**63, 10**30])
def test_no_id_outside_the_database_s_range_reaches_it(world, pk, django_assert_num_queries):
    with django_assert_num_queries(0), pytest.raises(Http404):
        folder_queries.folder_or_404(world[0][0], pk)


def test_the_queries_are_compiled_once_and_each_spanc_gets_its_own(world, django_assert_num_queries):
    spancs, folders = world
    for spanc, folder in ((spancs[0], folders[0]), (spancs[1], folders[3])):
        folder_queries.documents(spanc, folder_queries.folder_or_404(spanc, folder.pk))
    shapes = dict(compiled_queries._shapes)
    assert len(shapes) == 2 and compiled_queries.UNCACHEABLE not in shapes.values()
    with django_assert_num_queries(2):
        mine = folder_queries.folder_or_404(spancs[1], folders[4].pk)
        documents = folder_queries.documents(spancs[1], mine)
    assert mine.pk == folders[4].pk and mine.client.last_name == "N'Diaye & fils 1"
    assert {d.installation_id for d in documents} == {mine.pk}
    assert compiled_queries._shapes == shapes  # the same compiled shapes, nothing new
    with pytest.raises(Http404):
        folder_queries.folder_or_404(spancs[1], folders[0].pk)  # the first SPANC's folder
