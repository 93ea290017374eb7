"""Every periodic job of the portal, in one table: ``JOBS``.

Three ticks (``TICKS``, dramatiq actors) run them: a periodiq scheduler
sends the ticks in production (``periodiq django_dramatiq.setup
aquatiris_portal.tasks``; the broker needs ``periodiq.PeriodiqMiddleware``),
the schedule thread of ``devworker.py`` in development, and cron users run
the commands that run the same jobs (``portal_sync``, ``portal_notify``).
Each tick runs its jobs in the table's order; a job with ``every`` runs at
most once per that period across every process and machine (a locked row,
``sync.intervals.claim_period``), read at each tick so a changed setting
applies at once.

A job is a dotted path: a dramatiq actor is sent (its work runs on a
worker), a function is called; the notification tick's functions are
``job(now=None, force=False)`` and return a report whose ``str()`` says
what they did (``force``, ``portal_notify --now``, ignores their windows,
never their idempotent keys nor people's choices). Several schedulers are
harmless: each mail has its key, each import its sequence number.
"""

import datetime
import logging
from dataclasses import dataclass

import dramatiq
from django.utils.module_loading import import_string

from .conf import DEFAULTS, app_settings
from .notifications.broker_refusals import BROKER_REFUSALS, Refusals
from .sync.intervals import claim_period

logger = logging.getLogger(__name__)

__all__ = ["sync_tick", "mail_tick", "notify_tick"]  # the actors (aquatiris_portal/tasks.py star-imports them)

# Jobs the broker refused to take (Redis down or restarting): the tick goes
# on with its other jobs and the next tick sends them; one warning a minute.
_refused_jobs = Refusals()

# tick: every how many minutes the scheduler sends it.
TICKS = {"sync_tick": 1, "mail_tick": 1, "notify_tick": 15}


@dataclass(frozen=True)
class Job:
    name: str  # also the key of its last run (``every``)
    path: str  # dotted path of the actor or function
    tick: str  # the tick that runs it (TICKS)
    command: str  # the management command that runs it too, for cron
    every: str | datetime.timedelta | None = None  # a setting in minutes, a period, or each tick
    needs: str = ""  # a setting that must be set for it to run

    def period(self):
        if isinstance(self.every, str):  # unset or 0: the setting's default
            minutes = getattr(app_settings, self.every) or DEFAULTS[self.every]
            return datetime.timedelta(minutes=max(1, int(minutes)))
        return self.every

    def run(self, now=None, force=False):
        job = import_string(self.path)
        if isinstance(job, dramatiq.Actor):
            try:
                return job.send()
            except BROKER_REFUSALS as error:
                if count := _refused_jobs.add():
                    logger.warning(
                        "Broker unreachable (%s: %s): %d job(s) not sent since the last warning, the last %s; "
                        "the next tick sends them",
                        type(error).__name__,
                        error,
                        count,
                        self.name,
                    )
                return None
        if self.tick == "notify_tick":
            return job(now=now, force=force)
        return job()


