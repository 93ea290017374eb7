"""Request threads: a message is written, the request moves on, the people
concerned hear of it. One transaction for everything (message, attachments,
request, outbox event, mails); files only after every check passed.

Every message goes through ``post_message``, the opening one too. Who hears
what (the recipients are decided in ``routing.py``):
- a message from the franchisee, staff or the internal system: the client
  gets a mail saying who answered, with a link to the thread (the text
  only if AQUATIRIS_PORTAL_MAIL_INCLUDES_MESSAGE);
- the request (opening message): the franchisee gets it with the recap and a
  reply link, the network head too for after-sales, the client a copy;
- a message from the client: the franchisee gets it with the recap and a
  fresh reply link; after-sales requests also go to the network head; the
  replies of a few minutes go as one mail (REPLY_MAIL_WINDOW_MINUTES), and
  a client sends no more than the limits of ``limits.py``;
- every message not from the internal system (not imported): outbox event
  ``request_message_posted``.
"""

import datetime
import logging
import re

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ..conf import app_settings
from ..notifications.mail import queue_mail, update_pending_mail
from ..notifications.models import OutgoingMail
from ..notifications.preferences import unsubscribe_headers
from ..sync.outbox import record_event
from ..uploads import safe_filename
from . import authors, greetings, limits, links, routing
from .models import AuthorRole, PortalRequest, RequestAttachment, RequestMessage

logger = logging.getLogger(__name__)

MAIL = "aquatiris_portal/mail/"

ANSWER_MAILS = routing.ANSWER_MAILS


# Who answers a client, and the statuses their answer moves to "answered".
ANSWERING_ROLES = (AuthorRole.FRANCHISEE, AuthorRole.STAFF)
WAITING_STATUSES = (PortalRequest.Status.NEW, PortalRequest.Status.IN_PROGRESS)
# What the franchisee may set from his reply page.
FRANCHISEE_STATUSES = (PortalRequest.Status.PLANNED, PortalRequest.Status.RESOLVED)


class ThreadClosed(Exception):
    """The client wrote on a closed request (reopen it first)."""


def save_attachments(portal_request, message, checked_files):
    """Store already checked files (``uploads.validate_uploads``) privately:
    the files of every message, the opening one's (``message`` None) too."""
    attachments = []
    for uploaded, file_kind, content_type in checked_files:
        attachment = RequestAttachment(
            request=portal_request,
            message=message,
            filename=safe_filename(uploaded.name, file_kind),
            content_type=content_type,
            size=uploaded.size,
        )
        uploaded.seek(0)
        attachment.file.save(attachment.filename, uploaded, save=False)
        attachment.save()
        attachments.append(attachment)
    return attachments


