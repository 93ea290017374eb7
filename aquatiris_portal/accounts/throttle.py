"""A small limiter on Django's cache (Redis in production, shared by every
web process): fixed windows per account, per (account, IP) pair and per IP.

Why not django-axes: axes counts failed *logins* through the auth signals
and stores attempts in the database; activation (email + code) and lost
password are not logins, and their answers must not reveal whether an
attempt "failed". Counting any request of a scope on the cache covers the
three the same way in a few lines, with atomic increments on Redis.

    wait = throttle.blocked_for("login", email, ip)  # seconds, 0 if free
    locked = throttle.hit("login", email, ip)        # the buckets this hit filled

Each scope of ``AQUATIRIS_PORTAL_THROTTLE_RATES`` names its buckets:

- ``account``: every attempt on one account (the canonical email, see
  ``records.emails``; the username for the second factor), from anywhere;
- ``pair``: attempts on one account from one IP address, so that one
  address guessing one account is stopped long before the account is;
- ``ip``: every attempt from one address whatever the account, so that an
  address flooding random emails locks itself only: other addresses, and
  the real people behind them, are not counted there (behind a reverse
  proxy the address comes from the trusted-proxy setting, see
  ``security_log.request_ip``).

A bucket that is absent from a scope's rate is not counted.
An IPv6 address is counted by its /64 (``security_log.address_bucket``):
one subscriber holds a whole /64 and can pick any address in it.

A bucket that is absent from a scope's rate is not counted.

**The login's account bucket never locks the owner out.** A stranger who
knows an address (SPANC and staff addresses are public) and fails 20 times
from a few addresses must not lock its owner out, right password
included. So for ``login`` the account bucket is *soft*: once it is full,
an address that has already tried on that account in the window (its pair
holds a failure) is refused; an address that has not gets its password
checked. A guesser then gets one guess per address and window on that
account (five before the account filled up, and at most ``ip`` on all
accounts), the owner logs in from any address that has not failed; and no
worker sleeps. Slowing each fresh address by a delay was the other choice:
a delay a stranger can trigger at will holds the server's workers.

**Increment first, decide on the count returned.** ``begin`` reserves the
attempt in the pair and IP buckets (``cache.add`` then ``cache.incr``,
atomic on Redis) before the password is checked: sixteen parallel guesses
on one pair get five checks, not sixteen. ``succeeded`` gives the
reservation back, ``failed`` keeps it and counts the account's failure.

    attempt = throttle.begin("login", email, ip)
    if attempt.wait: ...                      # 429, the password not checked
    elif password_ok: throttle.succeeded(attempt)
    else: filled = throttle.failed(attempt)   # the buckets this failure filled
"""

import hashlib
import logging
import math
import threading
import time

from django.core.cache import cache

from ..conf import app_settings
from ..records.emails import canonical_email_or_none
from ..security_log import address_bucket
from ..security_log.cache_outage import warn_once

logger = logging.getLogger(__name__)

PREFIX = "aqp:throttle"
BUCKETS = ("account", "pair", "ip")
# Scopes whose account bucket refuses only addresses that already tried it.
SOFT_ACCOUNT_SCOPES = frozenset({"login"})


def _rate(scope):
    return app_settings.THROTTLE_RATES[scope]


def account_key(identifier):
    """The canonical form an account is counted under: the same for every
    spelling of one address (``ſ`` and ``s``, full-width letters, case)."""
    identifier = (identifier or "").strip()
    return canonical_email_or_none(identifier) or identifier.casefold()


def _digest(value):
    return hashlib.sha256(value.encode()).hexdigest()[:40]


def _keys(scope, email, ip):
    """[(bucket, cache key, limit)]; emails and IPs are hashed so that no
    address appears in the cache."""
    rate = _rate(scope)
    account = account_key(email)
    ip = address_bucket(ip)
    targets = []
    if account and rate.get("account"):
        targets.append(("account", f"{PREFIX}:{scope}:account:{_digest(account)}", rate["account"]))
    if account and ip and rate.get("pair"):
        targets.append(("pair", f"{PREFIX}:{scope}:pair:{_digest(account + chr(0) + ip)}", rate["pair"]))
    if ip and rate.get("ip"):
        targets.append(("ip", f"{PREFIX}:{scope}:ip:{_digest(ip)}", rate["ip"]))
    return targets