DAY = datetime.timedelta(days=1)
JOBS = (
    # Outbox events a lost message or spent retries left behind, sent again.
    Job("outbox_sweep", "aquatiris_portal.sync.tasks.sweep", "sync_tick", "portal_sync"),
    Job(
        "import",
        "aquatiris_portal.sync.tasks.import_exports",
        "sync_tick",
        "portal_sync",
        every="SYNC_INTERVAL_MINUTES",
        needs="SYNC_SOURCE",
    ),
    # The files of documents deleted more than DOCUMENT_RETENTION_DAYS ago (portal_sync --retention).
    Job("retention", "aquatiris_portal.sync.tasks.purge_deleted_document_files", "sync_tick", "portal_sync", every=DAY),
    # Mails left unsent (a lost message, a failed mail whose retries are spent).
    Job("mail_sweep", "aquatiris_portal.notifications.tasks.sweep_unsent_mail", "mail_tick", "portal_notify"),
    Job("digests", "aquatiris_portal.digests.services.send_due", "notify_tick", "portal_notify"),
    Job("visit_reminders", "aquatiris_portal.digests.visit_reminders.send_due", "notify_tick", "portal_notify"),
    Job("seasonal_reminders", "aquatiris_portal.digests.seasonal_reminders.send_due", "notify_tick", "portal_notify"),
    Job("proof_reminders", "aquatiris_portal.digests.proof_reminders.send_due", "notify_tick", "portal_notify"),
    # Not senders: retention of personal data (docs/operations.md, "What is kept"),
    # each room its own: the .ics files and texts of mails sent long ago, the
    # reply links' uses, the files of forms that came back with an error,
    # delivered outbox events.
    Job("mail_retention", "aquatiris_portal.notifications.retention.send_due", "notify_tick", "portal_notify"),
    Job("link_retention", "aquatiris_portal.enquiries.retention.send_due", "notify_tick", "portal_notify"),
    Job("pending_uploads", "aquatiris_portal.enquiries.pending_uploads.send_due", "notify_tick", "portal_notify"),
    Job("outbox_retention", "aquatiris_portal.sync.retention.send_due", "notify_tick", "portal_notify"),
    Job(
        "document_access_retention",
        "aquatiris_portal.security_log.access_retention.send_due",
        "notify_tick",
        "portal_notify",
    ),
)


def jobs_of(tick):
    return [job for job in JOBS if job.tick == tick]


def job_named(name):
    return next(job for job in JOBS if job.name == name)


def due(job, force=False):
    """Whether ``job`` runs now: its setting is set and its period has passed (claimed)."""
    if job.needs and not getattr(app_settings, job.needs):
        return False
    return force or job.every is None or claim_period(job.name, job.period())


def run_tick(tick, now=None, force=False):
    """Run the jobs of ``tick`` that are due; [(dotted path, report)]."""
    return [(job.path, job.run(now=now, force=force)) for job in jobs_of(tick) if due(job, force)]


def run_due(now=None, force=False):
    """What ``portal_notify`` and ``notify_tick`` run: every notification job once."""
    return run_tick("notify_tick", now=now, force=force)


def _every(minutes):
    """The periodiq option if the broker has its middleware (else the actors
    are still usable, sent by hand or by devworker, or replaced by cron and the commands)."""
    if "periodic" in dramatiq.get_broker().actor_options:
        from periodiq import cron  # optional dependency: only with its middleware

        return {"periodic": cron("* * * * *" if minutes == 1 else f"*/{minutes} * * * *")}
    return {}


class TickActor(dramatiq.Actor):
    """A tick: the scheduler sends it each minute. periodiq stops for good at
    the first message it cannot send, and with it every sweep: a Redis
    restart on a minute's tick lost for ever the mails whose broker messages
    went with it. A tick the broker refuses is logged and skipped; the next
    one runs the same jobs (each claims its period)."""

    def send_with_options(self, **kwargs):
        try:
            return super().send_with_options(**kwargs)
        except Exception as error:  # broker down or restarting: the next tick comes in a minute
            logger.warning(
                "Tick %s not sent (%s: %s); the next one runs its jobs", self.actor_name, type(error).__name__, error
            )
            return None


@dramatiq.actor(actor_class=TickActor, queue_name="aquatiris_sync", max_retries=0, **_every(TICKS["sync_tick"]))
def sync_tick():
    run_tick("sync_tick")


@dramatiq.actor(actor_class=TickActor, queue_name="aquatiris_mail", max_retries=0, **_every(TICKS["mail_tick"]))
def mail_tick():
    run_tick("mail_tick")


@dramatiq.actor(
    actor_class=TickActor,
    queue_name="aquatiris_mail",
    max_retries=0,
    time_limit=3600 * 1000,
    **_every(TICKS["notify_tick"]),
)
def notify_tick():
    for dotted, report in run_due():
        logger.info("%s: %s", dotted, report)
