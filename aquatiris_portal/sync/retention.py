"""Retention of the files of deleted documents, and of delivered outbox events.

A deleted document disappears from the portal at once (``deleted_at``);
its file stays on the private storage until this job removes it,
AQUATIRIS_PORTAL_DOCUMENT_RETENTION_DAYS later. The row stays, without file.

An outbox event carries personal data in its payload (a request's text, a
client's code) only to deliver it: once the internal system has it, the row
is kept AQUATIRIS_PORTAL_OUTBOX_RETENTION_DAYS for the admin's listing, then
deleted (``purge_delivered_events``, run by the notification schedule).
Pending and failed events are never deleted: they are still owed.
"""

import datetime
import logging

from django.utils import timezone

from ..conf import app_settings
from ..records.models import PortalDocument
from ..storage import private_storage
from .models import OutboxEvent

logger = logging.getLogger(__name__)


def purge_deleted_files(days=None):
    """Remove the files of documents deleted more than ``days`` ago
    (default: the setting); returns how many were removed."""
    days = app_settings.DOCUMENT_RETENTION_DAYS if days is None else days
    cutoff = timezone.now() - datetime.timedelta(days=days)
    purged = 0
    for pk, name in (
        PortalDocument.objects.filter(deleted_at__lt=cutoff).exclude(file="").values_list("pk", "file").iterator()
    ):
        # The row first: if deleting the file fails, a file without a row is harmless.
        PortalDocument.objects.filter(pk=pk).update(file="")
        try:
            private_storage.delete(name)
        except Exception:
            logger.warning("Could not delete the file %s of deleted document %s", name, pk, exc_info=True)
        purged += 1
    return purged


def delete_files(names):
    """Remove files no row refers to any more (replaced or of a deleted
    installation); run after the commit that dropped them."""
    for name in names:
        try:
            private_storage.delete(name)
        except Exception:
            logger.warning("Could not delete replaced file %s", name, exc_info=True)


# Rows deleted per statement, and statements per run (bounded; the next run goes on).
BATCH = 500
MAX_BATCHES = 40


def purge_delivered_events(days=None, now=None):
    """Delete the events delivered more than ``days`` ago (default:
    OUTBOX_RETENTION_DAYS; None or 0: never); returns how many."""
    days = app_settings.OUTBOX_RETENTION_DAYS if days is None else days
    if not days:
        return 0
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    # created_at first: it is indexed, and an event is delivered after it is created.
    old = OutboxEvent.objects.filter(
        status=OutboxEvent.Status.DELIVERED, created_at__lt=cutoff, delivered_at__lt=cutoff
    )
    deleted = 0
    for _batch in range(MAX_BATCHES):
        pks = list(old.values_list("pk", flat=True)[:BATCH])
        if not pks:
            break
        deleted += OutboxEvent.objects.filter(pk__in=pks).delete()[0]
    return deleted


class _Report(int):
    def __str__(self):
        return f"{int(self)} delivered outbox event(s) past retention deleted"


def send_due(now=None, force=False):
    """The notification schedule's entry (aquatiris_portal/schedule.py JOBS);
    ``force`` does not shorten the retention."""
    return _Report(purge_delivered_events(now=now))
