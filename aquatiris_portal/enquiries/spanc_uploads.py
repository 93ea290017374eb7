"""A SPANC sends a PDF into a client folder.

One transaction holds the document row, the mail to the installation's
franchisee and the ``document_uploaded`` outbox event: either all three
exist or none does. The file itself is checked before (``uploads``) by the
form; a file written for a transaction that then fails is removed.
"""

import datetime
import logging
from dataclasses import dataclass

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from ..conf import app_settings
from ..notifications.mail import queue_mail
from ..records.models import DocumentSource, Installation, PortalDocument
from ..records.themes import theme_for
from ..sync.outbox import record_event
from ..uploads import safe_filename
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


def document_payload(document, installation, spanc):
    return {
        "document_id": document.pk,
        "installation": installation.external_id,
        "installation_reference": installation.reference,
        "client": installation.client.external_id,
        "spanc": spanc.external_id,
        "title": document.title,
        "note": document.note,
        "filename": document.filename,
        "content_type": document.content_type,
        "size": document.size,
        "sha256": document.sha256,
        "uploaded_at": document.created_at.isoformat(),
    }


def receive_spanc_document(*, user, spanc, installation, uploaded, content_type, title, note="",
                           portal_settings_obj=None, site_url="", document_type=""):
    """Store a checked PDF sent by ``spanc`` into ``installation``'s folder.

    ``installation`` comes from ``access.get_spanc_installation_or_404``;
    ``uploaded`` and ``content_type`` from a valid ``SpancUploadForm``.
    """
    uploaded.seek(0)
    sha256 = PortalDocument.hash_file(uploaded)
    uploaded.seek(0)
    stored_name = None
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
            duplicate = (
                PortalDocument.objects.live()
                .filter(installation=locked, source=DocumentSource.SPANC_UPLOAD, sha256=sha256,
                        created_at__gte=now - DUPLICATE_WINDOW)
                .order_by("-created_at")
                .first()
            )
            if duplicate is not None:
                return UploadResult(duplicate, created=False)
            # An account's sending limits (limits.py), before anything is stored.
            enforce_limits(user, attachment_bytes=uploaded.size or 0)
            document = PortalDocument(
                installation=locked, theme=spanc_theme(), title=title.strip(), note=note.strip(),
                filename=safe_filename(uploaded.name, "pdf"), content_type=content_type,
                document_type=(document_type or "")[:120],
                size=uploaded.size, sha256=sha256, issued_on=timezone.localdate(now),
                visible_to_spanc=True,
                # Whether the client sees it is decided at read time by access
                # (AQUATIRIS_PORTAL_CLIENTS_SEE_SPANC_UPLOADS), so the setting
                # applies to past uploads too.
                visible_to_client=True,
                source=DocumentSource.SPANC_UPLOAD, uploaded_by_spanc=spanc, uploaded_by=user,
                created_at=now,
            )
            document.file.save(document.filename, uploaded, save=False)
            stored_name = document.file.name
            document.save()
            record_event("document_uploaded", document_payload(document, locked, spanc), installation=locked)
            _tell_franchisee(document, locked, spanc, portal_settings_obj, site_url)
    except Exception:
        if stored_name:
            _remove_orphan(document.file.storage, stored_name)
        raise
    return UploadResult(document, created=True)


def _tell_franchisee(document, installation, spanc, portal_settings_obj, site_url=""):
    franchisee = installation.franchisee
    # Who is told: routing.py (the franchisee, else the network head).
    recipients, to_franchisee = spanc_upload_recipients(document, installation, portal_settings_obj)
    # The franchisee has no account: his mail carries a personal link to the
    # document (links.document_url); the network head (staff) opens the admin.
    document_url = document_link_url(document, franchisee, site_url) if to_franchisee else ""
    queue_mail(
        key=f"spanc_upload:{document.pk}",
        to=recipients,
        template=MAIL_TEMPLATE,
        context={
            "document": document,
            "installation": installation,
            "client": installation.client,
            "franchisee": franchisee,
            "spanc": spanc,
            "admin_url": "" if document_url else admin_document_url(document, site_url),
            "document_url": document_url,
            "link_days": app_settings.REPLY_LINK_DAYS,
        },
        reply_to=[spanc.email] if spanc.email else [],
        sensitive=bool(document_url),  # carries the personal link: no copy of the body once sent
    )


def _remove_orphan(storage, name):
    try:
        storage.delete(name)
    except Exception:  # the retention job will find it
        logger.exception("Could not remove orphan upload %s", name)