# While the cache is unreachable (Redis restarting) the limiter cannot count,
# so it refuses: failing open would let a brute force through exactly when
# an attacker can cause the outage; the person sees the ordinary "try again
# in a minute" message (429), not an error page, and the pages that do not
# take a secret keep working (content_cache falls back to the database).
UNAVAILABLE = "unavailable"
UNAVAILABLE_WAIT = 60
# Attempts refused that way since the last warning: in an outage every login
# is refused, so the log says so once per process and minute with their
# number (security_log.cache_outage), not with a traceback each.
_refused = [0]
_refused_lock = threading.Lock()
# Attempts let through whose outcome could not be counted: the cache went
# away between ``begin`` and the end of the attempt. The person gets the
# answer to what they typed (not an error page); the next attempts are
# refused by ``begin``/``blocked`` until the cache answers.
_uncounted = [0]


def _refused_while_down(scope, error):
    with _refused_lock:
        _refused[0] += 1
        if warn_once(
            logger,
            "throttle",
            "Throttle cache unreachable (%s: %s): %d attempt(s) refused (429) since the last warning, the last %s",
            type(error).__name__,
            error,
            _refused[0],
            scope,
        ):
            _refused[0] = 0


def _uncounted_while_down(scope, error):
    with _refused_lock:
        _uncounted[0] += 1
        if warn_once(
            logger,
            "throttle-count",
            "Throttle cache unreachable (%s: %s): %d attempt(s) answered but not counted since the last warning, "
            "the last %s; the next attempts are refused (429) until it answers",
            type(error).__name__,
            error,
            _uncounted[0],
            scope,
        ):
            _uncounted[0] = 0


def blocked(scope, email, ip):
    try:
        return _blocked(scope, email, ip)
    except Exception as error:  # whatever the cache backend raises (Redis: ConnectionError)
        _refused_while_down(scope, error)
        return UNAVAILABLE_WAIT, [UNAVAILABLE]


def _blocked(scope, email, ip):
    """(seconds until a new attempt is allowed, the buckets that are full);
    (0, []) when it is allowed now. In a scope with a soft account bucket,
    a full account refuses only an address whose pair already counts."""
    now = time.time()
    wait, full = 0, []
    targets = _keys(scope, email, ip)
    values = cache.get_many([name for _b, key, _l in targets for name in (key, f"{key}:until")])
    pairs = [key for bucket, key, _l in targets if bucket == "pair"]
    pair_tried = not pairs or any(values.get(key, 0) > 0 for key in pairs)  # no address: hard
    for bucket, key, limit in targets:
        if values.get(key, 0) >= limit:
            if bucket == "account" and scope in SOFT_ACCOUNT_SCOPES and not pair_tried:
                continue
            full.append(bucket)
            wait = max(wait, values.get(f"{key}:until", now + 60) - now, 1)
    return int(math.ceil(wait)), full


def blocked_for(scope, email, ip):
    """Seconds until a new attempt is allowed; 0 when it is allowed now."""
    return blocked(scope, email, ip)[0]


