"""A SPANC sends PDFs into a client folder.

Each file becomes its own document of the installation, with the type, the
date and (for a control report) the result the SPANC gave for the sending.
One transaction holds every document row, the mail to the installation's
franchisee and the ``document_uploaded`` outbox event of each: either all
exist or none does. The files are checked before (``uploads``) by the form;
a file written for a transaction that then fails is removed.
"""

import datetime
import logging
import os
from dataclasses import dataclass

from django.contrib import messages
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..conf import app_settings
from ..notifications.mail import queue_mail
from ..records.models import DocumentSource, Installation, PortalDocument
from ..records.themes import theme_for
from ..sync.outbox import record_event
from ..uploads import safe_filename
from .authors import author_label, sent_by
from .limits import enforce as enforce_limits
from .links import document_url as document_link_url
from .routing import spanc_upload_recipients

logger = logging.getLogger(__name__)

MAIL_TEMPLATE = "aquatiris_portal/mail/spanc_upload"
# The same bytes sent twice into the same folder within this window is a
# double submit (double click, browser retry), not a second document.
DUPLICATE_WINDOW = datetime.timedelta(minutes=1)


@dataclass
class UploadResult:
    document: PortalDocument
    created: bool


def spanc_theme():
    return theme_for(app_settings.SPANC_UPLOAD_THEME_SLUG, name="Documents SPANC", sort_order=60)


def admin_document_url(document, site_url=""):
    """Where staff open the document in the Wagtail admin (absolute): on the
    site's public address (AQUATIRIS_PORTAL_PUBLIC_BASE_URL), else on the
    address the SPANC's request came to (``site_url``). Never on
    WAGTAILADMIN_BASE_URL, which may name another host."""
    try:
        path = reverse("aquatiris_portal_portaldocument_modeladmin_inspect", args=[document.pk])
    except NoReverseMatch:
        path = f"/admin/aquatiris_portal/portaldocument/inspect/{document.pk}/"
    base = (app_settings.PUBLIC_BASE_URL or site_url or "").rstrip("/")
    return base + path


def document_payload(document, installation, spanc, user=None):
    """The ``document_uploaded`` event; ``sent_by`` names the agent who sent it
    (a SPANC has several), as the request events do."""
    return {
        "document_id": document.pk,
        "installation": installation.external_id,
        "installation_reference": installation.reference,
        "client": installation.client.external_id,
        "spanc": spanc.external_id,
        "title": document.title,
        "note": document.note,
        # What the SPANC said of it: the type's name, the document's date, a control report's result (code).
        "document_type": document.document_type,
        "issued_on": document.issued_on.isoformat() if document.issued_on else None,
        "control_result": document.control_result,
        "filename": document.filename,
        "content_type": document.content_type,
        "size": document.size,
        "sha256": document.sha256,
        "uploaded_at": document.created_at.isoformat(),
        "sent_by": sent_by(user),
    }


def receive_spanc_document(
    *,
    user,
    spanc,
    installation,
    uploaded,
    content_type,
    title,
    note="",
    portal_settings_obj=None,
    site_url="",
    document_type="",
    issued_on=None,
    control_result="",
):
    """Store one checked PDF (``receive_spanc_documents`` with one file)."""
    return receive_spanc_documents(
        user=user,
        spanc=spanc,
        installation=installation,
        files=[(uploaded, "pdf", content_type)],
        title=title,
        note=note,
        portal_settings_obj=portal_settings_obj,
        site_url=site_url,
        document_type=document_type,
        issued_on=issued_on,
        control_result=control_result,
    )[0]


def document_title(title, filename, count):
    """The title a document gets: the one typed, the file's name if none;
    with several files, the typed title and the file's name, so each is told apart."""
    base = os.path.splitext(os.path.basename(filename or ""))[0].strip() or filename
    title = (title or "").strip()
    if not title:
        return base[:255]
    return (title if count == 1 else f"{title} – {base}")[:255]


