"""Recording security events (rows and log lines) and their retention."""

import datetime
import ipaddress
import logging

from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.utils import timezone

from ..conf import app_settings
from .request_ip import client_ip

logger = logging.getLogger("aquatiris_portal.security")

PURGE_FLAG = "aqp:security_log:purged"


class Kind:
    """The event kinds the portal writes (a free string is accepted too)."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOCKOUT = "lockout"
    LOGOUT = "logout"
    OTP_FAILED = "otp_failed"
    OTP_VERIFIED = "otp_verified"
    ENROLMENT = "otp_enrolled"
    BACKUP_CODES = "backup_codes_regenerated"
    REAUTH_FAILED = "reauth_failed"
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET = "password_reset"
    ACCOUNT_ACTIVATED = "account_activated"
    EMAIL_CHANGED = "email_changed"
    EXPORT = "export"
    DOCUMENT_DOWNLOAD = "document_download"
    SETTINGS_CHANGED = "settings_changed"
    SYNC_DOWNLOAD = "sync_download"
    # "Voir comme un client" (pages/view_as_client.py): who, which client.
    VIEW_AS_CLIENT_START = "view_as_client_start"
    VIEW_AS_CLIENT_END = "view_as_client_end"
    # One row per (route, address, minute) with a count: refusals.py.
    TOKEN_REFUSED = "token_refused"
    # « Personnes » (accounts/invitations.py): who invited, joined or removed whom, in which record.
    PERSON_INVITED = "person_invited"
    INVITATION_CANCELLED = "invitation_cancelled"
    PERSON_JOINED = "person_joined"
    PERSON_REMOVED = "person_removed"


def _user_of(request, user):
    if user is None and request is not None:
        candidate = getattr(request, "user", None)
        if candidate is not None and getattr(candidate, "is_authenticated", False):
            user = candidate
    if user is not None and not getattr(user, "pk", None):
        user = None
    return user


def _path_of(request):
    """The request's path, or its URL pattern when the path carries a
    secret (a link's token): a log must not keep a usable link."""
    if request is None:
        return ""
    match = getattr(request, "resolver_match", None)
    if match is not None and any("token" in key for key in match.kwargs) and match.route:
        return ("/" + match.route.lstrip("^"))[:300]
    return (getattr(request, "path", "") or "")[:300]


def _jsonable(value):
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value)


def record_security_event(kind, request=None, user=None, *, ip=None, **details):
    """Write one event (row + log line) and return the row (None if the
    database refused it: the log line is written anyway).

    ``request`` gives the IP (trusted-proxy rule of ``client_ip``), the path
    and, when ``user`` is not given, the logged-in user; ``ip`` overrides
    the address (an invalid one is dropped). ``details`` are stored as
    JSON: never put a password, a code or a link's token in them.
    """
    # The package's __init__ imports this module: the model is imported on
    # use, so that ``import aquatiris_portal.security_log`` needs no app registry.
    from .models import SecurityEvent

    user = _user_of(request, user)
    if ip is None:
        ip = client_ip(request) if request is not None else ""
    try:
        ip = str(ipaddress.ip_address(ip)) if ip else ""
    except ValueError:
        ip = ""
    path = _path_of(request)
    details = _jsonable(details)
    username = user.get_username() if user is not None else ""
    logger.info(
        "security event %s user=%s ip=%s path=%s details=%s",
        kind,
        username or "-",
        ip or "-",
        path or "-",
        details,
        extra={"security_event": {"kind": kind, "user": username, "ip": ip, "path": path, "details": details}},
    )
    try:
        # A savepoint: a failed write must not break the caller's transaction.
        with transaction.atomic():
            event = SecurityEvent.objects.create(
                kind=str(kind)[:60],
                user=user,
                username=username[:150],
                ip=ip or None,
                path=path,
                details=details,
            )
    except DatabaseError:
        logger.exception("security event %s could not be stored", kind)
        return None
    try:
        due = cache.add(PURGE_FLAG, 1, 3600)
    except Exception:  # the cache is unreachable (Redis restarting): a later event purges
        due = False
    if due:
        purge_expired()
    return event


def purge_expired(now=None):
    """Delete events older than AQUATIRIS_PORTAL_SECURITY_LOG_DAYS; returns
    how many. 0 or None keeps them for ever."""
    from .models import SecurityEvent  # on use: see record_security_event

    days = app_settings.SECURITY_LOG_DAYS
    if not days:
        return 0
    limit = (now or timezone.now()) - datetime.timedelta(days=days)
    deleted, _ = SecurityEvent.objects.filter(created_at__lt=limit).delete()
    return deleted
