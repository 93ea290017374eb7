"""Dramatiq actors of the sync room: outbox delivery, imports, retention.
What runs them on a schedule is ``schedule.py``."""

import logging

import dramatiq
from django.db import transaction

from ..conf import app_settings
from .delivery import deliver, mark_pending, next_undelivered, stale_events
from .importer import import_source
from .retention import purge_deleted_files

__all__ = ["deliver_outbox_event", "import_exports", "purge_deleted_document_files"]

logger = logging.getLogger(__name__)


def _retry_outbox(retries, exception):
    # Read at each failure (not when the actor is declared, before settings
    # may be overridden), so the setting applies without a restart. After the
    # last retry the event stays failed and the schedule's sweep sends it again.
    return retries < app_settings.OUTBOX_MAX_RETRIES


@dramatiq.actor(queue_name="aquatiris_sync", retry_when=_retry_outbox, min_backoff=5_000, max_backoff=3_600_000)
def deliver_outbox_event(event_id):
    deliver(event_id, on_delivered=send_next)


def send_next(ordering_key):
    """Enqueue the oldest undelivered event of an installation."""
    pk = next_undelivered(ordering_key)
    if pk is not None:
        try:
            deliver_outbox_event.send(pk)
        except Exception:
            logger.exception("Could not enqueue outbox event %s; the sweep will", pk)


def sweep(limit=500):
    """Re-enqueue the events a lost message or exhausted retries left behind
    (``delivery.stale_events``); returns how many."""
    pks = stale_events(limit)
    for pk in pks:
        deliver_outbox_event.send(pk)
    return len(pks)


def retry(events):
    """Admin action: deliver these events again now (after the commit)."""
    pks = mark_pending(events)
    for pk in pks:
        transaction.on_commit(lambda pk=pk: deliver_outbox_event.send(pk))
    return len(pks)


# A job that finds another import holding the lock (a push during the
# schedule's import) runs again later, after 15 s, 30 s, ... at most 5 min
# apart, this many times, instead of waiting for the schedule's next tick
# (which stays the safety net).
IMPORT_BUSY_RETRIES = 8


def _retry_busy_import(retries, exception):
    # Only "busy" is retried: an import that failed is resumed by the next tick.
    return isinstance(exception, dramatiq.Retry) and retries < IMPORT_BUSY_RETRIES


# An import may be long: no time limit worth the name.
@dramatiq.actor(
    queue_name="aquatiris_sync",
    retry_when=_retry_busy_import,
    min_backoff=15_000,
    max_backoff=300_000,
    time_limit=24 * 3600 * 1000,
)
def import_exports(source=None):
    source = source or app_settings.SYNC_SOURCE
    if not source:
        return
    result = import_source(source)
    if result.busy:
        # dramatiq.Retry: retried by the Retries middleware, not logged as an error.
        raise dramatiq.Retry(f"another import of {source} is running")
    for run in result.runs:
        logger.info("Export #%s: %s %s", run.sequence, run.state, run.counts)
    if result.failed:
        logger.error("Import of %s failed: %s", source, "; ".join(run.error for run in result.failed))


@dramatiq.actor(queue_name="aquatiris_sync", max_retries=0, time_limit=6 * 3600 * 1000)
def purge_deleted_document_files():
    purged = purge_deleted_files()
    logger.info("Retention: %s file(s) of deleted documents removed", purged)
