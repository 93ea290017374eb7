"""What a broker outage looks like to whoever sends jobs, and how it is told:
one warning per process and minute with a count, not a traceback per job.

The mails' enqueue (mail._enqueue) and the mail sweep (tasks.sweep_unsent_mail)
both meet it; each keeps its own ``Refusals``. A module of its own because
tasks.py may not import mail.py (mail imports the actor of tasks)."""

import threading
from time import monotonic

from dramatiq.errors import BrokerError
from redis.exceptions import RedisError

# What a broker that is down or restarting raises (Redis, a socket, dramatiq).
BROKER_REFUSALS = (RedisError, OSError, BrokerError)
REFUSALS_WARN_EVERY_SECONDS = 60


class Refusals:
    """The enqueues the broker refused since the last warning. During an
    outage every mail is refused (several per request): one warning per
    process and minute, with their number, not a traceback each.
    (security_log.cache_outage.warn_once is out of reach of this room.)"""

    def __init__(self, clock=monotonic):
        self.clock, self.count, self.warned_at = clock, 0, float("-inf")
        self.lock = threading.Lock()

    def add(self):
        """Count one refusal; the number to warn of now, else 0."""
        now = self.clock()
        with self.lock:
            self.count += 1
            if now - self.warned_at < REFUSALS_WARN_EVERY_SECONDS:
                return 0
            count, self.count, self.warned_at = self.count, 0, now
            return count