def post_message(
    portal_request,
    *,
    role,
    body,
    channel,
    author_name="",
    user=None,
    checked_files=(),
    external_id=None,
    sent_at=None,
    status=None,
    site_url="",
    portal_settings=None,
    stored_files=(),
    status_line=None,
):
    """Add a message to the thread and tell whom it concerns; return it.

    Every message of a thread goes through here, the opening one too: a
    request not saved yet (``services.submit_request``) is opened with
    ``body`` as its text (``PortalRequest.message``; the message returned
    then is not stored, it stands for that text).

    ``checked_files``: uploads already validated; ``stored_files``: files
    already on the private storage (import), as dicts ``{name, filename,
    content_type, size}``. ``status``: the new status if the author says so
    (staff, internal system).
    """
    if portal_request.pk is None:
        return _open(
            portal_request,
            role=role,
            body=body,
            channel=channel,
            user=user,
            checked_files=checked_files,
            site_url=site_url,
            portal_settings=portal_settings,
        )
    now = timezone.now()
    with transaction.atomic():
        portal_request = (
            PortalRequest.objects.select_for_update(of=("self",))
            .select_related("installation__franchisee", "client", "franchisee")
            .get(pk=portal_request.pk)
        )
        if role == AuthorRole.CLIENT and portal_request.is_closed:
            raise ThreadClosed(portal_request.reference)
        if role == AuthorRole.CLIENT:
            # Before anything is stored: over a limit, LimitReached rolls it all back.
            limits.enforce(user, attachment_bytes=limits.files_size(checked_files))
        if role == AuthorRole.CLIENT and user is not None:
            # One of the record's people: their own name, not the record's (a couple, a household).
            author_name = authors.author_label(user, author_name)
        message = RequestMessage.objects.create(
            request=portal_request,
            author_role=role,
            author_name=author_name[:200],
            author_user=user,
            channel=channel,
            body=body,
            created_at=sent_at or now,
            external_id=external_id,
            status_set=status_line[0] if status_line else "",
            status_date=status_line[1] if status_line else None,
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
        # An answer moves a waiting request on; an import says its status itself.
        if (
            not status
            and role in ANSWERING_ROLES
            and channel != RequestMessage.Channel.IMPORT
            and portal_request.status in WAITING_STATUSES
        ):
            status = PortalRequest.Status.ANSWERED
        if status:
            fields += portal_request.set_status(status, now)
        portal_request.save(update_fields=list(dict.fromkeys(fields)))
        # What came from the internal system (an import) does not go back to it.
        if channel != RequestMessage.Channel.IMPORT and role != AuthorRole.INTERNAL_SYSTEM:
            record_event(
                "request_message_posted",
                message_payload(portal_request, message, attachments),
                installation=portal_request.installation,
            )
        notify(portal_request, message, attachments, site_url=site_url, portal_settings=portal_settings)
    return message


def _open(portal_request, *, role, body, channel, user, checked_files, site_url, portal_settings):
    """The opening message: the request itself, its files, its event and mails, in one transaction."""
    with transaction.atomic():
        # Before anything is stored: over a limit, LimitReached rolls it all back.
        limits.enforce(user, attachment_bytes=limits.files_size(checked_files))
        portal_request.message = body
        portal_request.fill_recap()
        portal_request.save()
        message = RequestMessage(
            request=portal_request,
            author_role=role,
            author_user=user,
            channel=channel,
            author_name=authors.author_label(user, portal_request.client.full_name if portal_request.client_id else ""),
            body=body,
            created_at=portal_request.created_at,
        )
        attachments = save_attachments(portal_request, None, checked_files)
        record_event(
            "request_submitted", request_payload(portal_request, attachments), installation=portal_request.installation
        )
        _notify_opening(portal_request, attachments, portal_settings, site_url)
    # Files written inside a rolled-back transaction would be orphans: the
    # transaction only fails before commit, in which case nothing was sent.
    return message


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
        "sent_by": authors.sent_by(portal_request.submitted_by, record_name=portal_request.client.full_name),
        "created_at": portal_request.created_at.isoformat(),
        "attachments": [{"filename": a.filename, "content_type": a.content_type, "size": a.size} for a in attachments],
    }


def franchisee_sets_status(portal_request, franchisee, status, *, planned_for=None, note="", site_url=""):
    """The franchisee sets "planned" (with the day) or "resolved" from his
    reply page: a message with a status line goes into the thread and the
    client hears of it like of an answer (preferences apply). Setting what is
    already set (same status, same day) does nothing: returns None."""
    if status not in FRANCHISEE_STATUSES:
        raise ValueError(status)
    planned_for = planned_for if status == PortalRequest.Status.PLANNED else None
    if portal_request.status == status and portal_request.planned_for == planned_for and not note:
        return None
    with transaction.atomic():
        locked = PortalRequest.objects.select_for_update().get(pk=portal_request.pk)
        if locked.status == status and locked.planned_for == planned_for and not note:
            return None  # a double submit
        locked.planned_for = planned_for
        locked.save(update_fields=["planned_for"])
        message = post_message(
            locked,
            role=AuthorRole.FRANCHISEE,
            channel=RequestMessage.Channel.REPLY_LINK,
            author_name=franchisee.contact_name or franchisee.company,
            body=note,
            status=status,
            status_line=(status, planned_for),
            site_url=site_url,
        )
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
    record_event(
        "request_status_changed",
        {
            "reference": str(portal_request.reference),
            "status": portal_request.status,
            "changed_by": role,
        },
        installation=portal_request.installation,
    )


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
        "sent_by": authors.sent_by(message.author_user, message.author_name),
        "body": message.body,
        "sent_at": message.created_at.isoformat(),
        "status": portal_request.status,
        "planned_for": portal_request.planned_for.isoformat() if portal_request.planned_for else None,
        "attachments": [
            # download_url is added at each delivery attempt (sync/delivery.body_for).
            {"id": a.pk, "filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in attachments
        ],
    }


