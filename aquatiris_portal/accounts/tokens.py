"""Single-use links: create, find, use, revoke.

The raw token exists only in the mail; the database holds its SHA-256.
"""

import datetime
import hashlib
import secrets

from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from ..records.models import Client
from .models import AccountToken

Purpose = AccountToken.Purpose


def hash_token(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


def password_fingerprint(user):
    """Changes whenever the user's password changes (any way it changes)."""
    if user is None:
        return ""
    return salted_hmac("aquatiris_portal.accounts.token", user.password or "", algorithm="sha256").hexdigest()


def issue(purpose, *, email, hours, user=None, client=None, spanc=None):
    """Create a link and revoke the older unused links of the same person and
    purpose: only the newest works. Returns (token row, raw token)."""
    now = timezone.now()
    older = AccountToken.objects.filter(purpose=purpose, used_at=None, revoked_at=None)
    if user is not None:
        older = older.filter(user=user)
    elif client is not None:
        older = older.filter(client=client)
    else:
        older = older.filter(spanc=spanc)
    older.update(revoked_at=now)
    raw = secrets.token_urlsafe(32)
    token = AccountToken.objects.create(
        purpose=purpose,
        token_hash=hash_token(raw),
        email=email,
        user=user,
        client=client,
        spanc=spanc,
        password_fingerprint=password_fingerprint(user) if user is not None else "",
        created_at=now,
        expires_at=now + datetime.timedelta(hours=hours),
    )
    return token, raw


def find_valid(purpose, raw, *, for_update=False):
    """The usable link for ``raw``, or None (unknown, used, revoked, expired,
    or its user's password changed since)."""
    if not raw or len(raw) > 100:
        return None
    queryset = AccountToken.objects.select_related("user", "client", "spanc")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    token = queryset.filter(purpose=purpose, token_hash=hash_token(raw)).first()
    if token is None or token.used_at or token.revoked_at or token.expires_at <= timezone.now():
        return None
    if token.user_id and not constant_time_compare(token.password_fingerprint, password_fingerprint(token.user)):
        return None
    return token


def revoke_for_user(user):
    """A password or address change kills every open link of ``user``."""
    AccountToken.objects.filter(user=user, used_at=None, revoked_at=None).update(revoked_at=timezone.now())


def revoke_for_record(record):
    field = "client" if isinstance(record, Client) else "spanc"
    AccountToken.objects.filter(**{field: record}, used_at=None, revoked_at=None).update(revoked_at=timezone.now())