def receive_spanc_documents(
    *,
    user,
    spanc,
    installation,
    files,
    title="",
    note="",
    portal_settings_obj=None,
    site_url="",
    document_type="",
    issued_on=None,
    control_result="",
):
    """Store the checked PDFs ``files`` ([(file, kind, content type)], from a
    valid ``SpancUploadForm``) sent by ``spanc`` into ``installation``'s
    folder, one document each; a list of ``UploadResult`` in their order.

    ``installation`` comes from ``access.get_spanc_installation_or_404``.
    """
    hashed = []
    for uploaded, _kind, content_type in files:
        uploaded.seek(0)
        hashed.append((uploaded, content_type, PortalDocument.hash_file(uploaded)))
        uploaded.seek(0)
    stored = []  # (storage, name) of the files written, removed if the transaction fails
    results = []
    try:
        with transaction.atomic():
            # The row lock serialises uploads into one folder, so the
            # double-submit check below cannot race (PostgreSQL).
            locked = (
                Installation.objects.select_for_update(of=("self",))
                .select_related("client", "franchisee")
                .get(pk=installation.pk, spanc=spanc)
            )
            now = timezone.now()
            for uploaded, content_type, sha256 in hashed:
                duplicate = (
                    PortalDocument.objects.live()
                    .filter(
                        installation=locked,
                        source=DocumentSource.SPANC_UPLOAD,
                        sha256=sha256,
                        created_at__gte=now - DUPLICATE_WINDOW,
                    )
                    .order_by("-created_at")
                    .first()
                )
                if duplicate is not None:
                    results.append(UploadResult(duplicate, created=False))
                    continue
                # An account's sending limits (limits.py), before anything is
                # stored; each document counts, those of this sending included.
                enforce_limits(user, attachment_bytes=uploaded.size or 0)
                document = PortalDocument(
                    installation=locked,
                    theme=spanc_theme(),
                    title=document_title(title, uploaded.name, len(hashed)),
                    note=(note or "").strip(),
                    filename=safe_filename(uploaded.name, "pdf"),
                    content_type=content_type,
                    document_type=(document_type or "")[:120],
                    control_result=control_result or "",
                    size=uploaded.size,
                    sha256=sha256,
                    issued_on=issued_on or timezone.localdate(now),
                    visible_to_spanc=True,
                    # Whether the client sees it is decided at read time by access
                    # (AQUATIRIS_PORTAL_CLIENTS_SEE_SPANC_UPLOADS), so the setting
                    # applies to past uploads too.
                    visible_to_client=True,
                    source=DocumentSource.SPANC_UPLOAD,
                    uploaded_by_spanc=spanc,
                    uploaded_by=user,
                    created_at=now,
                )
                document.file.save(document.filename, uploaded, save=False)
                stored.append((document.file.storage, document.file.name))
                document.save()
                record_event("document_uploaded", document_payload(document, locked, spanc, user), installation=locked)
                results.append(UploadResult(document, created=True))
            # One mail per sending, however many files it held.
            added = [result.document for result in results if result.created]
            if added:
                _tell_franchisee(added, locked, spanc, portal_settings_obj, site_url, user)
    except Exception:
        for storage, name in stored:
            _remove_orphan(storage, name)
        raise
    return results


def sent_messages(results):
    """[(messages level, text)] telling the SPANC what its sending did."""
    added = [result.document for result in results if result.created]
    again = [result.document for result in results if not result.created]
    said = []
    if len(added) == 1:
        said.append(
            (
                messages.SUCCESS,
                _("“%(title)s” was added to the folder. The franchisee has been told.") % {"title": added[0].title},
            )
        )
    elif added:
        said.append(
            (
                messages.SUCCESS,
                ngettext(
                    "%(count)s document was added to the folder: %(titles)s. The franchisee has been told.",
                    "%(count)s documents were added to the folder: %(titles)s. The franchisee has been told.",
                    len(added),
                )
                % {"count": len(added), "titles": ", ".join(f"« {document.title} »" for document in added)},
            )
        )
    for document in again:
        said.append(
            (
                messages.INFO,
                _("“%(title)s” had already been received; it was not added twice.") % {"title": document.title},
            )
        )
    return said


def _tell_franchisee(documents, installation, spanc, portal_settings_obj, site_url="", user=None):
    """One mail to the franchisee (routing.py: else the network head) naming
    every document of one sending, each with its own link."""
    franchisee = installation.franchisee
    recipients, to_franchisee = spanc_upload_recipients(documents[0], installation, portal_settings_obj)
    # The franchisee has no account: his mail carries a personal link to each
    # document (links.document_url); the network head (staff) opens the admin.
    sent = []
    for document in documents:
        link = document_link_url(document, franchisee, site_url) if to_franchisee else ""
        sent.append(
            {
                "document": document,
                "document_url": link,
                "admin_url": "" if link else admin_document_url(document, site_url),
            }
        )
    personal = any(item["document_url"] for item in sent)
    queue_mail(
        key=f"spanc_upload:{documents[0].pk}",
        to=recipients,
        template=MAIL_TEMPLATE,
        context={
            "documents": sent,
            "document": documents[0],
            "installation": installation,
            "client": installation.client,
            "franchisee": franchisee,
            "spanc": spanc,
            # The agent who sent it, by name (else address): a SPANC has several.
            "sender": author_label(user),
            "personal_links": personal,
            "link_days": app_settings.REPLY_LINK_DAYS,
        },
        reply_to=[spanc.email] if spanc.email else [],
        sensitive=personal,  # carries personal links: no copy of the body once sent
    )


def _remove_orphan(storage, name):
    try:
        storage.delete(name)
    except Exception:  # the retention job will find it
        logger.exception("Could not remove orphan upload %s", name)
