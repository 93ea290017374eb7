"""How much one client or SPANC account may send: a bound on the mails a
script behind one login can cause (each request, reply or upload mails the
franchisee, after-sales ones the network head too, with up to
UPLOAD_MAX_FILES × UPLOAD_MAX_BYTES of attachments).

Requests, thread replies and SPANC uploads count as messages; the bytes of
their files count as attachments. The counts are read from what is stored
(no counter to drift): what was refused stored nothing, so counts nothing.

``enforce`` is called by the services inside their transaction, before they
store anything, with the account's user row locked: two submits of one
account at the same moment are counted one after the other (PostgreSQL).
Over a limit it raises ``LimitReached``; the view puts its message in the
form (``forms.add_limit_error``), nothing is stored nor mailed, and the
refusal is logged (a log line each time, one security event per account,
kind and hour: ``report``).
"""

import datetime
import logging

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Count, Q, Sum
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from ..conf import app_settings
from ..records.models import DocumentSource, PortalDocument
from ..security_log import record_security_event
from ..security_log.cache_outage import warn_once
from ..security_log.models import SecurityEvent
from .models import AuthorRole, PortalRequest, RequestAttachment, RequestMessage

logger = logging.getLogger(__name__)

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
SECURITY_EVENT = "send_limit_reached"


class LimitReached(Exception):
    """``kind``: "hour", "day" (messages) or "bytes" (attachments of the day)."""

    def __init__(self, kind, message, *, user=None, limit=None, counted=None):
        super().__init__(kind)
        self.kind = kind
        self.message = message
        self.user = user
        self.limit = limit
        self.counted = counted or {}

    @property
    def about_files(self):
        return self.kind == "bytes"


def usage(user, now=None):
    """{"hour": messages, "day": messages, "bytes": attachment bytes of the day} sent by ``user``."""
    now = now or timezone.now()
    hour_ago, day_ago = now - HOUR, now - DAY
    in_hour = Q(created_at__gte=hour_ago)
    counted = {"hour": 0, "day": 0, "bytes": 0}
    for queryset in (
        PortalRequest.objects.filter(submitted_by=user, created_at__gte=day_ago),
        RequestMessage.objects.filter(author_user=user, author_role=AuthorRole.CLIENT, created_at__gte=day_ago),
    ):
        row = queryset.aggregate(hour=Count("pk", filter=in_hour), day=Count("pk"))
        counted["hour"] += row["hour"]
        counted["day"] += row["day"]
    documents = PortalDocument.objects.filter(
        uploaded_by=user,
        source=DocumentSource.SPANC_UPLOAD,
        created_at__gte=day_ago,
    ).aggregate(hour=Count("pk", filter=in_hour), day=Count("pk"), bytes=Sum("size"))
    counted["hour"] += documents["hour"]
    counted["day"] += documents["day"]
    counted["bytes"] += documents["bytes"] or 0
    attachments = RequestAttachment.objects.filter(
        Q(message__isnull=True, request__submitted_by=user, request__created_at__gte=day_ago)
        | Q(message__author_user=user, message__author_role=AuthorRole.CLIENT, message__created_at__gte=day_ago)
    ).aggregate(bytes=Sum("size"))
    counted["bytes"] += attachments["bytes"] or 0
    return counted


def refusal(kind, limit):
    if kind == "bytes":
        return _(
            "You have already sent %(size)s of files today, the most an account may send in a day: this was not "
            "sent. You can send your message without files, or send them tomorrow. If it is urgent, call your "
            "installer."
        ) % {"size": filesizeformat(limit)}
    if kind == "hour":
        text = ngettext_lazy(
            "You have sent %(count)s message in the last hour, the most an account may send: this was not sent. "
            "Please send it again a little later; if it is urgent, call your installer.",
            "You have sent %(count)s messages in the last hour, the most an account may send: this was not sent. "
            "Please send it again a little later; if it is urgent, call your installer.",
            "count",
        )
    else:
        text = ngettext_lazy(
            "You have sent %(count)s message today, the most an account may send in a day: this was not sent. "
            "Please send it again tomorrow; if it is urgent, call your installer.",
            "You have sent %(count)s messages today, the most an account may send in a day: this was not sent. "
            "Please send it again tomorrow; if it is urgent, call your installer.",
            "count",
        )
    return text % {"count": limit}


def enforce(user, *, attachment_bytes=0, now=None):
    """Raise ``LimitReached`` if one more message from ``user`` with
    ``attachment_bytes`` of files would pass a limit. Call it inside the
    transaction that stores the message, before storing anything."""
    if user is None or not getattr(user, "pk", None):
        return  # imports and the internal system: not an account's sending
    # Serialises one account's submits (a no-op on SQLite, whose writers queue anyway).
    get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()
    limits = {
        "hour": app_settings.SEND_LIMIT_PER_HOUR,
        "day": app_settings.SEND_LIMIT_PER_DAY,
        "bytes": app_settings.SEND_LIMIT_BYTES_PER_DAY,
    }
    counted = usage(user, now)
    for kind in ("hour", "day"):
        if limits[kind] and counted[kind] + 1 > limits[kind]:
            _refuse(user, kind, limits[kind], counted)
    if limits["bytes"] and attachment_bytes and counted["bytes"] + attachment_bytes > limits["bytes"]:
        _refuse(user, "bytes", limits["bytes"], counted)


def _refuse(user, kind, limit, counted):
    logger.warning(
        "Send limit reached (%s: %s) by user %s; refused, nothing stored (%s)", kind, limit, user.pk, counted
    )
    raise LimitReached(kind, refusal(kind, limit), user=user, limit=limit, counted=counted)


def report(refused, request=None):
    """Write the refusal to the security log, once per account, kind and
    hour (a script's flood costs no row per attempt). Called by the view,
    once every transaction is over: the service's was rolled back."""
    user = refused.user
    if user is not None and _first_this_hour(user, refused.kind):
        record_security_event(
            SECURITY_EVENT, request, user=user, limit=refused.kind, allowed=refused.limit, counted=refused.counted
        )


def _first_this_hour(user, kind):
    """Whether no event of ``user`` and ``kind`` was written this hour: the
    cache's flag, or the log's own rows while the cache is unreachable."""
    try:
        return cache.add(f"aqp:send_limit:{user.pk}:{kind}", 1, int(HOUR.total_seconds()))
    except Exception as error:  # whatever the backend raises (Redis: ConnectionError, TimeoutError)
        warn_once(logger, "send_limit", "Cache unreachable: send-limit events checked in the database: %s", error)
    since = timezone.now() - HOUR
    return not SecurityEvent.objects.filter(
        kind=SECURITY_EVENT, user=user, details__limit=kind, created_at__gte=since
    ).exists()


def files_size(checked_files):
    """Total bytes of files checked by ``uploads.validate_uploads``."""
    return sum(uploaded.size or 0 for uploaded, _kind, _type in checked_files)
