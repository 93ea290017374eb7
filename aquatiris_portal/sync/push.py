"""The internal system's "an export is ready": import now, not at the next poll.

``POST /portail/sync/exports/ready/`` (server to server, no CSRF token),
signed with AQUATIRIS_PORTAL_PUSH_SECRET (its own secret, not the outbox's):

    X-Aquatiris-Timestamp: <unix seconds>
    X-Aquatiris-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">

The body is ``{"source": "<export folder or s3://bucket/prefix/>", "sequence": 42}``
(both optional) or an S3 event notification (``{"Records": [...]}``, relayed
and signed the same way). The answer is 202 at once and the import actor
runs in the background; the schedule stays the safety net.

What a push can do is small on purpose: it only says "look now". The job
imports the configured AQUATIRIS_PORTAL_SYNC_SOURCE, every export not yet
imported, in sequence order (an export pushed before an earlier one arrived
must not jump the queue); the pushed source is only checked to lie inside
it, so even the holder of the secret cannot make the portal read another
folder or bucket. Two pushes of one export import it once: the importer
skips imported sequences and holds a lock.

Refusals (401 unsigned or bad signature, 403 stale timestamp or foreign
source, 409 replayed signature, 400 unreadable body) are counted per address
and minute (security_log/refusals.py: one row a minute, not one each); an
address with too many refusals gets 429 until its window ends. Without
AQUATIRIS_PORTAL_PUSH_SECRET (or without a SYNC_SOURCE) the URL is a 404.

While the cache is unreachable (Redis restarting) neither the refusals nor
the replay guard can be checked: the push is refused (fail closed) with 503
and ``Retry-After``, logged once a minute. Refusing is safe: the schedule
imports the export anyway. A push accepted when the broker refuses the job
is still 202: the schedule's next tick imports it.
"""

import hashlib
import hmac
import json
import logging
import os
import time
from collections.abc import Sequence
from os import PathLike
from urllib.parse import unquote_plus

from django.core.cache import cache
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ..conf import app_settings
from ..security_log import record_refused_token, refusals_blocked
from ..security_log.cache_outage import warn_once
from ..security_log.refusals import CANNOT_COUNT
from .sources import MANIFEST
from .tasks import import_exports

__all__ = ["export_ready", "sign"]

logger = logging.getLogger(__name__)

ROUTE = "sync_push"
TIMESTAMP_HEADER = "X-Aquatiris-Timestamp"
SIGNATURE_HEADER = "X-Aquatiris-Signature"
MAX_BODY_BYTES = 64 * 1024  # a push names one export; an S3 event is a few KB
SEEN_PREFIX = "aqp:sync_push:seen"
# Seconds a caller is asked to wait while the cache is unreachable.
RETRY_AFTER_SECONDS = 60


class Refused(Exception):
    def __init__(self, status: int, error: str) -> None:
        super().__init__(error)
        self.status, self.error = status, error


class CacheUnreachable(Exception):
    """The replay guard (or the refusals' count) cannot be read: refuse for now."""


