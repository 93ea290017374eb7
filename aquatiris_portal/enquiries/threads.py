"""Request threads: a message is written, the request moves on, the people
concerned hear of it. One transaction for everything (message, attachments,
request, outbox event, mails); files only after every check passed.

Who hears what (issue 16):
- a message from the franchisee, staff or the internal system: the client
  gets a mail saying who answered, with a link to the thread (the text
  only if AQUATIRIS_PORTAL_MAIL_INCLUDES_MESSAGE);
- a message from the client: the franchisee gets it with the recap and a
  fresh reply link; after-sales requests also go to the network head;
- every message not from the internal system (not imported): outbox event
  ``request_message_posted``.
"""

import logging

from django.db import transaction
from django.utils import timezone
from wagtail.models import Site

from ..conf import app_settings
from ..notifications.mail import queue_mail
from ..notifications.preferences import unsubscribe_headers, wants
from ..snippets.site_settings import PortalSettings
from ..sync.outbox import record_event
from ..uploads import safe_filename
from . import links
from .models import AuthorRole, PortalRequest, RequestAttachment, RequestMessage

logger = logging.getLogger(__name__)

MAIL = "aquatiris_portal/mail/"

# What notification preference (notifications.preferences) a mail follows.
ANSWER_MAILS = "request_answers"


class ThreadClosed(Exception):
    """The client wrote on a closed request (reopen it first)."""


def save_attachments(portal_request, message, checked_files):
    """Store already checked files (``uploads.validate_uploads``) privately."""
    attachments = []
    for uploaded, file_kind, content_type in checked_files:
        attachment = RequestAttachment(
            request=portal_request, message=message, filename=safe_filename(uploaded.name, file_kind),
            content_type=content_type, size=uploaded.size,
        )
        uploaded.seek(0)
        attachment.file.save(attachment.filename, uploaded, save=False)
        attachment.save()
        attachments.append(attachment)
    return attachments


def post_message(portal_request, *, role, body, channel, author_name="", user=None, checked_files=(),
                 external_id=None, sent_at=None, status=None, site_url="", settings_obj=None, stored_files=()):
    """Add a message to the thread and tell whom it concerns; return it.

    ``checked_files``: uploads already validated; ``stored_files``: files
    already on the private storage (import), as dicts ``{name, filename,
    content_type, size}``. ``status``: the new status if the author says so
    (staff, internal system).
    """
    now = timezone.now()
    with transaction.atomic():
        portal_request = PortalRequest.objects.select_for_update(of=("self",)).select_related(
            "installation__franchisee", "client", "franchisee").get(pk=portal_request.pk)
        if role == AuthorRole.CLIENT and portal_request.is_closed:
            raise ThreadClosed(portal_request.reference)
        message = RequestMessage.objects.create(
            request=portal_request, author_role=role, author_name=author_name[:200], author_user=user,
            channel=channel, body=body, created_at=sent_at or now, external_id=external_id,
        )
        attachments = save_attachments(portal_request, message, checked_files)
        for stored in stored_files:
            attachment = RequestAttachment(request=portal_request, message=message, **stored)
            attachment.save()
            attachments.append(attachment)
        fields = ["last_activity_at", "last_author_role", "updated_at"]
        # An imported message dated before the last activity does not move the thread back.
        if portal_request.last_activity_at is None or message.created_at >= portal_request.last_activity_at:
            portal_request.last_activity_at = message.created_at
            portal_request.last_author_role = role
        if role == AuthorRole.CLIENT:
            portal_request.client_read_at = now  # the client has read what they answered
            fields.append("client_read_at")
        if status:
            fields += portal_request.set_status(status, now)
        portal_request.save(update_fields=list(dict.fromkeys(fields)))
        # What came from the internal system (an import) does not go back to it.
        if channel != RequestMessage.Channel.IMPORT and role != AuthorRole.INTERNAL_SYSTEM:
            record_event("request_message_posted", message_payload(portal_request, message, attachments),
                         installation=portal_request.installation)
        notify(portal_request, message, attachments, site_url=site_url, settings_obj=settings_obj)
    return message


