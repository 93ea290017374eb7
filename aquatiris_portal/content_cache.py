"""Editors' content that is the same for many readers, kept in Django's cache.

Every portal page shows some of it (the news stream, the portal settings,
the stage names); reading it from the database on each page cost queries
that every client and SPANC paid again. Each kind of content is a
*namespace* whose entries share a version token: ``invalidate(namespace)``
replaces the token, which orphans every entry of that namespace at once
(they expire with their TTL). The receivers in ``content_cache_receivers.py``
invalidate on the Wagtail and model signals that change the content; the TTL
(``AQUATIRIS_PORTAL_CONTENT_CACHE_SECONDS``) is only a safety net for
changes made without signals (``QuerySet.update``, raw SQL).

Only what is the same for everyone goes here: who may see an entry is still
decided per request by ``access`` (the key holds what ``access`` granted).

Each entry's key holds its namespace's version token. Inside a request the
tokens are read once, all namespaces in one round trip, and kept for that
request only (``request_started`` / ``request_finished``, connected in
content_cache_receivers.py): a page showing five kinds of content pays six
cache reads instead of ten. An invalidation made by the request itself
updates its tokens at once; one made by another process meanwhile is seen
by the next request.

An entry's key holds its version, so what a key names never changes: each
process also keeps the entries it read (pickled, a bounded number, a
minute at most), and a page whose content is all there pays one round trip to
the shared cache, the tokens', instead of one per kind of content. Each
read unpickles its own copy: a caller may change what it gets.

With several server processes the cache must be shared (Redis, Memcached:
``AQUATIRIS_PORTAL_CONTENT_CACHE_ALIAS``) for an invalidation to reach every
process at once; a per-process cache (LocMem) lets other processes serve the
old content until the TTL.

If the shared cache is unreachable (Redis restarting), pages still answer:
everything kept here can be computed from the database, so a failed cache
call serves the computed value, writes nothing, and logs one warning per
process and minute (``cache_down``); the rest of the request does not try
the cache again. Once it answers, a process that found it down forgets
every namespace before reading (a change saved meanwhile elsewhere may not
have been announced). Errors of the compute function itself are never caught.
"""

import logging
import pickle
import threading
import time
import uuid
from collections import OrderedDict

from django.core.cache import caches
from django.db import transaction

from .conf import app_settings

# Part of every key: bump it when the shape of a cached value changes, so that
# a deploy never reads values pickled by the previous code.
FORMAT = 1
NEWS = "news"
SETTINGS = "settings"
STAGES = "stages"
SITES = "sites"
ACCESSIBILITY = "accessibility"  # the statement linked from every page (portal_accessibility)
SHELL = "shell"  # the client space's navigation links on every page a client reaches (portal_shell)
ROUTES = "routes"  # the spaces' pages by URL path, for Wagtail's routing (pages/space_routes.py)
NAMESPACES = (NEWS, SETTINGS, STAGES, SITES, ACCESSIBILITY, SHELL, ROUTES)

_MISSING = object()
# The version tokens read in the current request: None outside a request
# (jobs, commands), a dict inside one (filled at the first read).
_request = threading.local()
# This process's copy of the entries it read: {key: (expires at, pickled value)}, oldest first.
LOCAL_ENTRIES = 512
LOCAL_MAX_BYTES = 256 * 1024  # a bigger value is read from the shared cache each time
# A copy lives a minute at most: a change made without signals (the TTL's
# case) shows within the TTL plus this.
LOCAL_SECONDS = 60
_local: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
_local_lock = threading.Lock()

logger = logging.getLogger(__name__)
# One warning per process and this many seconds while the cache is down:
# one per request would flood the logs at the moment they matter.
WARN_EVERY_SECONDS = 60
_last_warning = [float("-inf")]


def _cache():
    return caches[app_settings.CONTENT_CACHE_ALIAS]


def _version_key(namespace):
    return f"aquatiris_portal:content:{FORMAT}:{namespace}:version"


def request_started(**kwargs):
    _request.versions = {}
    _request.all_read = False
    _request.down = False


def request_finished(**kwargs):
    _request.versions = None
    _request.down = False  # outside a request (a test, a task in this thread) the cache is tried again


def _version(cache, namespace):
    versions = getattr(_request, "versions", None)
    if versions is None:
        return _read_version(cache, namespace)
    if not _request.all_read:  # the request's first read: every namespace's token in one round trip
        _request.all_read = True
        found = cache.get_many([_version_key(name) for name in NAMESPACES])
        for name in NAMESPACES:
            versions.setdefault(name, found.get(_version_key(name)))
    if versions.get(namespace) is None:
        versions[namespace] = _read_version(cache, namespace)
    return versions[namespace]


