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
from ..notifications.mail import queue_mail
from ..records.models import DocumentSource, Installation, PortalDocument
from ..records.serials import canonical_serial
from ..records.themes import theme_for
from ..sync.outbox import record_event
from .certificates import certificate_pdf
from .greetings import account_at, for_recipient
from .models import AuthorRole, PortalRequest, RequestMessage, WarrantyExtension
from .routing import warranty_recipients
from .threads import post_message
from .warranty import warranty_end

logger = logging.getLogger(__name__)

MAIL = "aquatiris_portal/mail/"


# --- requests ---------------------------------------------------------------


def submit_request(
    *,
    user,
    client,
    installation,
    kind,
    message,
    portal_settings,
    subject=None,
    reason=None,
    checked_files=(),
    site_url="",
    subject_label="",
):
    """Store a request with its attachments and send it to whom it concerns:
    its text is the opening message of its thread (``threads.post_message``).
    ``subject_label``: the subject of a form that has its own (no editors' subject).

    ``checked_files`` is the output of ``uploads.validate_uploads``: a list of
    (file, kind, content_type) already checked.
    """
    portal_request = PortalRequest(
        kind=kind,
        client=client,
        installation=installation,
        submitted_by=user,
        subject=subject,
        subject_label=subject.name if subject else subject_label,
        after_sales_reason=reason.name if reason else "",
    )
    post_message(
        portal_request,
        role=AuthorRole.CLIENT,
        channel=RequestMessage.Channel.CLIENT_SPACE,
        body=message,
        user=user,
        checked_files=checked_files,
        site_url=site_url,
        portal_settings=portal_settings,
    )
    return portal_request


# --- warranty extension -----------------------------------------------------


@dataclass
class SerialResult:
    status: str  # "registered", "already_registered" (same serial), "conflict" (another serial)
    installation: Installation
    extension: WarrantyExtension | None = None


def certificate_theme():
    return theme_for(app_settings.CERTIFICATE_THEME_SLUG, name="Garanties", sort_order=40)


def register_serial_number(*, user, client, installation_pk, serial_number, portal_settings, site_url=""):
    """Store the serial, make the certificate, tell the internal system and the client.

    A row lock on the installation serialises double submits; the unique
    installation of WarrantyExtension is the last guard.
    """
    try:
        with transaction.atomic():
            installation = (
                Installation.objects.select_for_update(of=("self",))
                .select_related("client", "franchisee")
                .get(pk=installation_pk, client=client)
            )
            existing = WarrantyExtension.objects.filter(installation=installation).select_related("document").first()
            current = installation.serial_number or (existing.serial_number if existing else "")
            # Read again: a serial imported before a spelling was canonical (« N° », U+2212) is the typed one.
            if current and canonical_serial(current) != serial_number:
                return SerialResult("conflict", installation, existing)
            if existing is not None:
                return SerialResult("already_registered", installation, existing)
            return SerialResult(
                "registered", installation, _register(user, installation, serial_number, portal_settings, site_url)
            )
    except IntegrityError:  # a concurrent submit won the race: show its result
        installation = Installation.objects.select_related("client", "franchisee").get(pk=installation_pk)
        existing = WarrantyExtension.objects.select_related("document").get(installation=installation)
        status = "already_registered" if existing.serial_number == serial_number else "conflict"
        return SerialResult(status, installation, existing)


def _register(user, installation, serial_number, portal_settings, site_url):
    now = timezone.now()
    installation.serial_number = serial_number
    installation.serial_registered_at = now
    installation.save(update_fields=["serial_number", "serial_registered_at"])
    extension = WarrantyExtension.objects.create(
        installation=installation,
        client=installation.client,
        serial_number=serial_number,
        registered_by=user,
        created_at=now,
    )
    extension.certificate_number = f"AQC-{timezone.localdate(now):%Y}-{extension.pk:06d}"

    content = certificate_pdf(
        number=extension.certificate_number,
        client=installation.client,
        installation=installation,
        serial_number=serial_number,
        issued_at=now,
        ends_on=warranty_end(installation, portal_settings, now),
        title=portal_settings.certificate_title,
        text=portal_settings.certificate_text,
        signature=portal_settings.certificate_signature,
        logo=portal_settings.certificate_logo,
    )
    document = PortalDocument(
        installation=installation,
        theme=certificate_theme(),
        title=f"{portal_settings.certificate_title} {extension.certificate_number}",
        filename=f"certificat-{extension.certificate_number}.pdf",
        content_type="application/pdf",
        size=len(content),
        sha256=PortalDocument.hash_file(ContentFile(content)),
        issued_on=timezone.localdate(now),
        visible_to_client=True,
        visible_to_spanc=False,
        source=DocumentSource.CERTIFICATE,
        uploaded_by=user,
        created_at=now,
    )
    document.file.save(document.filename, ContentFile(content), save=False)
    document.save()
    extension.document = document
    extension.save(update_fields=["certificate_number", "document"])
    record_event(
        "serial_number_registered",
        {
            "installation": installation.external_id,
            "installation_reference": installation.reference,
            "client": installation.client.external_id,
            "serial_number": serial_number,
            "registered_at": now.isoformat(),
            "certificate_number": extension.certificate_number,
        },
        installation=installation,
    )
    to = warranty_recipients(installation)
    client = installation.client
    queue_mail(
        key=f"warranty:{installation.pk}:{serial_number}",
        to=to,
        template=MAIL + "warranty_confirmation",
        context={
            "installation": installation,
            "client": client,
            "greeting": for_recipient(account_at(to[0]) if to else None, client, client.full_name),
            "extension": extension,
            "franchisee": installation.franchisee,
            "site_url": site_url,
            "warranty_end": warranty_end(installation, portal_settings, now),
        },
        attachments=[{"name": document.file.name, "filename": document.filename, "content_type": "application/pdf"}],
    )
    return extension