# -- who hears of it (the recipients: routing.py) -------------------------------------


def _franchisee_of(portal_request):
    return portal_request.installation.franchisee if portal_request.installation else None


def _notify_opening(portal_request, attachments, portal_settings, site_url):
    """The request to the franchisee and/or the network heads, and its copy to the client."""
    franchisee = _franchisee_of(portal_request)
    context = {
        "request_obj": portal_request,
        "franchisee": franchisee,
        "attachments": attachments,
        "site_url": site_url,
    }
    files = _files_of_attachments(attachments)
    reference = portal_request.reference
    for recipient, to in routing.client_message_recipients(portal_request, franchisee, portal_settings).items():
        extra = {}
        if recipient == routing.FRANCHISEE:
            extra["reply_url"] = links.reply_url(portal_request, franchisee, site_url)
        queue_mail(
            key=f"request:{reference}:{recipient}",
            to=to,
            template=MAIL + "request_franchisee",
            context={**context, "recipient": recipient, **extra},
            reply_to=routing.reply_to(recipient, portal_request),
            attachments=files,
            # The franchisee's carries the reply link: no copy of the body once sent.
            sensitive=recipient == routing.FRANCHISEE,
        )
    to, reply_to = routing.client_copy(portal_request, franchisee)
    queue_mail(
        key=f"request:{reference}:client_copy",
        to=to,
        template=MAIL + "request_client_copy",
        context={
            **context,
            "thread_url": links.client_thread_url(portal_request, site_url),
            "answer_days": getattr(portal_settings, "request_answer_days", None),
            # The person who logs in with the address it goes to, not whoever sent it.
            "greeting": greetings.for_recipient(
                greetings.account_at(to[0]) if to else None,
                portal_request.client,
                greetings.request_names(portal_request),
            ),
        },
        reply_to=reply_to,
    )


def notify(portal_request, message, attachments, *, site_url="", portal_settings=None):
    context = {
        "request_obj": portal_request,
        "message": message,
        "attachments": attachments,
        "franchisee": _franchisee_of(portal_request),
        "site_url": site_url,
    }
    if message.author_role != AuthorRole.CLIENT:
        # One mail per person of the client who wants it, with their own way out;
        # the one at the client's own address keeps the key it always had.
        for user, address, own in routing.answer_recipients(portal_request):
            headers, unsubscribe_url = unsubscribe_headers(user, ANSWER_MAILS) if user else ({}, "")
            queue_mail(
                key=f"request_message:{message.pk}:client" + ("" if own else f":{user.pk}"),
                to=[address],
                template=MAIL + "request_answer",
                context={
                    **context,
                    "thread_url": links.client_thread_url(portal_request, site_url),
                    "greeting": greetings.for_recipient(
                        user, portal_request.client, greetings.request_names(portal_request)
                    ),
                    "include_text": app_settings.MAIL_INCLUDES_MESSAGE,
                    "unsubscribe_url": unsubscribe_url,
                },
                headers=headers,
            )
        return
    _notify_client_reply(portal_request, context, portal_settings)


# -- a client's replies: one mail per window ------------------------------------------
#
# The mail to the franchisee (and the network head) for a client's reply is
# queued with ``not_before`` = now + REPLY_MAIL_WINDOW_MINUTES. Until then,
# each further reply of the thread rewrites that pending mail so that it
# holds every reply since the first (the thread's row lock, taken by
# post_message, orders the replies). Once a worker has claimed it, the next
# reply starts a new mail: each reply is in exactly one mail. The mail's key
# names its first reply (``request_message:<pk>:<recipient>``).

