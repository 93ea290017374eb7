"""What happens when a client sends something: stored, routed, reported.

Each function writes everything in ONE transaction (rows, outbox event,
queued mails); files are written only after every check passed.
"""

import logging
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..conf import app_settings
from ..notifications.mail import default_from_email, queue_mail
from ..records.models import DocumentSource, Installation, PortalDocument
from ..records.themes import theme_for
from ..sync.outbox import record_event
from ..uploads import safe_filename
from .certificates import certificate_pdf
from .limits import enforce as enforce_limits, files_size
from .links import client_thread_url, reply_url
from .models import PortalRequest, RequestAttachment, WarrantyExtension
from .warranty import warranty_end

logger = logging.getLogger(__name__)

MAIL = "aquatiris_portal/mail/"


# --- requests ---------------------------------------------------------------

def submit_request(*, user, client, installation, kind, message, portal_settings_obj, subject=None,
                   reason=None, checked_files=(), site_url="", subject_label=""):
    """Store a request with its attachments and send it to whom it concerns.
    ``subject_label``: the subject of a form that has its own (no editors' subject).

    ``checked_files`` is the output of ``uploads.validate_uploads``: a list of
    (file, kind, content_type) already checked.
    """
    with transaction.atomic():
        # Before anything is stored: over a limit, LimitReached rolls it all back.
        enforce_limits(user, attachment_bytes=files_size(checked_files))
        portal_request = PortalRequest(
            kind=kind, client=client, installation=installation, message=message, submitted_by=user,
            subject=subject, subject_label=subject.name if subject else subject_label,
            after_sales_reason=reason.name if reason else "",
        )
        portal_request.fill_recap()
        portal_request.save()
        attachments = []
        for uploaded, file_kind, content_type in checked_files:
            attachment = RequestAttachment(
                request=portal_request, filename=safe_filename(uploaded.name, file_kind),
                content_type=content_type, size=uploaded.size,
            )
            uploaded.seek(0)
            attachment.file.save(attachment.filename, uploaded, save=False)
            attachment.save()
            attachments.append(attachment)
        record_event("request_submitted", request_payload(portal_request, attachments), installation=installation)
        _send_request_mails(portal_request, attachments, installation, portal_settings_obj, site_url)
    # Files written inside a rolled-back transaction would be orphans: the
    # transaction only fails before commit, in which case nothing was sent.
    return portal_request


def request_payload(portal_request, attachments):
    return {
        "reference": str(portal_request.reference),
        "kind": portal_request.kind,
        "client": portal_request.client.external_id,
        "client_code": portal_request.client_code,
        "installation": portal_request.installation.external_id if portal_request.installation else None,
        "installation_reference": portal_request.installation_reference,
        "subject": portal_request.subject_label,
        "after_sales_reason": portal_request.after_sales_reason,
        "message": portal_request.message,
        "created_at": portal_request.created_at.isoformat(),
        "attachments": [
            {"filename": a.filename, "content_type": a.content_type, "size": a.size} for a in attachments
        ],
    }


def _send_request_mails(portal_request, attachments, installation, settings_obj, site_url):
    franchisee = installation.franchisee if installation else None
    context = {
        "request_obj": portal_request,
        "franchisee": franchisee,
        "attachments": attachments,
        "site_url": site_url,
    }
    files = [{"name": a.file.name, "filename": a.filename, "content_type": a.content_type} for a in attachments]
    network_heads = settings_obj.network_head_email_list
    reference = portal_request.reference
    franchisee_email = franchisee.email if franchisee and franchisee.email else ""
    if franchisee_email:
        queue_mail(
            key=f"request:{reference}:franchisee", to=[franchisee_email], template=MAIL + "request_franchisee",
            context={**context, "recipient": "franchisee",
                     "reply_url": reply_url(portal_request, franchisee, site_url)},
            # He answers through the link: replies to the mail are not read.
            reply_to=[default_from_email()],
            attachments=files,
            sensitive=True,  # carries the reply link: no copy of the body once sent
        )
    if portal_request.kind == PortalRequest.Kind.AFTER_SALES or not franchisee_email:
        # SAV always goes to the network head too; a request whose
        # installation has no franchisee address goes there instead of nowhere.
        if not franchisee_email:
            logger.warning("Request %s: no franchisee address, sent to the network head", reference)
        queue_mail(
            key=f"request:{reference}:network_head", to=network_heads, template=MAIL + "request_franchisee",
            context={**context, "recipient": "network_head"}, reply_to=[portal_request.client_email],
            attachments=files,
        )
    queue_mail(
        key=f"request:{reference}:client_copy", to=[portal_request.client_email],
        template=MAIL + "request_client_copy",
        context={**context, "thread_url": client_thread_url(portal_request, site_url),
                 "answer_days": getattr(settings_obj, "request_answer_days", None)},
        reply_to=[franchisee_email] if franchisee_email else [],
    )


