"""Retention of the document access log: rows older than
AQUATIRIS_PORTAL_DOCUMENT_ACCESS_RETENTION_DAYS (365 by default; None or 0:
kept for ever) are deleted, in bounded batches. Run by the notification
schedule (aquatiris_portal/schedule.py JOBS); the client's page states the period."""

import datetime

from django.utils import timezone

from ..conf import app_settings
from .access_models import DocumentAccess

# Rows deleted per statement, and statements per run (the next run goes on).
BATCH = 1000
MAX_BATCHES = 50


def purge_document_accesses(days=None, now=None):
    """Delete the rows older than ``days`` (default: the setting); how many."""
    days = app_settings.DOCUMENT_ACCESS_RETENTION_DAYS if days is None else days
    if not days:
        return 0
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    deleted = 0
    for _batch in range(MAX_BATCHES):
        pks = list(DocumentAccess.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[:BATCH])
        if not pks:
            break
        deleted += DocumentAccess.objects.filter(pk__in=pks).delete()[0]
    return deleted


class _Report(int):
    def __str__(self):
        return f"{int(self)} document access(es) past retention deleted"


def send_due(now=None, force=False):
    """The schedule's entry; ``force`` does not shorten the retention."""
    return _Report(purge_document_accesses(now=now))