def _incr(key, window, until):
    cache.add(f"{key}:until", until, window)
    cache.add(key, 0, window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        return 1


def _decr(key):
    try:
        cache.decr(key)
    except ValueError:  # expired meanwhile: nothing to give back
        pass


def hit(scope, email, ip):
    """Count one attempt in every bucket of the scope (the window starts at
    the bucket's first attempt). Returns the buckets this attempt filled
    (a lockout starts), e.g. ``["pair"]``."""
    window = int(_rate(scope)["minutes"] * 60)
    until = time.time() + window
    filled = []
    try:
        for bucket, key, limit in _keys(scope, email, ip):
            if _incr(key, window, until) == limit:
                filled.append(bucket)
    except Exception as error:  # the cache went away after ``blocked`` let this attempt through
        _uncounted_while_down(scope, error)
    return filled


class Attempt:
    """One attempt reserved by ``begin``: ``wait`` seconds (0: go ahead),
    ``full`` the buckets that refused it."""

    def __init__(self, scope, email, ip):
        self.scope, self.email, self.ip = scope, email, ip
        self.wait, self.full, self.reserved = 0, [], {}


def _wait_for(key, now):
    return max(1, int(math.ceil((cache.get(f"{key}:until") or now + 60) - now)))


def begin(scope, email, ip):
    """Reserve one attempt before the secret is checked (see the module's
    docstring). A refused attempt reserves nothing; so does one refused
    because the cache is unreachable (fail closed, see ``blocked``)."""
    try:
        return _begin(scope, email, ip)
    except Exception as error:  # whatever the cache backend raises (Redis: ConnectionError)
        _refused_while_down(scope, error)
        attempt = Attempt(scope, email, ip)
        attempt.wait, attempt.full = UNAVAILABLE_WAIT, [UNAVAILABLE]
        return attempt


def _begin(scope, email, ip):
    attempt = Attempt(scope, email, ip)
    window = int(_rate(scope)["minutes"] * 60)
    now = time.time()
    targets = _keys(scope, email, ip)
    for bucket, key, limit in targets:
        if bucket == "account":
            continue
        count = _incr(key, window, now + window)
        attempt.reserved[bucket] = (key, count, limit)
        if count > limit:
            attempt.full.append(bucket)
            attempt.wait = max(attempt.wait, _wait_for(key, now))
    for bucket, key, limit in targets:
        if bucket != "account" or (cache.get(key) or 0) < limit:
            continue
        # A full account refuses the addresses that already tried it (their
        # pair counted before this attempt); a soft bucket lets others try.
        # Without an address (no pair to tell them apart) it is hard again.
        pair = attempt.reserved.get("pair")
        if scope not in SOFT_ACCOUNT_SCOPES or pair is None or pair[1] > 1:
            attempt.full.append(bucket)
            attempt.wait = max(attempt.wait, _wait_for(key, now))
    if attempt.wait:
        for key, _count, _limit in attempt.reserved.values():
            _decr(key)
        attempt.reserved = {}
    return attempt


def failed(attempt):
    """The attempt failed: its reservation stays, the account counts it.
    Returns the buckets this failure filled (a lockout starts)."""
    filled = [bucket for bucket, (_key, count, limit) in attempt.reserved.items() if count == limit]
    window = int(_rate(attempt.scope)["minutes"] * 60)
    try:
        for bucket, key, limit in _keys(attempt.scope, attempt.email, attempt.ip):
            if bucket == "account" and _incr(key, window, time.time() + window) == limit:
                filled.append(bucket)
    except Exception as error:  # the cache went away after ``begin``: the reservation stays counted
        _uncounted_while_down(attempt.scope, error)
    attempt.reserved = {}
    return [bucket for bucket in BUCKETS if bucket in filled]


def succeeded(attempt):
    """The attempt succeeded: the IP gets its reservation back and the pair
    forgets its failures; the account's count stays, so that a login
    between guesses from elsewhere gives those guesses no fresh start."""
    try:
        for bucket, (key, _count, _limit) in attempt.reserved.items():
            if bucket == "ip":
                _decr(key)
        clear_pair(attempt.scope, attempt.email, attempt.ip)
    except Exception as error:  # the cache went away after ``begin``: the IP keeps its reservation
        _uncounted_while_down(attempt.scope, error)
    attempt.reserved = {}


def clear_pair(scope, email, ip):
    """A successful login forgets the failures of this person at this
    address (the pair); the account's count stays, so that a login between
    guesses from elsewhere gives those guesses no fresh start."""
    keys = [key for bucket, key, _limit in _keys(scope, email, ip) if bucket == "pair"]
    cache.delete_many([name for key in keys for name in (key, f"{key}:until")])


def clear_account(scope, email):
    """Forget the account's count (the second factor passed: the person
    holds the device)."""
    keys = [key for bucket, key, _limit in _keys(scope, email, None) if bucket == "account"]
    try:
        cache.delete_many([name for key in keys for name in (key, f"{key}:until")])
    except Exception as error:  # the cache went away after the attempt was let through
        _uncounted_while_down(scope, error)


def minutes(seconds):
    return max(1, int(math.ceil(seconds / 60)))
