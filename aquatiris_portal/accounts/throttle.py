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
"""

import hashlib
import math
import time

from django.core.cache import cache

from ..conf import app_settings
from ..records.emails import canonical_email_or_none

PREFIX = "aqp:throttle"
BUCKETS = ("account", "pair", "ip")


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
    targets = []
    if account and rate.get("account"):
        targets.append(("account", f"{PREFIX}:{scope}:account:{_digest(account)}", rate["account"]))
    if account and ip and rate.get("pair"):
        targets.append(("pair", f"{PREFIX}:{scope}:pair:{_digest(account + chr(0) + ip)}", rate["pair"]))
    if ip and rate.get("ip"):
        targets.append(("ip", f"{PREFIX}:{scope}:ip:{_digest(ip)}", rate["ip"]))
    return targets


def blocked(scope, email, ip):
    """(seconds until a new attempt is allowed, the buckets that are full);
    (0, []) when it is allowed now."""
    now = time.time()
    wait, full = 0, []
    targets = _keys(scope, email, ip)
    values = cache.get_many([name for _b, key, _l in targets for name in (key, f"{key}:until")])
    for bucket, key, limit in targets:
        if values.get(key, 0) >= limit:
            full.append(bucket)
            wait = max(wait, values.get(f"{key}:until", now + 60) - now, 1)
    return int(math.ceil(wait)), full


def blocked_for(scope, email, ip):
    """Seconds until a new attempt is allowed; 0 when it is allowed now."""
    return blocked(scope, email, ip)[0]


def hit(scope, email, ip):
    """Count one attempt in every bucket of the scope (the window starts at
    the bucket's first attempt). Returns the buckets this attempt filled
    (a lockout starts), e.g. ``["pair"]``."""
    window = int(_rate(scope)["minutes"] * 60)
    until = time.time() + window
    filled = []
    for bucket, key, limit in _keys(scope, email, ip):
        cache.add(f"{key}:until", until, window)
        cache.add(key, 0, window)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, window)
            count = 1
        if count == limit:
            filled.append(bucket)
    return filled


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
    cache.delete_many([name for key in keys for name in (key, f"{key}:until")])


def minutes(seconds):
    return max(1, int(math.ceil(seconds / 60)))
