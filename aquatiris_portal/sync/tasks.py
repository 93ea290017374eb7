"""Dramatiq actors of the sync room (delivery is filled in by the sync issue)."""

import dramatiq


@dramatiq.actor(queue_name="aquatiris_sync", max_retries=20, min_backoff=5_000, max_backoff=3_600_000)
def deliver_outbox_event(event_id):
    from .delivery import deliver

    deliver(event_id)