# --- warranty extension -----------------------------------------------------

@dataclass
class SerialResult:
    status: str  # "registered", "already_registered" (same serial), "conflict" (another serial)
    installation: Installation
    extension: WarrantyExtension | None = None


def certificate_theme():
    return theme_for(app_settings.CERTIFICATE_THEME_SLUG, name="Garanties", sort_order=40)


def register_serial_number(*, user, client, installation_pk, serial_number, portal_settings_obj, site_url=""):
    """Store the serial, make the certificate, tell the internal system and the client.

    A row lock on the installation serialises double submits; the unique
    installation of WarrantyExtension is the last guard.
    """
    try:
        with transaction.atomic():
            installation = (
                Installation.objects.select_for_update(of=("self",)).select_related("client", "franchisee")
                .get(pk=installation_pk, client=client)
            )
            existing = WarrantyExtension.objects.filter(installation=installation).select_related("document").first()
            current = installation.serial_number or (existing.serial_number if existing else "")
            if current and current.upper() != serial_number:
                return SerialResult("conflict", installation, existing)
            if existing is not None:
                return SerialResult("already_registered", installation, existing)
            return SerialResult("registered", installation, _register(
                user, installation, serial_number, portal_settings_obj, site_url
            ))
    except IntegrityError:  # a concurrent submit won the race: show its result
        installation = Installation.objects.select_related("client", "franchisee").get(pk=installation_pk)
        existing = WarrantyExtension.objects.select_related("document").get(installation=installation)
        status = "already_registered" if existing.serial_number == serial_number else "conflict"
        return SerialResult(status, installation, existing)


def _register(user, installation, serial_number, settings_obj, site_url):
    now = timezone.now()
    installation.serial_number = serial_number
    installation.serial_registered_at = now
    installation.save(update_fields=["serial_number", "serial_registered_at"])
    extension = WarrantyExtension.objects.create(
        installation=installation, client=installation.client, serial_number=serial_number,
        registered_by=user, created_at=now,
    )
    extension.certificate_number = f"AQC-{timezone.localdate(now):%Y}-{extension.pk:06d}"

    content = certificate_pdf(
        number=extension.certificate_number, client=installation.client, installation=installation,
        serial_number=serial_number, issued_at=now, ends_on=warranty_end(installation, settings_obj, now),
        title=settings_obj.certificate_title,
        text=settings_obj.certificate_text, signature=settings_obj.certificate_signature,
        logo=settings_obj.certificate_logo,
    )
    document = PortalDocument(
        installation=installation, theme=certificate_theme(),
        title=f"{settings_obj.certificate_title} {extension.certificate_number}",
        filename=f"certificat-{extension.certificate_number}.pdf", content_type="application/pdf",
        size=len(content), sha256=PortalDocument.hash_file(ContentFile(content)), issued_on=timezone.localdate(now),
        visible_to_client=True, visible_to_spanc=False, source=DocumentSource.CERTIFICATE,
        uploaded_by=user, created_at=now,
    )
    document.file.save(document.filename, ContentFile(content), save=False)
    document.save()
    extension.document = document
    extension.save(update_fields=["certificate_number", "document"])
    record_event("serial_number_registered", {
        "installation": installation.external_id,
        "installation_reference": installation.reference,
        "client": installation.client.external_id,
        "serial_number": serial_number,
        "registered_at": now.isoformat(),
        "certificate_number": extension.certificate_number,
    }, installation=installation)
    queue_mail(
        key=f"warranty:{installation.pk}:{serial_number}", to=[installation.client.email],
        template=MAIL + "warranty_confirmation",
        context={"installation": installation, "client": installation.client, "extension": extension,
                 "franchisee": installation.franchisee, "site_url": site_url,
                 "warranty_end": warranty_end(installation, settings_obj, now)},
        attachments=[{"name": document.file.name, "filename": document.filename, "content_type": "application/pdf"}],
    )
    return extension
