"""Lost password and password changes, without HTTP (accounts/views.py):
a single-use link by mail, then the new password kills every open link and
every other session."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ..conf import app_settings
from ..notifications.mail import queue_mail
from . import tokens, trusted_browsers
from .backends import find_user_by_email
from .models import AccountToken
from .security_notices import notify_security_change


def request_reset(request, email):
    """Mail a single-use reset link to the user with this email, if any."""
    user = find_user_by_email(email)
    if user is None or not user.is_active or not user.email:
        return
    hours = app_settings.RESET_LINK_HOURS
    with transaction.atomic():
        token, raw = tokens.issue(AccountToken.Purpose.RESET, email=user.email, hours=hours, user=user)
        queue_mail(
            key=f"reset:{token.pk}",
            to=[user.email],
            template="aquatiris_portal/mail/password_reset",
            sensitive=True,
            context={
                "user": user,
                "email": user.email,
                "hours": hours,
                "expires_at": token.expires_at,
                "link": request.build_absolute_uri(reverse("aquatiris_portal:password_reset_link", args=[raw])),
            },
        )


def complete_reset(token, password, request=None):
    with transaction.atomic():
        token = AccountToken.objects.select_for_update(of=("self",)).select_related("user").get(pk=token.pk)
        if token.used_at or token.revoked_at or token.expires_at <= timezone.now():
            raise ValueError("link no longer valid")
        user = token.user
        token.used_at = timezone.now()
        token.save(update_fields=["used_at"])
        set_password(user, password)
        notify_security_change(request, user, "password_reset")
    return user


def set_password(user, password):
    """Change the password: every open link dies, and every session of the
    user ends (their session auth hash no longer matches); the caller keeps
    the current one with ``update_session_auth_hash``."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        tokens.revoke_for_user(user)
        trusted_browsers.revoke_all(user, "password_changed")
