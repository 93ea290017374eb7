"""« Dossier de l'installation »: every document the owner may see for one
installation (access.documents_of_client: the one rule, not a copy of it),
each in its theme's folder, plus the summary PDF (dossier_pdf)."""

import logging

from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Site

from .. import access
from ..records.visits import VisitKind
from ..snippets.site_settings import PortalSettings
from ..snippets.stages import progress_for, stage_texts
from .archive_zip import safe_name
from .dossier_pdf import summary_pdf
from .models import PortalRequest, WarrantyExtension
from .warranty import warranty_end

logger = logging.getLogger(__name__)


def dossier_documents(installation):
    """The documents of ``installation`` its client may see, in the documents page's order."""
    return (
        access.documents_of_client(installation.client)
        .filter(installation=installation)
        .select_related("theme")
        .order_by("theme__sort_order", "theme__name", "theme_id", "-created_at", "-pk")
    )


def _portal_settings():
    site = Site.objects.filter(is_default_site=True).first()
    try:
        return PortalSettings.for_site(site) if site is not None else None
    except PortalSettings.DoesNotExist:
        return None


def _zip_date(document):
    moment = timezone.localtime(document.created_at)
    return (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute, moment.second)


def document_name(document):
    extension = ""
    if "." in (document.filename or ""):
        extension = "." + safe_name(document.filename.rsplit(".", 1)[1], "")[:10].lower()
    return safe_name(document.title) + extension


def write_dossier(archive, writer):
    """Write the dossier of ``archive.installation`` into ``writer``; the ZIP's name."""
    installation = archive.installation
    client = installation.client
    documents = []
    for document in dossier_documents(installation).iterator(chunk_size=200):
        if not document.file:
            continue
        folder = safe_name(document.theme.name if document.theme else _("Other documents"))
        name = writer.unique_name(folder, document_name(document))
        if writer.add_stored_file(name, document.file.storage, document.file.name, date_time=_zip_date(document)):
            documents.append((document, name))
        else:
            logger.error("Dossier %s: file of document %s missing on the storage", archive.pk, document.pk)
    extension = WarrantyExtension.objects.filter(installation=installation).first()
    summary = {
        "installation": installation,
        "made_at": timezone.now(),
        "stages": progress_for(installation.stage, stage_texts()),
        "warranty_end": (
            warranty_end(installation, _portal_settings(), extension.created_at) if extension is not None else None
        ),
        "visits": list(
            access.visits_of_client(client)
            .filter(installation=installation, done_on__isnull=False)
            .order_by("-done_on", "-pk")
        ),
        "controls": controls(installation, [document for document, _name in documents]),
        "requests": list(
            PortalRequest.objects.filter(client=client, installation=installation)
            .order_by("-created_at")
            .only("kind", "status", "subject_label", "created_at")
        ),
        "documents": documents,
    }
    writer.add_bytes(safe_name(_("Summary")) + ".pdf", summary_pdf(summary))
    return safe_name(_("dossier-%(reference)s") % {"reference": installation.reference}) + ".zip"


def controls(installation, documents):
    """(day, label, result) of the SPANC controls: inspection visits, and the
    documents carrying a control result (their result)."""
    rows = [
        (
            document.issued_on or document.created_at,
            document.document_type or document.title,
            document.get_control_result_display(),
        )
        for document in documents
        if document.control_result
    ]
    rows += [
        (visit.done_on, visit.get_kind_display(), "")
        for visit in access.visits_of_client(installation.client).filter(
            installation=installation, kind=VisitKind.SPANC_INSPECTION, done_on__isnull=False
        )
    ]
    return sorted(rows, key=lambda row: timezone.localdate(row[0]) if hasattr(row[0], "hour") else row[0], reverse=True)