REPLY_KEY = "request_message:{pk}:{recipient}"


def reply_window():
    return datetime.timedelta(minutes=app_settings.REPLY_MAIL_WINDOW_MINUTES or 0)


def _pending_reply_mail(portal_request, recipient, now, window):
    """The reply mail of this thread and recipient still waiting for its window, or None."""
    recent = portal_request.messages.filter(author_role=AuthorRole.CLIENT, created_at__gte=now - window)
    keys = [REPLY_KEY.format(pk=pk, recipient=recipient) for pk in recent.values_list("pk", flat=True)]
    return (
        OutgoingMail.objects.filter(key__in=keys, status=OutgoingMail.Status.PENDING, not_before__gt=now)
        .order_by("pk")
        .first()
    )


def _replies_from(portal_request, first_pk):
    """The client's replies of the thread from ``first_pk`` on, each with ``.files``: two queries."""
    replies = list(
        portal_request.messages.filter(author_role=AuthorRole.CLIENT, pk__gte=first_pk).order_by("created_at", "pk")
    )
    by_message = {}
    for attachment in RequestAttachment.objects.filter(message__in=replies).order_by("pk"):
        by_message.setdefault(attachment.message_id, []).append(attachment)
    for reply in replies:
        reply.files = by_message.get(reply.pk, [])
    return replies


def _reply_url_in(mail):
    """The reply link a pending mail already carries (its token exists only
    there), so that rewriting the mail issues no second link."""
    sentinel = "aqp0token0sentinel"
    prefix, suffix = reverse("aquatiris_portal:request_reply", args=[sentinel]).split(sentinel)
    found = re.search(r"https?://\S*?" + re.escape(prefix) + r"[A-Za-z0-9_\-]+" + re.escape(suffix), mail.body_text)
    return found.group(0) if found else ""


def _files_of_attachments(attachments):
    return [{"name": a.file.name, "filename": a.filename, "content_type": a.content_type} for a in attachments]


def _files_of(replies):
    return _files_of_attachments([a for reply in replies for a in reply.files])


def _notify_client_reply(portal_request, context, portal_settings):
    message = context["message"]
    message.files = list(context["attachments"])
    franchisee = context["franchisee"]
    site_url = context["site_url"]
    window = reply_window()
    now = timezone.now()
    for recipient, to in routing.client_message_recipients(portal_request, franchisee, portal_settings).items():
        pending = _pending_reply_mail(portal_request, recipient, now, window) if window else None
        if pending is not None:
            replies = _replies_from(portal_request, int(pending.key.split(":")[1]))
            extra = {}
            if recipient == routing.FRANCHISEE:
                extra["reply_url"] = _reply_url_in(pending) or links.reply_url(portal_request, franchisee, site_url)
            reply_context = {
                **context,
                "recipient": recipient,
                "replies": replies,
                "message": replies[-1],
                "attachments": [a for reply in replies for a in reply.files],
                **extra,
            }
            if update_pending_mail(
                pending, template=MAIL + "request_client_reply", context=reply_context, attachments=_files_of(replies)
            ):
                continue
            # A worker took it meanwhile: this reply starts the next mail.
        extra = {}
        if recipient == routing.FRANCHISEE:
            extra["reply_url"] = links.reply_url(portal_request, franchisee, site_url)
        queue_mail(
            key=REPLY_KEY.format(pk=message.pk, recipient=recipient),
            to=to,
            template=MAIL + "request_client_reply",
            context={**context, "recipient": recipient, "replies": [message], **extra},
            reply_to=routing.reply_to(recipient, portal_request),
            attachments=_files_of([message]),
            # Both carry what the client wrote; the franchisee's carries the reply link.
            sensitive=recipient == routing.FRANCHISEE,
            not_before=now + window if window else None,
        )
