"""``message`` records of the exchange format (docs/exchange-format.md):
answers written in the internal system, added to the thread of the request
whose reference they name. Applied by the sync's importer through the hook
``register_portal_record_handler`` (wagtail_hooks.py, read by
``sync.mapping.handler_for``): the sync does not know the rooms where
people act.

A message is applied once: its ``id`` is ``RequestMessage.external_id``; a
message already imported is unchanged (its status is not applied again),
so re-importing an export changes nothing. An unknown reference, or an
attachment that is missing, damaged or not a PDF/DOCX, quarantines the
record (nothing of it is written). A new message sets the request's status
if it has one, and the client hears of it (threads.notify); no outbox event
(the internal system wrote it).
"""

import logging
import posixpath
import uuid

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..sync.files import copy_file
from ..sync.validation import Rejected
from ..uploads import KINDS, safe_filename
from .models import PortalRequest, RequestMessage
from .threads import post_message

logger = logging.getLogger(__name__)


def _reference(value):
    try:
        return str(uuid.UUID(str(value)))
    except (TypeError, ValueError):
        return None


def apply_messages(items, batch):
    references = {item.rid: _reference(item.record["request"]) for item in items}
    requests = PortalRequest.objects.in_bulk([ref for ref in references.values() if ref], field_name="reference")
    requests = {str(key): value for key, value in requests.items()}
    existing = set(
        RequestMessage.objects.filter(external_id__in=[item.rid for item in items]).values_list(
            "external_id", flat=True
        )
    )
    for item in items:
        record = item.record
        if item.rid in existing:
            batch.count("unchanged")
            batch.applied("message", item.rid)
            continue
        portal_request = requests.get(references[item.rid] or "")
        if portal_request is None:
            batch.quarantine(
                item,
                _("Unknown request “%(reference)s”: no request of the portal has this reference.")
                % {"reference": record["request"]},
            )
            continue
        try:
            stored, copied = _files(batch.export, item)
        except Rejected as rejected:
            batch.quarantine(item, rejected.reason)
            continue
        author = record["author"]
        try:
            with transaction.atomic():
                post_message(
                    portal_request,
                    role=author["role"],
                    channel=RequestMessage.Channel.IMPORT,
                    author_name=author.get("name") or "",
                    body=record["body"],
                    external_id=item.rid,
                    sent_at=record["sent_at"],
                    status=record.get("status") or None,
                    stored_files=stored,
                )
        except IntegrityError:  # imported meanwhile by another run
            batch.count("unchanged")
            batch.applied("message", item.rid)
            continue
        batch.count("created")
        batch.count("files", copied)
        batch.applied("message", item.rid)


def _files(export, item):
    """Copy the message's attachments (checked like documents' files)."""
    stored, copied = [], 0
    for index, attachment in enumerate(item.record.get("attachments") or []):
        name, kind, size, was_copied = copy_file(
            export, {"id": f"{item.rid}:{index}", "file": attachment["file"], "sha256": attachment["sha256"]}
        )
        title = attachment.get("title") or posixpath.splitext(posixpath.basename(attachment["file"]))[0]
        stored.append(
            {"file": name, "filename": safe_filename(title, kind), "content_type": KINDS[kind][0], "size": size}
        )
        copied += int(was_copied)
    return stored, copied
