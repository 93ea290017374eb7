"""A small limiter on Django's cache (Redis in production, shared by every
web process): fixed windows per account (the email typed) and per IP.

Why not django-axes: axes counts failed *logins* through the auth signals
and stores attempts in the database; activation (email + code) and lost
password are not logins, and their answers must not reveal whether an
attempt "failed". Counting any request of a scope, per email and per IP, on
the cache covers the three the same way in a few lines, with atomic
increments on Redis.

    wait = throttle.blocked_for("activation", email, ip)  # seconds, 0 if free
    throttle.hit("activation", email, ip)
"""

import hashlib
import math
import time

from django.core.cache import cache

from ..conf import app_settings

PREFIX = "aqp:throttle"


def _rate(scope):
    return app_settings.THROTTLE_RATES[scope]


def _keys(scope, email, ip):
    """(cache key, limit) for the account and the IP; the email is hashed so
    that no address appears in the cache."""
    rate = _rate(scope)
    targets = []
    if email:
        digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:40]
        targets.append((f"{PREFIX}:{scope}:account:{digest}", rate["account"]))
    if ip:
        digest = hashlib.sha256(ip.encode()).hexdigest()[:40]
        targets.append((f"{PREFIX}:{scope}:ip:{digest}", rate["ip"]))
    return targets


def blocked_for(scope, email, ip):
    """Seconds until a new attempt is allowed; 0 when it is allowed now."""
    now = time.time()
    wait = 0
    for key, limit in _keys(scope, email, ip):
        values = cache.get_many([key, f"{key}:until"])
        if values.get(key, 0) >= limit:
            wait = max(wait, values.get(f"{key}:until", now + 60) - now, 1)
    return int(math.ceil(wait))


def hit(scope, email, ip):
    """Count one attempt. The window starts at the first attempt."""
    window = int(_rate(scope)["minutes"] * 60)
    until = time.time() + window
    for key, _limit in _keys(scope, email, ip):
        cache.add(f"{key}:until", until, window)
        cache.add(key, 0, window)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, window)


def clear_account(scope, email):
    """Forget the account's count (a successful login); the IP's stays."""
    for key, _limit in _keys(scope, email, None):
        cache.delete_many([key, f"{key}:until"])


def minutes(seconds):
    return max(1, int(math.ceil(seconds / 60)))


def client_ip(request):
    header = app_settings.CLIENT_IP_HEADER
    if header and request.META.get(header):
        # The last address is the one the trusted proxy saw.
        return request.META[header].split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")
