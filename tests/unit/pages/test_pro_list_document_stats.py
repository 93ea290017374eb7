"""The folder list's per-folder document figures (count, latest document,
latest received) are read on the folder's own documents without joining its
installation again (``access.documents_of_spanc_installation``): for drawn
documents spread over two SPANCs' folders (shared or not, uploaded by either
SPANC or by no one, deleted or live), the compiled page, the ORM's page and
the export give each SPANC exactly what ``access.documents_of_spanc`` (the
territory joined, the rule as written) gives it; another SPANC's folders and
documents never count."""

import datetime
import hashlib

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from aquatiris_portal import access, compiled_queries
from aquatiris_portal.models import Installation, PortalDocument
from aquatiris_portal.pages import pro_space_folders as folders_
from aquatiris_portal.pages import pro_space_list_page as list_page
from tests import factories
from tests.unit._pro_space import bulk_folders

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 6, 15, 9, 30, tzinfo=datetime.UTC)
FOLDERS_EACH = 4


@pytest.fixture
def two_territories():
    spancs = [factories.spanc(), factories.spanc()]
    folders = [
        folder
        for prefix, spanc in zip("AB", spancs, strict=True)
        for folder in bulk_folders(spanc, FOLDERS_EACH, prefix=prefix, documents_per_folder=0)
    ]
    users = [factories.spanc_user(spanc) for spanc in spancs]
    for user in users:
        user.is_verified = lambda: True  # the second factor, as the middleware marks it
    compiled_queries._shapes.clear()
    return spancs, folders, users


# A document: (its folder among both territories', shared with SPANCs,
# uploaded by SPANC 0 / 1 / no one, deleted, minutes before NOW).
DOCUMENTS = st.lists(
    st.tuples(
        st.integers(0, 2 * FOLDERS_EACH - 1),
        st.booleans(),
        st.sampled_from([None, 0, 1]),
        st.booleans(),
        st.integers(0, 10_000),
    ),
    max_size=30,
)


def _store(documents, spancs, folders):
    PortalDocument.objects.filter(installation__in=folders).delete()
    PortalDocument.objects.bulk_create(
        [
            PortalDocument(
                installation=folders[folder],
                title=f"Doc {n}",
                filename="doc.pdf",
                content_type="application/pdf",
                size=10,
                sha256=hashlib.sha256(b"x").hexdigest(),
                visible_to_spanc=shared,
                visible_to_client=True,
                uploaded_by_spanc=None if uploader is None else spancs[uploader],
                deleted_at=NOW if deleted else None,
                created_at=NOW - datetime.timedelta(minutes=minutes),
            )
            for n, (folder, shared, uploader, deleted, minutes) in enumerate(documents)
        ]
    )


def _expected(spanc):
    """pk -> (count, latest, latest received) from the SPANC's documents as access defines them."""
    figures = {pk: [0, None, None] for pk in access.installations_of_spanc(spanc).values_list("pk", flat=True)}
    for installation_id, created_at, uploader in access.documents_of_spanc(spanc).values_list(
        "installation_id", "created_at", "uploaded_by_spanc_id"
    ):
        entry = figures[installation_id]  # a KeyError: a document off the territory
        entry[0] += 1
        entry[1] = max(filter(None, (entry[1], created_at)))
        if uploader != spanc.pk:
            entry[2] = max(filter(None, (entry[2], created_at)))
    return {pk: tuple(entry) for pk, entry in figures.items()}


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(documents=DOCUMENTS, sort=st.sampled_from(["name", "latest", "-latest"]))
def test_each_spanc_s_figures_are_its_own_documents_only(two_territories, documents, sort):
    spancs, folders, users = two_territories
    _store(documents, spancs, folders)
    filters = {"sort": sort, "stage": folders_.STAGE_ALL, "proof": ""}
    for spanc, user in zip(spancs, users, strict=True):
        expected = _expected(spanc)
        values = {"spanc": spanc, "words": [], "today": NOW.date(), "cutoff": None}
        compiled = [_figures(f) for f in list_page.page_folders(values, filters, 1)]
        assert dict(compiled) == expected  # its own folders, each with its own documents' figures
        orm = [_figures(f) for f in list_page.to_folders(list_page.page_queryset(filters, 1, **values))]
        assert orm == compiled
        exported = [_figures(f) for f in folders_.spanc_folders(user, sort=sort)]
        assert exported == compiled
        if sort != "name":  # the "latest" sort: newest first (oldest with "-"), none last, then pk
            sign = -1 if sort == "latest" else 1
            order = sorted(
                expected, key=lambda pk: (expected[pk][1] is None, sign * (expected[pk][1] or NOW).timestamp(), pk)
            )
            assert [pk for pk, _figures_of in compiled] == order


def _figures(folder):
    return folder.pk, (folder.document_count, folder.latest_document_at, folder.latest_received_at)


def test_a_document_shared_on_another_spanc_s_folder_never_counts(two_territories):
    (mine, other), folders, _users = two_territories
    theirs = folders[FOLDERS_EACH]  # the other SPANC's first folder
    # Shared with SPANCs, even "uploaded" by mine: on the other's territory, never mine.
    _store([(FOLDERS_EACH, True, 0, False, 5)], [mine, other], folders)
    values = {"spanc": mine, "words": [], "today": NOW.date(), "cutoff": None}
    shown = list_page.page_folders(values, {"sort": "name", "stage": folders_.STAGE_ALL, "proof": ""}, 1)
    assert theirs.pk not in {f.pk for f in shown}
    assert sum(f.document_count for f in shown) == 0
    assert set(Installation.objects.filter(spanc=other).values_list("pk", flat=True)) & {f.pk for f in shown} == set()
