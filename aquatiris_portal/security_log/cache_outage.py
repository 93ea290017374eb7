"""The security counters kept in the shared cache (refused tokens, the reply
link's throttle, the push's replay guard) while it is unreachable (Redis
restarting): they fail closed, and say so in the log once per process,
counter and minute, not once per request, which would flood the log at the
moment it matters."""

import threading
import time

WARN_EVERY_SECONDS = 60
_last_warning: dict[str, float] = {}
_lock = threading.Lock()


def warn_once(logger, counter, message, *args):
    """Log ``message`` as a warning unless ``counter`` did in the last
    ``WARN_EVERY_SECONDS`` in this process; True if it was logged."""
    now = time.monotonic()
    with _lock:
        if now - _last_warning.get(counter, float("-inf")) < WARN_EVERY_SECONDS:
            return False
        _last_warning[counter] = now
    logger.warning(message, *args)
    return True
