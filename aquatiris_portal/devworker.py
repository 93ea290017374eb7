"""Development mode: the background jobs run inside ``runserver``.

With ``AQUATIRIS_PORTAL_RUN_JOBS_IN_PROCESS = True`` (development only: a
system check refuses it when ``DEBUG`` is off) and dramatiq's in-memory
``StubBroker``, a dramatiq worker starts in a thread of the ``runserver``
process, so mails are sent (and printed by the console email backend) and
imports run with no Redis and no ``rundramatiq``. One worker thread on
SQLite, whose writers lock each other; two on other databases.

A StubBroker lives in one process's memory, so two more things make the
mails of other processes go out:

- a schedule thread in runserver (``Schedule``): every
  ``RUN_JOBS_SWEEP_SECONDS`` (15 s) it enqueues the mails left pending in
  the database (``manage.py shell``, a command that died), and each minute
  it sends the ticks production's periodiq scheduler sends (``schedule.TICKS``:
  ``sync_tick``, ``mail_tick``, ``notify_tick``, each at its minutes);
- a management command that queues jobs (``portal_sync``,
  ``portal_notify``) runs them itself before it exits
  (``jobs_done_on_exit``), so it needs no server.

Both may take the same mail: ``deliver_mail`` claims the row first (one
conditional UPDATE), so it is sent once.

Production runs ``manage.py rundramatiq`` and periodiq on Redis instead
(docs/operations.md, "The processes"); none of this runs there.
"""

import contextlib
import datetime
import logging
import os
import queue
import sys
import threading
import time

import dramatiq
from django.conf import settings
from django.db import close_old_connections
from dramatiq import Message, Worker
from dramatiq.brokers.stub import StubBroker

from .conf import app_settings

logger = logging.getLogger("aquatiris_portal")

_lock = threading.Lock()
_worker = None
_schedule = None
# Jobs a command runs before it exits, at most (each may enqueue more).
DRAIN_LIMIT = 10_000


def broker_is_stub():
    return isinstance(dramatiq.get_broker(), StubBroker)


def serving_with_runserver(argv=None, environ=None):
    """True in the process of ``runserver`` that serves requests (the
    autoreloader's child, or the only process with ``--noreload``)."""
    argv = sys.argv if argv is None else argv
    environ = os.environ if environ is None else environ
    if len(argv) < 2 or argv[1] != "runserver":
        return False
    return environ.get("RUN_MAIN") == "true" or "--noreload" in argv


def worker_threads():
    sqlite = any(db.get("ENGINE", "").endswith("sqlite3") for db in settings.DATABASES.values())
    return 1 if sqlite else 2


def enabled():
    """The setting is on and allowed (DEBUG on, a StubBroker)."""
    return bool(app_settings.RUN_JOBS_IN_PROCESS) and settings.DEBUG and broker_is_stub()


def maybe_start():
    """Called from the AppConfig's ``ready``: start the worker when the
    development mode is on and this process is runserver's."""
    if serving_with_runserver() and enabled():
        return start()
    return None


def start(schedule=True):
    """Start the in-process worker once (idempotent), and the schedule
    thread unless ``schedule`` is false; returns the worker."""
    global _worker, _schedule
    from . import tasks  # noqa: F401  (declares every actor on the broker)

    with _lock:
        if _worker is None:
            _worker = Worker(dramatiq.get_broker(), worker_threads=worker_threads(), worker_timeout=500)
            _worker.start()
            logger.info("aquatiris_portal: background jobs run in this process (%d thread(s))", _worker.worker_threads)
        if schedule and _schedule is None:
            _schedule = Schedule(dramatiq.get_broker())
            _schedule.start()
    return _worker


def stop():
    global _worker, _schedule
    with _lock:
        if _schedule is not None:
            _schedule.stop()
            _schedule = None
        if _worker is not None:
            _worker.stop()
            _worker = None


def running():
    return _worker is not None


# -- the schedule of runserver's process


