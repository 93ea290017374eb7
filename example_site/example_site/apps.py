import logging
import os
import sys
import threading

from django.apps import AppConfig
from django.conf import settings

logger = logging.getLogger("aquatiris_portal")


class ExampleSiteConfig(AppConfig):
    name = "example_site"

    def ready(self):
        # The demo has no Redis: a dramatiq worker runs in threads inside the
        # runserver process, on the in-process (stub) broker.
        if not getattr(settings, "EXAMPLE_SITE_INPROCESS_WORKER", False):
            return
        if "runserver" not in sys.argv or os.environ.get("RUN_MAIN") != "true" and "--noreload" not in sys.argv:
            return
        start_inprocess_worker()


_worker_lock = threading.Lock()
_worker = None


def start_inprocess_worker():
    global _worker
    import dramatiq
    from dramatiq import Worker

    import aquatiris_portal.tasks  # noqa: F401  (declare the actors)

    with _worker_lock:
        if _worker is None:
            _worker = Worker(dramatiq.get_broker(), worker_threads=2, worker_timeout=500)
            _worker.start()
            logger.info("In-process dramatiq worker started")
    return _worker
