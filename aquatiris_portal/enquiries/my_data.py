"""« Mes données » (RGPD articles 15 and 20): the person's own data as one
JSON file (``donnees.json``) plus the files they sent, in a ZIP.

The person, not their client record: their account and memberships, the
requests they sent with the whole thread and the messages they wrote
elsewhere, the files they uploaded, their notification preferences, the
files they opened (the document access log) and the security log's entries
about them. Each membership carries the person's own visit marks of that
record (« Nouveau »: previous visit, this visit started) and, for a client,
its installations' references; a household member's marks stay on their own
membership, never in this export. Each list is bounded by the person's own
rows, read in chunks.

A person reads the file: a coded value (role, notification, kind of file,
security event) is written as its label in their language, its code beside
it (``role_code``...) for a program; addresses show their domain in Unicode."""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.utils import timezone

from ..notifications.preferences import KINDS as NOTIFICATION_KINDS
from ..notifications.preferences import NotificationPreference
from ..records.emails import display_email
from ..records.models import Installation, PortalDocument
from ..security_log.access_models import DocumentAccess
from ..security_log.labels import event_label
from ..security_log.models import SecurityEvent
from .archive_zip import safe_name
from .models import PortalRequest, RequestAttachment, RequestMessage

CHUNK = 500


def _installation_references(client_ids):
    """{client id: [installation references]} of the person's clients: one query."""
    references = {}
    rows = Installation.objects.filter(client_id__in=client_ids).order_by("client_id", "reference")
    for client_id, reference in rows.values_list("client_id", "reference").iterator(CHUNK):
        references.setdefault(client_id, []).append(reference)
    return references


def _notification_label(kind):
    known = NOTIFICATION_KINDS.get(kind)
    return str(known.label) if known is not None else kind


def _account(user):
    account = getattr(user, "portal_account", None)
    rows = list(user.portal_memberships.select_related("client", "spanc").order_by("pk"))
    # The installations of the clients the person still belongs to (not of one they left).
    installations = _installation_references({row.client_id for row in rows if row.client_id and not row.removed_at})
    memberships = [
        {
            "client": membership.client.code if membership.client_id else None,
            "spanc": membership.spanc.name if membership.spanc_id else None,
            "installations": installations.get(membership.client_id, [])
            if membership.client_id and not membership.removed_at
            else None,
            "role": membership.get_role_display(),
            "role_code": membership.role,
            "since": membership.created_at,
            "removed_at": membership.removed_at,
            # « Nouveau » of this record (accounts/new_marks.py): this person's row only.
            "previous_visit_at": membership.previous_visit_at,
            "visit_started_at": membership.visit_started_at,
        }
        for membership in rows
    ]
    return {
        "email": display_email(user.email),
        "first_name": user.first_name,
        "last_name": user.last_name,
        "joined": user.date_joined,
        "last_login": user.last_login,
        "activated_at": getattr(account, "activated_at", None),
        "last_visit_at": getattr(account, "last_visit_at", None),
        "memberships": memberships,
    }


def _requests(user):
    messages_by_request = {}
    mine = Q(submitted_by=user) | Q(messages__author_user=user)
    requests = list(PortalRequest.objects.filter(mine).distinct().order_by("created_at", "pk"))
    ids = [row.pk for row in requests]
    for message in RequestMessage.objects.filter(request_id__in=ids).order_by("created_at", "pk").iterator(CHUNK):
        own_request = message.request_id in {row.pk for row in requests if row.submitted_by_id == user.pk}
        if own_request or message.author_user_id == user.pk:
            messages_by_request.setdefault(message.request_id, []).append(
                {
                    "at": message.created_at,
                    "author": message.get_author_role_display(),
                    "by_me": message.author_user_id == user.pk,
                    "text": message.body,
                }
            )
    return [
        {
            "reference": str(row.reference),
            "kind": row.get_kind_display(),
            "status": row.get_status_display(),
            "subject": row.subject_label,
            "sent_at": row.created_at,
            "installation": row.installation_reference,
            "sent_by_me": row.submitted_by_id == user.pk,
            "message": row.message if row.submitted_by_id == user.pk else None,
            "thread": messages_by_request.get(row.pk, []),
        }
        for row in requests
    ]


def write_my_data(archive, writer):
    user = archive.requested_by
    files = []
    attachments = (
        RequestAttachment.objects.select_related("request")
        .order_by("pk")
        .filter(Q(request__submitted_by=user, message__isnull=True) | Q(message__author_user=user))
    )
    for attachment in attachments.iterator(CHUNK):
        name = writer.unique_name("fichiers-envoyes", safe_name(attachment.filename))
        if writer.add_stored_file(name, attachment.file.storage, attachment.file.name):
            files.append({"file": name, "request": str(attachment.request.reference)})
    for document in PortalDocument.objects.live().filter(uploaded_by=user).order_by("pk").iterator(CHUNK):
        name = writer.unique_name("documents-deposes", safe_name(document.filename or document.title))
        if document.file and writer.add_stored_file(name, document.file.storage, document.file.name):
            files.append({"file": name, "title": document.title, "sent_at": document.created_at})
    data = {
        "generated_at": timezone.now(),
        "account": _account(user),
        "requests": _requests(user),
        "uploads": files,
        "notification_preferences": [
            {
                "kind": _notification_label(row.kind),
                "kind_code": row.kind,
                "enabled": row.enabled,
                "changed_at": row.changed_at,
            }
            for row in NotificationPreference.objects.filter(user=user).order_by("kind")
        ],
        "documents_opened": [
            {"at": row.created_at, "title": row.title, "kind": row.get_file_kind_display(), "kind_code": row.file_kind}
            for row in DocumentAccess.objects.filter(user=user).order_by("created_at", "pk").iterator(CHUNK)
        ],
        "security_log": [
            {
                "at": row.created_at,
                "event": event_label(row.kind),
                "event_code": row.kind,
                "ip": row.ip,
                "path": row.path,
            }
            for row in SecurityEvent.objects.filter(user=user).order_by("created_at", "pk").iterator(CHUNK)
        ],
    }
    writer.add_bytes("donnees.json", json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode())
    return f"mes-donnees-{timezone.localdate():%Y-%m-%d}.zip"
