"""Development mode: the background jobs run inside ``runserver``.

With ``AQUATIRIS_PORTAL_RUN_JOBS_IN_PROCESS = True`` (development only: a
system check refuses it when ``DEBUG`` is off) and dramatiq's in-memory
``StubBroker``, a dramatiq worker starts in a thread of the ``runserver``
process, so mails are sent (and printed by the console email backend) and
imports run with no Redis and no ``rundramatiq``. One worker thread on
SQLite, whose writers lock each other; two on other databases.

Production runs ``manage.py rundramatiq`` on Redis instead (README,
"Background jobs").
"""

import logging
import os
import sys
import threading

import dramatiq
from django.conf import settings
from dramatiq import Worker
from dramatiq.brokers.stub import StubBroker

from .conf import app_settings

logger = logging.getLogger("aquatiris_portal")

_lock = threading.Lock()
_worker = None


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


def start():
    """Start the in-process worker once (idempotent); returns it."""
    global _worker
    from . import tasks  # noqa: F401  (declares every actor on the broker)

    with _lock:
        if _worker is None:
            _worker = Worker(dramatiq.get_broker(), worker_threads=worker_threads(), worker_timeout=500)
            _worker.start()
            logger.info("aquatiris_portal: background jobs run in this process (%d thread(s))",
                        _worker.worker_threads)
    return _worker


def stop():
    global _worker
    with _lock:
        if _worker is not None:
            _worker.stop()
            _worker = None


def running():
    return _worker is not None