class Schedule:
    """What periodiq and the sweeps do in production, for runserver's
    process: ``step()`` does what is due and says how long to wait."""

    def __init__(self, broker, *, clock=datetime.datetime.now, monotonic=time.monotonic):
        self.broker, self.clock, self.monotonic = broker, clock, monotonic
        self.next_sweep = None
        self.minute = None
        self._stop = threading.Event()
        self._thread = None

    def periodic_actors(self):
        # Late, like start()'s: declaring the ticks needs django_dramatiq's broker.
        from .schedule import TICKS

        return [self.broker.get_actor(name) for name in TICKS]

    def due_actors(self, minute):
        """The ticks due at ``minute`` (local time, as periodiq's ``*/n`` crons)."""
        from .schedule import TICKS  # late: see periodic_actors

        return [actor for actor in self.periodic_actors() if minute.minute % TICKS[actor.actor_name] == 0]

    def sweep(self):
        """Enqueue the mails other processes left pending. Skipped while
        this process's mail queue has work: that work may be the same mails
        (enqueued once is enough), and the queue stays bounded."""
        # Late, like start()'s: declaring the actors needs django_dramatiq's broker.
        from .notifications.tasks import deliver_mail, enqueue_unsent

        mail_queue = self.broker.queues.get(deliver_mail.queue_name)
        if mail_queue is not None and mail_queue.unfinished_tasks:
            return None
        return enqueue_unsent(failed=False)

    def step(self):
        now = self.monotonic()
        if self.next_sweep is None or now >= self.next_sweep:
            self._safely(self.sweep)
            self.next_sweep = now + max(1.0, float(app_settings.RUN_JOBS_SWEEP_SECONDS))
        minute = self.clock().replace(second=0, microsecond=0)
        if self.minute is None:
            self.minute = minute  # like periodiq: the first ticks at the next minute
        elif minute != self.minute:  # minutes missed while asleep count once
            self.minute = minute
            for actor in self.due_actors(minute):
                self._safely(actor.send)
        close_old_connections()
        until_next_minute = 60 - (self.clock() - minute).total_seconds()
        return max(0.05, min(self.next_sweep - self.monotonic(), until_next_minute))

    @staticmethod
    def _safely(job):
        try:
            return job()
        except Exception as error:  # a locked database, tables not migrated yet: the next round tries again
            logger.warning(
                "aquatiris_portal: in-process schedule: %s failed, %s: %s",
                getattr(job, "__name__", job),
                type(error).__name__,
                error,
            )
            return None

    def start(self):
        self._thread = threading.Thread(target=self._run, name="aquatiris-schedule", daemon=True)
        self._thread.start()

    def _run(self):
        wait = 0
        while not self._stop.wait(wait):
            wait = self.step()

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)


# -- commands run their own jobs


def _next_message(broker):
    for name in list(broker.queues):
        try:
            return broker.queues[name], broker.queues[name].get_nowait()
        except queue.Empty:
            continue
    return None, None


def drain(broker=None, limit=DRAIN_LIMIT):
    """Run, in this thread, every job queued on this process's StubBroker
    (and those they queue), each once: a failure is logged and left to the
    sweeps (a failed mail stays ``failed``; runserver's schedule retries it).
    Returns how many ran; nothing on another broker."""
    broker = broker or dramatiq.get_broker()
    if not isinstance(broker, StubBroker):
        return 0
    from . import tasks  # noqa: F401  (declares every actor on the broker)

    ran = 0
    while ran < limit:
        source, data = _next_message(broker)
        if data is None:
            break
        message = None
        try:
            message = Message.decode(data)
            broker.get_actor(message.actor_name)(*message.args, **message.kwargs)
        except Exception as error:  # e.g. SMTP down: the mail is "failed", runserver's schedule retries it
            logger.warning(
                "aquatiris_portal: a queued job (%s) failed, %s: %s; what it did not do stays for the sweeps",
                getattr(message, "actor_name", "?"),
                type(error).__name__,
                error,
            )
        finally:
            source.task_done()
        ran += 1
    else:
        logger.warning("aquatiris_portal: %d queued jobs run; the rest stays for the sweeps", limit)
    return ran


def run_own_jobs():
    """For a process that is not runserver's (a management command): in
    the development mode, run the jobs it queued; returns how many."""
    if not enabled() or running():
        return 0
    ran = drain()
    if ran:
        logger.info("aquatiris_portal: %d background job(s) of this command run before it exits", ran)
    return ran


@contextlib.contextmanager
def jobs_done_on_exit():
    """Around a command's work: its queued jobs run when it ends, also when
    it ends with an error (what it committed is sent), not on Ctrl-C."""
    interrupted = False
    try:
        yield
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        if not interrupted:
            run_own_jobs()