def _read_version(cache, namespace):
    key = _version_key(namespace)
    token = cache.get(key)
    if token is None:
        # A random token, never a counter: a counter restarting at 1 after an
        # eviction could meet entries written under the old 1.
        cache.add(key, uuid.uuid4().hex, None)
        token = cache.get(key)
    return token


def enabled():
    """Whether entries are kept at all (``CONTENT_CACHE_SECONDS`` 0: every read computes)."""
    return bool(app_settings.CONTENT_CACHE_SECONDS)


def get_or_set(namespace, parts, compute):
    """The cached value of ``compute()`` for ``namespace`` and the key
    ``parts`` (strings or numbers), computed on a miss."""
    seconds = app_settings.CONTENT_CACHE_SECONDS
    if not seconds:
        return compute()
    if down_in_this_request():
        return compute()
    if _pending:  # invalidations the cache refused earlier: before any read
        _bump(())
        if down_in_this_request():
            return compute()
    cache = _cache()
    try:
        version = _version(cache, namespace)
    except Exception as error:  # whatever the backend raises (Redis: ConnectionError, TimeoutError)
        _unreadable(error)
        return compute()
    key = ":".join(["aquatiris_portal:content", str(FORMAT), namespace, version, *map(str, parts)])
    now = time.monotonic()
    with _local_lock:
        found = _local.get(key)
        if found is not None and found[0] > now:
            _local.move_to_end(key)
    if found is not None and found[0] > now:
        return pickle.loads(found[1])  # noqa: S301  our own bytes, pickled below
    try:
        value = cache.get(key, _MISSING)
    except Exception as error:
        _unreadable(error)
        return compute()
    if value is _MISSING:
        value = compute()  # outside any try: its own errors are not the cache's
        try:
            cache.set(key, value, seconds)
        except Exception as error:
            cache_down(error)
            return value
    _keep_locally(key, value, now + min(seconds, LOCAL_SECONDS))
    return value


def down_in_this_request():
    """Whether the shared cache failed earlier in the current request."""
    return getattr(_request, "down", False)


def _unreadable(error):
    """A read failed: the cache is unreachable. What it holds may predate a
    change another process saves meanwhile and cannot announce (its
    invalidation refused, and lost if that process stops: a cron job, a
    restarted worker): every namespace is forgotten here once the cache
    answers again, before anything is read from it (``_pending``)."""
    with _local_lock:
        _pending.update(NAMESPACES)
    cache_down(error)


def cache_down(error):
    """The shared cache failed: the rest of this request computes without
    it; a warning at most once per ``WARN_EVERY_SECONDS`` in this process."""
    if getattr(_request, "versions", None) is not None:
        _request.down = True
    now = time.monotonic()
    with _local_lock:
        if now - _last_warning[0] < WARN_EVERY_SECONDS:
            return
        _last_warning[0] = now
    logger.warning("Content cache unreachable, serving from the database: %s: %s", type(error).__name__, error)


def _keep_locally(key, value, expires):
    try:
        data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError):
        return  # the shared cache would have refused it too (a LocMem or Redis pickles)
    if len(data) > LOCAL_MAX_BYTES:
        return
    with _local_lock:
        _local[key] = (expires, data)
        _local.move_to_end(key)
        while len(_local) > LOCAL_ENTRIES:
            _local.popitem(last=False)


def invalidate(*namespaces):
    """Forget every entry of ``namespaces``, now and again when the current
    transaction commits (a reader may have cached the old rows meanwhile).

    While the shared cache is unreachable the change is saved all the same
    (an editor's publish never fails because Redis restarts): the
    namespaces wait in this process and are forgotten at its next use of
    the cache, before anything is read (``get_or_set``). Meanwhile every
    process computes from the database, since the cache is down for them
    too, and each one that found it down forgets every namespace once it
    answers (``_unreadable``): the change is not lost if this process
    stops first. An entry cached before the change is served again only if
    no process read the cache during the outage, and then for the TTL at
    most, like a change made without signals."""

    def bump():
        _bump(namespaces)

    bump()
    transaction.on_commit(bump)


# Namespaces whose new version token the shared cache refused (see invalidate).
_pending: set[str] = set()


def _bump(namespaces):
    with _local_lock:
        wanted = set(namespaces) | _pending
        _pending.clear()
    if not wanted:
        return
    tokens = {namespace: uuid.uuid4().hex for namespace in wanted}
    try:
        _cache().set_many({_version_key(namespace): token for namespace, token in tokens.items()}, None)
    except Exception as error:  # whatever the backend raises (Redis: ConnectionError, TimeoutError)
        with _local_lock:
            _pending.update(wanted)
        cache_down(error)
        return
    versions = getattr(_request, "versions", None)
    if versions is not None:  # this request reads what it just changed
        versions.update(tokens)