def change_status(portal_request, status, *, user=None):
    """Staff change the status without writing (admin)."""
    with transaction.atomic():
        portal_request = PortalRequest.objects.select_for_update().get(pk=portal_request.pk)
        fields = portal_request.set_status(status)
        if fields:
            portal_request.save(update_fields=fields)
            status_event(portal_request, AuthorRole.STAFF)
    return portal_request


def status_event(portal_request, role):
    """A status changed in the portal without a message: the internal system learns it."""
    record_event("request_status_changed", {
        "reference": str(portal_request.reference), "status": portal_request.status, "changed_by": role,
    }, installation=portal_request.installation)


def reopen(portal_request, *, user=None):
    """The client reopens a request closed less than REQUEST_REOPEN_DAYS ago."""
    with transaction.atomic():
        portal_request = PortalRequest.objects.select_for_update().get(pk=portal_request.pk)
        if not portal_request.can_reopen():
            return False
        portal_request.save(update_fields=portal_request.set_status(PortalRequest.Status.IN_PROGRESS))
        status_event(portal_request, AuthorRole.CLIENT)
    return True


def mark_read_by_client(portal_request):
    """One UPDATE, only when there is something unread."""
    if portal_request.unread_by_client:
        now = timezone.now()
        PortalRequest.objects.filter(pk=portal_request.pk).update(client_read_at=now)
        portal_request.client_read_at = now


def message_payload(portal_request, message, attachments):
    return {
        "reference": str(portal_request.reference),
        "message_id": message.pk,
        "author_role": message.author_role,
        "author_name": message.author_name,
        "body": message.body,
        "sent_at": message.created_at.isoformat(),
        "status": portal_request.status,
        "attachments": [
            # download_url is added at each delivery attempt (sync/delivery.body_for).
            {"id": a.pk, "filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in attachments
        ],
    }


# -- who hears of it ----------------------------------------------------------------

def _network_heads(settings_obj):
    if settings_obj is None:
        site = Site.objects.filter(is_default_site=True).first()
        settings_obj = PortalSettings.for_site(site) if site else None
    return settings_obj.network_head_email_list if settings_obj is not None else []


def notify(portal_request, message, attachments, *, site_url="", settings_obj=None):
    context = {
        "request_obj": portal_request,
        "message": message,
        "attachments": attachments,
        "franchisee": portal_request.installation.franchisee if portal_request.installation else None,
        "site_url": site_url,
    }
    files = [{"name": a.file.name, "filename": a.filename, "content_type": a.content_type} for a in attachments]
    if message.author_role != AuthorRole.CLIENT:
        user = portal_request.submitted_by
        if user is not None and not wants(user, ANSWER_MAILS):
            return
        headers, unsubscribe_url = unsubscribe_headers(user, ANSWER_MAILS) if user else ({}, "")
        queue_mail(
            key=f"request_message:{message.pk}:client",
            to=[portal_request.client.email or portal_request.client_email],
            template=MAIL + "request_answer",
            context={**context, "thread_url": links.client_thread_url(portal_request, site_url),
                     "include_text": app_settings.MAIL_INCLUDES_MESSAGE, "unsubscribe_url": unsubscribe_url},
            headers=headers,
        )
        return
    franchisee = context["franchisee"]
    if franchisee is not None and franchisee.email:
        queue_mail(
            key=f"request_message:{message.pk}:franchisee", to=[franchisee.email],
            template=MAIL + "request_client_reply",
            context={**context, "recipient": "franchisee",
                     "reply_url": links.reply_url(portal_request, franchisee, site_url)},
            reply_to=[portal_request.client_email], attachments=files,
            sensitive=True,  # carries the reply link: no copy of the body once sent
        )
    if portal_request.kind == PortalRequest.Kind.AFTER_SALES or not (franchisee and franchisee.email):
        queue_mail(
            key=f"request_message:{message.pk}:network_head", to=_network_heads(settings_obj),
            template=MAIL + "request_client_reply", context={**context, "recipient": "network_head"},
            reply_to=[portal_request.client_email], attachments=files,
        )