def _unavailable(error: object | None) -> JsonResponse:
    """503 with Retry-After; ``error`` None: refusals.py has logged it already."""
    if error is not None:
        warn_once(
            logger,
            "sync_push",
            "Push refused, the cache is unreachable (replay guard unchecked): 503; the schedule imports (%s)",
            error,
        )
    response = JsonResponse({"error": "temporarily unavailable"}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def sign(timestamp: str | int, body: bytes, secret: str | bytes) -> str:
    """The signature header's value for ``body`` (bytes) sent at ``timestamp``."""
    key = secret.encode() if isinstance(secret, str) else secret
    message = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(key, message, hashlib.sha256).hexdigest()


def _check_signature(request: HttpRequest, body: bytes, secret: str | bytes, window: int) -> None:
    timestamp = request.headers.get(TIMESTAMP_HEADER, "")
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not timestamp or not signature:
        raise Refused(401, "unsigned")
    if not hmac.compare_digest(sign(timestamp, body, secret), signature):
        raise Refused(401, "bad signature")
    # Checked after the signature: a stranger learns nothing from the clock.
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise Refused(401, "bad timestamp") from None
    if abs(time.time() - sent_at) > window:
        raise Refused(403, "stale timestamp")
    # A signature is good from sent_at - window to sent_at + window: remember
    # it that long (plus slack). add() is atomic: of two equal calls, one wins.
    digest = hashlib.sha256(signature.encode()).hexdigest()
    try:
        first = cache.add(f"{SEEN_PREFIX}:{digest}", 1, 2 * window + 60)
    except Exception as error:  # whatever the backend raises (Redis: ConnectionError, TimeoutError)
        raise CacheUnreachable(error) from error
    if not first:
        raise Refused(409, "replayed")


def _parts(path: str) -> list[str]:
    """The non-empty segments of a path or key; refuses ``..``, ``.``, NUL and backslash."""
    if "\x00" in path or "\\" in path:
        raise Refused(403, "source outside SYNC_SOURCE")
    parts = [part for part in path.split("/") if part]
    if any(part in (".", "..") for part in parts):
        raise Refused(403, "source outside SYNC_SOURCE")
    return parts


def _split(spec: str) -> tuple[str, str, list[str]]:
    """("s3", bucket, segments) or ("file", "", segments) of a source."""
    if spec.startswith("s3://"):
        bucket, _sep, prefix = spec[len("s3://") :].partition("/")
        return "s3", bucket, _parts(prefix)
    return "file", "", _parts(spec)


def check_inside(source: object, root: str | PathLike[str]) -> None:
    """Raise Refused unless ``source`` is ``root`` or lies under it (same
    scheme, same bucket, a prefix of segments; no ``..`` anywhere)."""
    root_text = str(root)
    scheme, bucket, parts = _split(root_text if root_text.startswith("s3://") else os.path.abspath(root_text))
    if not isinstance(source, str) or not source:
        raise Refused(400, "source is not a string")
    pushed_scheme, pushed_bucket, pushed_parts = _split(source)
    if not source.startswith(("/", "s3://")):
        raise Refused(403, "source outside SYNC_SOURCE")  # a relative path: relative to what?
    if (pushed_scheme, pushed_bucket) != (scheme, bucket) or pushed_parts[: len(parts)] != parts:
        raise Refused(403, "source outside SYNC_SOURCE")


def sources_of(payload: object, root: object) -> Sequence[object]:
    """The export sources a body names (none: the configured source)."""
    if not isinstance(payload, dict):
        raise Refused(400, "body is not a JSON object")
    if "Records" in payload:
        records = payload["Records"]
        if not isinstance(records, list) or not records or len(records) > 100:
            raise Refused(400, "Records is not a list of S3 events")
        found = []
        for record in records:
            try:
                bucket = record["s3"]["bucket"]["name"]
                key = unquote_plus(record["s3"]["object"]["key"])  # S3 events URL-encode the key
            except (KeyError, TypeError):
                raise Refused(400, "not an S3 event") from None
            if not isinstance(bucket, str) or not isinstance(key, str):
                raise Refused(400, "not an S3 event")
            prefix = key[: -len(MANIFEST)] if key.endswith(MANIFEST) else key.rpartition("/")[0] + "/"
            found.append(f"s3://{bucket}/{prefix}")
        return found
    sequence = payload.get("sequence")
    if sequence is not None and (not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 0):
        raise Refused(400, "sequence is not a whole number")
    source = payload.get("source")
    return [root] if source is None else [source]


def _refuse(request: HttpRequest, refused: Refused) -> JsonResponse:
    count = record_refused_token(request, ROUTE)
    if count in (1, None):  # one log line per address and minute, like the security row (None: uncounted)
        logger.warning("Push refused (%s): %s", refused.status, refused.error)
    return JsonResponse({"error": refused.error}, status=refused.status)


@csrf_exempt  # server to server: the HMAC signature is the credential, there is no browser session
@require_POST
@never_cache
def export_ready(request: HttpRequest) -> JsonResponse:
    secret, root = app_settings.PUSH_SECRET, app_settings.SYNC_SOURCE
    if not secret or not root:
        raise Http404  # push not enabled: the schedule alone imports
    blocked = refusals_blocked(request, ROUTE)
    if blocked is CANNOT_COUNT:
        return _unavailable(None)
    if blocked:
        record_refused_token(request, ROUTE)
        return JsonResponse({"error": "too many refused calls"}, status=429)
    window = int(app_settings.PUSH_WINDOW_SECONDS)
    try:
        body = request.read(MAX_BODY_BYTES + 1)
        if len(body) > MAX_BODY_BYTES:
            raise Refused(413, "body too large")
        _check_signature(request, body, secret, window)
        try:
            payload = json.loads(body or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise Refused(400, "body is not JSON") from None
        for source in sources_of(payload, root):
            check_inside(source, root)
    except Refused as refused:
        return _refuse(request, refused)
    except CacheUnreachable as unreachable:
        return _unavailable(unreachable)
    sequence = payload.get("sequence") if "Records" not in payload else None
    # The configured source, not the pushed one: see the module's docstring.
    try:
        import_exports.send(str(root))
    except Exception as error:  # the broker is down (Redis): the schedule's next tick imports
        warn_once(logger, "sync_push_enqueue", "Push accepted but its import not enqueued: %s", error)
        return JsonResponse({"status": "accepted"}, status=202)
    logger.info("Push: export %s ready (sequence %s); import enqueued", source, sequence)
    return JsonResponse({"status": "accepted"}, status=202)
