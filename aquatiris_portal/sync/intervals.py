"""At most once per period across every process and machine: the lock the
schedule (``aquatiris_portal/schedule.py``) takes before a job that has an
interval (an import every SYNC_INTERVAL_MINUTES, the retention once a day),
kept in the database so several schedulers still run it once."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import SyncState


def claim_period(key, every):
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
