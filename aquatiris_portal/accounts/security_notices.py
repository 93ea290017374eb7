"""What the person is told when a change that protects their account is
made (password, second factor): logged, and mailed to them, so that a thief
who made it is seen at once."""

import uuid

from django.urls import reverse
from django.utils import timezone

from ..notifications.mail import queue_mail
from ..security_log import Kind, record_security_event

# What changed -> the security log's kind (the mail's sentence is chosen by
# ``change`` in the template).
SECURITY_CHANGES = {
    "password_changed": Kind.PASSWORD_CHANGED,
    "password_reset": Kind.PASSWORD_RESET,
    "device_added": Kind.ENROLMENT,
    "backup_codes": Kind.BACKUP_CODES,
}


def notify_security_change(request, user, change, **details):
    """Log ``change`` and tell the person by mail."""
    record_security_event(SECURITY_CHANGES[change], request, user=user, **details)
    if not user.email:
        return None
    reset_url = request.build_absolute_uri(reverse("aquatiris_portal:password_reset")) if request else ""
    return queue_mail(
        key=f"security:{change}:{user.pk}:{uuid.uuid4().hex}",
        to=[user.email],
        template="aquatiris_portal/mail/security_notice",
        context={"user": user, "change": change, "when": timezone.now(), "reset_url": reset_url},
    )
