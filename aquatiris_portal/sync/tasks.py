"""Dramatiq actors of the sync room.

``sync_tick`` runs every minute when a periodiq scheduler is running
(``periodiq django_dramatiq.setup aquatiris_portal.tasks``; the broker
needs ``periodiq.PeriodiqMiddleware``). The import interval is not a cron
spec fixed at import time: each tick reads AQUATIRIS_PORTAL_SYNC_INTERVAL_MINUTES
and compares it with the last poll stored in the database (a locked row),
so a changed setting applies at once and several schedulers on several
machines still poll once per interval.
"""

import datetime
import logging

import dramatiq
from django.db import IntegrityError, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


def _every_minute():
    """The periodiq option if the broker has its middleware (else the actor
    is still usable, sent by hand or by cron through ``portal_sync``)."""
    if "periodic" in dramatiq.get_broker().actor_options:
        from periodiq import cron

        return {"periodic": cron("* * * * *")}
    return {}


@dramatiq.actor(queue_name="aquatiris_sync", max_retries=20, min_backoff=5_000, max_backoff=3_600_000)
def deliver_outbox_event(event_id):
    from .delivery import deliver

    deliver(event_id)


# An import may be long: no time limit worth the name; no retry, the next tick resumes it.
@dramatiq.actor(queue_name="aquatiris_sync", max_retries=0, time_limit=24 * 3600 * 1000)
def import_exports(source=None):
    from ..conf import app_settings
    from .importer import import_source

    source = source or app_settings.SYNC_SOURCE
    if not source:
        return
    result = import_source(source)
    for run in result.runs:
        logger.info("Export #%s: %s %s", run.sequence, run.state, run.counts)
    if result.failed:
        logger.error("Import of %s failed: %s", source, "; ".join(run.error for run in result.failed))


@dramatiq.actor(queue_name="aquatiris_sync", max_retries=0, time_limit=6 * 3600 * 1000)
def purge_deleted_document_files():
    from .importer import purge_deleted_files

    purged = purge_deleted_files()
    logger.info("Retention: %s file(s) of deleted documents removed", purged)


def claim(key, every):
    """True once per ``every`` (timedelta) across all processes: the row of
    ``key`` is locked while it is read and moved on."""
    from .models import SyncState

    try:
        SyncState.objects.get_or_create(key=key)
    except IntegrityError:  # created by another scheduler at the same moment
        pass
    with transaction.atomic():
        state = SyncState.objects.select_for_update().get(key=key)
        now = timezone.now()
        # 20 s of slack: ticks arrive a little before or after the minute.
        if state.last_run_at and now - state.last_run_at < every - datetime.timedelta(seconds=20):
            return False
        state.last_run_at = now
        state.save(update_fields=["last_run_at"])
        return True


@dramatiq.actor(queue_name="aquatiris_sync", max_retries=0, **_every_minute())
def sync_tick():
    """Every minute: sweep the outbox and the mails, start an import when the
    interval has passed, the retention job once a day."""
    from ..conf import app_settings
    from ..notifications.tasks import sweep_unsent_mail
    from .delivery import sweep

    sweep()
    sweep_unsent_mail.send()
    interval = datetime.timedelta(minutes=max(1, int(app_settings.SYNC_INTERVAL_MINUTES or 5)))
    if app_settings.SYNC_SOURCE and claim("import", interval):
        import_exports.send()
    if claim("retention", datetime.timedelta(days=1)):
        purge_deleted_document_files.send()
