"""What runs every minute (periodiq), and how often each job really runs.

``sync_tick`` and ``mail_tick`` run every minute when a periodiq scheduler
is running (``periodiq django_dramatiq.setup aquatiris_portal.tasks``; the
broker needs ``periodiq.PeriodiqMiddleware``). The import interval is not a
cron spec fixed at import time: each tick reads
AQUATIRIS_PORTAL_SYNC_INTERVAL_MINUTES and compares it with the last poll
stored in the database (a locked row, ``claim``), so a changed setting
applies at once and several schedulers on several machines still poll once
per interval.
"""

import datetime

import dramatiq
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..conf import app_settings
from ..notifications.tasks import sweep_unsent_mail
from .models import SyncState
from .tasks import import_exports, purge_deleted_document_files, sweep

__all__ = ["sync_tick", "mail_tick"]  # the actors (aquatiris_portal/tasks.py star-imports them)


def _every_minute():
    """The periodiq option if the broker has its middleware (else the actors
    are still usable, sent by hand, or replaced by cron and ``portal_sync``)."""
    if "periodic" in dramatiq.get_broker().actor_options:
        from periodiq import cron  # optional dependency: only with its middleware

        return {"periodic": cron("* * * * *")}
    return {}


def claim(key, every):
    """True once per ``every`` (timedelta) across all processes: the row of
    ``key`` is locked while it is read and moved on."""
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
    """Every minute: sweep the outbox, start an import when the interval has
    passed, the retention job once a day."""
    sweep()
    interval = datetime.timedelta(minutes=max(1, int(app_settings.SYNC_INTERVAL_MINUTES or 5)))
    if app_settings.SYNC_SOURCE and claim("import", interval):
        import_exports.send()
    if claim("retention", datetime.timedelta(days=1)):
        purge_deleted_document_files.send()


@dramatiq.actor(queue_name="aquatiris_mail", max_retries=0, **_every_minute())
def mail_tick():
    """Every minute: the notifications room's sweep of mails left unsent."""
    sweep_unsent_mail.send()
