"""What ``portal_notify`` and the schedule run: every notification job that
sends what is due (digests here; visit reminders add theirs to NOTIFIERS).

Each job is ``job(now=None, force=False)`` and returns a report whose
``str()`` says what it sent; ``force`` (``--now``) ignores the windows,
never the idempotent keys nor people's choices.

``notify_tick`` runs every 15 minutes with a periodiq scheduler (the same
one as ``sync_tick``: ``periodiq django_dramatiq.setup aquatiris_portal.tasks``).
Several schedulers on several machines are harmless: each mail has its key
and each person's row is locked while their digest is decided.
"""

import logging

import dramatiq
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

__all__ = ["notify_tick"]

NOTIFIERS = [
    "aquatiris_portal.digests.services.send_due",
    "aquatiris_portal.digests.visit_reminders.send_due",
    "aquatiris_portal.digests.seasonal_reminders.send_due",
    # Not senders: retention of personal data (README, "What is kept"): the
    # .ics files and texts of mails sent long ago, the reply links' uses,
    # delivered outbox events.
    "aquatiris_portal.notifications.retention.send_due",
    "aquatiris_portal.enquiries.retention.send_due",
    # Files kept for a form that came back with an error, once expired.
    "aquatiris_portal.enquiries.pending_uploads.send_due",
    "aquatiris_portal.sync.retention.send_due",
]


def run_due(now=None, force=False):
    """Run every notification job once; [(dotted path, report)]."""
    reports = []
    for dotted in NOTIFIERS:
        job = import_string(dotted)
        reports.append((dotted, job(now=now, force=force)))
    return reports


def _every_quarter_hour():
    if "periodic" in dramatiq.get_broker().actor_options:
        from periodiq import cron  # optional dependency: only with its middleware

        return {"periodic": cron("*/15 * * * *")}
    return {}


@dramatiq.actor(queue_name="aquatiris_mail", max_retries=0, time_limit=3600 * 1000, **_every_quarter_hour())
def notify_tick():
    for dotted, report in run_due():
        logger.info("%s: %s", dotted, report)
