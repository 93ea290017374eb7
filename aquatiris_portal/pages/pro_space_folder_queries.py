"""The folder page's queries, each built from ``access`` for the SPANC and
the folder, their SQL compiled once per process (pro_space_list_sql): the
folder with its client and franchisee, its documents with their senders,
its visits (their reports' installations beside them: pro_space.with_reports
finds the reports among the documents), its proof requests."""

from django.db.models import F
from django.http import Http404

from .. import access
from . import pro_space_list_sql as compiled
from . import proof_views

# Larger ids are no folder: answered without asking the database (whose
# integer columns would refuse them), as the ORM's out-of-range lookups do.
MAX_ID = 2**63 - 1


def _folder(spanc, folder, **_markers):
    return access.installations_of_spanc(spanc).filter(pk=folder).select_related("client", "franchisee")[:1]


def _documents(spanc, folder, **_markers):
    return (
        access.documents_of_spanc(spanc)
        .filter(installation_id=folder)
        .select_related("uploaded_by")  # its name signs the upload; the SPANC is the page's own
        .order_by("-created_at", "-pk")
    )


def _visits(spanc, folder, **_markers):
    return (
        access.visits_of_spanc(spanc)
        .filter(installation_id=folder)
        .prefetch_related(None)  # the reports come from the folder's documents (pro_space.with_reports)
        .annotate(report_installation_id=F("report_document__installation_id"))
        .order_by(F("done_on").desc(nulls_first=True), "-planned_for", "-pk")
    )


def _proof_requests(spanc, folder, **_markers):
    return proof_views.folder_requests_queryset(folder)


def folder_or_404(spanc, pk):
    """The SPANC's folder ``pk`` (client and franchisee joined), else Http404:
    ``access.get_spanc_installation_or_404``'s answer."""
    if spanc is None or not 0 < int(pk) <= MAX_ID:
        raise Http404
    found = compiled.instances(_folder, ("folder",), spanc=spanc, folder=int(pk))
    if not found:
        raise Http404
    return found[0]


def documents(spanc, folder):
    """``access.spanc_documents`` of the folder, newest first, with their senders."""
    return compiled.instances(_documents, ("folder documents",), spanc=spanc, folder=folder.pk)


def proof_requests(spanc, folder):
    """``proof_views.folder_requests`` of the folder."""
    return compiled.instances(_proof_requests, ("folder proofs",), spanc=spanc, folder=folder.pk)


def visits(spanc, folder):
    """``access.spanc_visits`` of the folder, undone first then newest, each
    with ``report_installation_id``; ``visit.report`` is left to the caller."""
    return compiled.instances(_visits, ("folder visits",), spanc=spanc, folder=folder.pk)
