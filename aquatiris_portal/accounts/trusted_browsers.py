""" "Trust this browser for 30 days" at a SPANC person's second factor.

A trusted browser holds a signed cookie (its own salt; HttpOnly, Secure
outside DEBUG, SameSite=Lax, sent only to the second-factor URL) with a
random device id, the user id and the expiry. The server keeps a
TrustedBrowser row (the device id hashed), so the trust can be revoked: by
the person on the account page, by a password change or reset, by an email
change, by an admin. The code is skipped only if the signature holds, the
cookie and the row name this user, neither has expired and the password and
email are those of the day it was trusted. Staff never get it: the box is not
offered and their cookie is ignored. Every trust, use, refusal and
revocation goes to the security log.
"""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from .. import access
from ..conf import app_settings
from ..security_log import record_security_event
from .second_factor import is_admin_user
from .trusted_browser_models import TrustedBrowser

COOKIE_NAME = "aqp_trusted_browser"
SALT = "aquatiris_portal.accounts.trusted_browser"
# Bounded: the oldest trusts of a person go beyond this many browsers.
MAX_PER_USER = 10
# Set on the request when its cookie was refused: the view's answer deletes it.
FORGET_ATTR = "_aqp_forget_trusted_browser"


class Kind:
    """Security log kinds of this feature."""

    TRUSTED = "trusted_browser_added"
    USED = "trusted_browser_used"
    REFUSED = "trusted_browser_refused"
    REVOKED = "trusted_browser_revoked"


def days():
    return max(0, int(app_settings.TRUSTED_BROWSER_DAYS or 0))


def may_trust(user):
    """SPANC people only, never staff (nor anyone with Wagtail admin access)."""
    if not (days() and user.is_authenticated and user.is_active) or is_admin_user(user):
        return False
    return access.has_spanc_membership(user)  # any SPANC person: manager or agent


def cookie_path():
    return reverse("aquatiris_portal:otp_verify")


def _device_hash(device_id):
    return hashlib.sha256(device_id.encode()).hexdigest()


def _credentials(user):
    return salted_hmac(SALT + ".credentials", f"{user.pk}|{user.password}|{user.email}", algorithm="sha256").hexdigest()


_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def summarize_user_agent(user_agent):
    """ "Firefox, Windows": a known browser and system name, never the raw
    header (what a client sends is not shown back as is)."""
    user_agent = user_agent or ""
    browser = next((name for token, name in _BROWSERS if token in user_agent), "")
    system = next((name for token, name in _SYSTEMS if token in user_agent), "")
    return ", ".join(part for part in (browser, system) if part)


def trust(request, response, user):
    """Trust the browser of ``request``: a row, the cookie on ``response``
    and an event. Nothing for staff or non-SPANC users; returns the row."""
    if not may_trust(user):
        return None
    device_id = secrets.token_urlsafe(32)
    now = timezone.now()
    expires_at = now + datetime.timedelta(days=days())
    with transaction.atomic():
        TrustedBrowser.objects.filter(user=user, expires_at__lte=now).delete()
        row = TrustedBrowser.objects.create(
            user=user,
            device_hash=_device_hash(device_id),
            credentials=_credentials(user),
            user_agent=summarize_user_agent(request.META.get("HTTP_USER_AGENT"))[:100],
            created_at=now,
            expires_at=expires_at,
        )
        extra = list(TrustedBrowser.objects.filter(user=user).values_list("pk", flat=True)[MAX_PER_USER:])
        if extra:
            TrustedBrowser.objects.filter(pk__in=extra).delete()
    value = signing.dumps({"d": device_id, "u": user.pk, "e": int(expires_at.timestamp())}, salt=SALT)
    response.set_cookie(
        COOKIE_NAME,
        value,
        max_age=days() * 86400,
        path=cookie_path(),
        secure=not settings.DEBUG,
        httponly=True,
        samesite="Lax",
    )
    record_security_event(Kind.TRUSTED, request, user=user, browser=row.user_agent, trust_id=row.pk, expires=expires_at)
    return row


def _refuse(request, user, reason):
    setattr(request, FORGET_ATTR, True)
    record_security_event(Kind.REFUSED, request, user=user, reason=reason)
    return None


def _payload(raw):
    """(the cookie's (device id, user id, expiry) or None, why refused):
    "invalid" when not signed by this site for this purpose or not of the
    right shape, "expired" when signed longer ago than the duration."""
    try:
        data = signing.loads(raw, salt=SALT, max_age=datetime.timedelta(days=days()))
    except signing.SignatureExpired:
        return None, "expired"
    except signing.BadSignature:
        return None, "invalid"
    if not isinstance(data, dict):
        return None, "invalid"
    device_id, user_id, expiry = data.get("d"), data.get("u"), data.get("e")
    if not (isinstance(device_id, str) and device_id and type(user_id) is int and type(expiry) is int):
        return None, "invalid"
    return (device_id, user_id, expiry), ""


def recognise(request, user):
    """The TrustedBrowser row that lets ``user`` skip the code on this
    browser, or None. A cookie present but refused (altered, another
    user's, expired, revoked) is logged and marked to be deleted."""
    raw = request.COOKIES.get(COOKIE_NAME)
    if not raw or not may_trust(user):
        return None  # staff: the cookie is ignored, not even read
    payload, reason = _payload(raw)
    if payload is None:
        return _refuse(request, user, reason)
    device_id, user_id, expiry = payload
    if user_id != user.pk:
        return _refuse(request, user, "other_user")
    now = timezone.now()
    if expiry <= now.timestamp():
        return _refuse(request, user, "expired")
    row = TrustedBrowser.objects.filter(device_hash=_device_hash(device_id)).first()
    if row is None:
        return _refuse(request, user, "revoked")
    if row.user_id != user.pk:
        return _refuse(request, user, "other_user")
    if row.expires_at <= now:
        row.delete()
        return _refuse(request, user, "expired")
    if not constant_time_compare(row.credentials, _credentials(user)):
        revoke_all(user, "credentials_changed", request=request)
        return _refuse(request, user, "credentials_changed")
    row.last_used_at = now
    row.save(update_fields=["last_used_at"])
    record_security_event(Kind.USED, request, user=user, browser=row.user_agent, trust_id=row.pk)
    return row


def forget(response):
    response.delete_cookie(COOKIE_NAME, path=cookie_path(), samesite="Lax")


def active_for(user):
    return list(TrustedBrowser.objects.filter(user=user, expires_at__gt=timezone.now()))


def revoke(user, pk, request=None):
    """Revoke one of ``user``'s trusted browsers; whether it existed."""
    row = TrustedBrowser.objects.filter(user=user, pk=pk).first()
    if row is None:
        return False
    row.delete()
    record_security_event(
        Kind.REVOKED, request, user=user, reason="person", scope="one", trust_id=pk, browser=row.user_agent
    )
    return True


def revoke_all(user, reason, request=None, **details):
    """Revoke every trusted browser of ``user`` (a password change or reset,
    an email change, the person, an admin); how many. Logged when any was."""
    deleted, _ = TrustedBrowser.objects.filter(user=user).delete()
    if deleted:
        record_security_event(Kind.REVOKED, request, user=user, reason=reason, scope="all", count=deleted, **details)
    return deleted
