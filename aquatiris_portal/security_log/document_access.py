"""The rows of the document access log, built by the routes that serve a file.

A route never writes the row itself: it builds it here, unsaved, and hands it
to ``storage.serve_private_file(..., access=row)``, whose ``access`` argument
is required and which saves the row with the response it makes. So a route
that serves a personal file cannot leave no trace (tests/unit/security_log/test_access_log_sweep.py
also checks every route and every call).
"""

import base64
import hashlib
import hmac

from django.conf import settings
from django.utils import timezone

from .access_models import DocumentAccess

Actor = DocumentAccess.Actor
FileKind = DocumentAccess.FileKind


def staff_reference(user_id, day):
    """Four characters the network traces back to one staff member on one day
    (recomputed from the staff list, or read with the row's user): the
    client sees « un conseiller Aquatiris, réf. X7Q2 », never a name."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"document-access:{user_id}:{day.isoformat()}".encode(), hashlib.sha256
    ).digest()
    return base64.b32encode(digest).decode()[:4]


def person_name(user):
    return (user.get_full_name() or "").strip() if user is not None else ""


def entry(*, route, actor, file_kind, file_id, title, client_id, user=None, actor_name="", link=None):
    """An unsaved row; ``link`` is a franchisee's ReplyLink or DocumentLink."""
    now = timezone.now()
    row = DocumentAccess(
        created_at=now,
        route=route[:80],
        actor=actor,
        file_kind=file_kind,
        file_id=file_id,
        title=(title or "")[:255],
        client_id=client_id,
        actor_name=(actor_name or "")[:300],
        user=user if user is not None and user.is_authenticated else None,
    )
    if link is not None:
        row.link_id, row.link_sent_at = link.pk, link.created_at
    if actor == Actor.STAFF and row.user is not None:
        row.staff_ref = staff_reference(row.user.pk, timezone.localdate(now))
    return row


def for_document(document, *, route, actor, user=None, actor_name="", link=None):
    """A PortalDocument: the client is its installation's."""
    installation = document.installation
    return entry(
        route=route,
        actor=actor,
        file_kind=FileKind.DOCUMENT,
        file_id=document.pk,
        title=document.title,
        client_id=installation.client_id if installation is not None else None,
        user=user,
        actor_name=actor_name,
        link=link,
    )


def for_attachment(attachment, *, route, actor, user=None, actor_name="", link=None):
    """A request's attachment: the client is the request's."""
    return entry(
        route=route,
        actor=actor,
        file_kind=FileKind.ATTACHMENT,
        file_id=attachment.pk,
        title=attachment.filename,
        client_id=attachment.request.client_id,
        user=user,
        actor_name=actor_name,
        link=link,
    )


def for_export(export, *, route, user):
    """A requests export: staff's own file, of no one client."""
    return entry(
        route=route,
        actor=Actor.STAFF,
        file_kind=FileKind.EXPORT,
        file_id=export.pk,
        title=export.filename,
        client_id=None,
        user=user,
    )
