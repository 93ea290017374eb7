"""Refused link tokens: counted per address and minute, not one row each.

The link routes that need no login (the internal system's download links,
the franchisee's reply link) answer anyone who types a URL. One security
event per refused token would let a script fill the log, kept
AQUATIRIS_PORTAL_SECURITY_LOG_DAYS. So a refusal is counted in the cache per
(route, address, minute) and the log keeps ONE ``token_refused`` row per
such minute, ``details["count"]`` saying how many (exact up to 64, then
brought up to date every 64: a flood costs no row and few writes); the log
line is written once per minute too.

    from aquatiris_portal.security_log import record_refused_token, refusals_blocked

    if refusals_blocked(request, "sync_download"):   # too many refusals lately
        record_refused_token(request, "sync_download")
        return 429
    ...
    record_refused_token(request, "sync_download")   # a forged or dead token

An address (an IPv6 /64, see ``request_ip.address_bucket``) that had
``AQUATIRIS_PORTAL_TOKEN_REFUSAL_LIMIT["refused"]`` refusals on a route in
its ``"minutes"`` is refused on that route until the window ends: a link
that works is never refused, whatever the rate, until someone guesses.

While the cache is unreachable (Redis restarting) nothing can be counted:
``refusals_blocked`` answers ``CANNOT_COUNT``, which is true (every caller
refuses: failing open would let guesses through uncounted exactly when an
attacker can cause the outage) and which a caller may tell apart from a
full window (the push answers 503, not 429); ``record_refused_token``
writes no row (one per refusal would let a script fill the log) and
returns None. One warning per process, route and minute says so
(``cache_outage.warn_once``).
"""

import datetime
import hashlib
import logging
import time

from django.core.cache import cache
from django.db import DatabaseError

from ..conf import app_settings
from .cache_outage import warn_once
from .events import Kind, record_security_event
from .request_ip import address_bucket, client_ip

logger = logging.getLogger(__name__)

PREFIX = "aqp:security_log:refused"
EXACT_UP_TO = 64


class _CannotCount:
    """The answer of ``refusals_blocked`` while the cache cannot be read: refuse."""

    def __bool__(self):
        return True

    def __repr__(self):
        return "CANNOT_COUNT"


CANNOT_COUNT = _CannotCount()


def _unreachable(route, error):
    warn_once(
        logger,
        f"refusals:{route}",
        "Refused tokens cannot be counted, the cache is unreachable: %s refused until it answers (%s: %s)",
        route,
        type(error).__name__,
        error,
    )


def _digest(value):
    return hashlib.sha256(value.encode()).hexdigest()[:40]


def _window_key(route, bucket):
    return f"{PREFIX}:window:{route}:{_digest(bucket)}"


def _incr(key, timeout):
    """Increment first, decide on the count returned (atomic on Redis)."""
    cache.add(key, 0, timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout)
        return 1


def refusals_blocked(request, route):
    """True when this address had too many refused tokens on ``route``
    in the current window (its token is then not even looked at)."""
    limit = app_settings.TOKEN_REFUSAL_LIMIT
    if not limit.get("refused"):
        return False
    bucket = address_bucket(client_ip(request))
    try:
        count = cache.get(_window_key(route, bucket))
    except Exception as error:  # whatever the backend raises (Redis: ConnectionError, TimeoutError)
        _unreachable(route, error)
        return CANNOT_COUNT
    return (count or 0) >= limit["refused"]


def record_refused_token(request, route):
    """Count one refused token of ``request`` on ``route`` (a short name,
    e.g. ``"sync_download"``, ``"reply_link"``). Returns the count of this
    address on this route in the current minute (None: the cache is unreachable)."""
    from .models import SecurityEvent  # on use: see events.record_security_event

    ip = client_ip(request)
    bucket = address_bucket(ip)
    limit = app_settings.TOKEN_REFUSAL_LIMIT
    now = time.time()
    minute = int(now // 60)
    key = f"{PREFIX}:minute:{route}:{_digest(bucket)}:{minute}"
    try:
        _incr(_window_key(route, bucket), int(limit.get("minutes", 15) * 60))
        count = _incr(key, 120)
    except Exception as error:
        _unreachable(route, error)
        return None
    since = datetime.datetime.fromtimestamp(minute * 60, tz=datetime.UTC).isoformat()
    details = {"route": route, "count": count, "since": since}
    if bucket != ip:
        details["network"] = bucket
    if count == 1:
        # Not the request: its path holds the token, which must not be logged.
        event = record_security_event(Kind.TOKEN_REFUSED, ip=ip, **details)
        try:
            cache.set(f"{key}:row", event.pk if event is not None else 0, 120)
        except Exception as error:  # the row is written; only its later counts are lost
            _unreachable(route, error)
    elif count <= EXACT_UP_TO or count % EXACT_UP_TO == 0:
        try:
            pk = cache.get(f"{key}:row")
        except Exception as error:
            _unreachable(route, error)
            pk = None
        if pk:
            try:
                # Never lower: a slower request with an older count loses.
                SecurityEvent.objects.filter(pk=pk, details__count__lt=count).update(details=details)
            except DatabaseError:
                pass
    return count
