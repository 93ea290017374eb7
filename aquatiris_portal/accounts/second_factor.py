"""The second factor, without HTTP (second_factor_views.py): who must pass
one, the code by email, enrolment, checking a code on the user's devices and
backup codes."""

import unicodedata

from django.db import transaction
from django.utils import timezone
from django_otp import device_classes, devices_for_user, user_has_device, verify_token
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from .. import access
from ..conf import app_settings
from ..notifications.mail import queue_mail

EMAIL_DEVICE_NAME = "email"


def is_admin_user(user):
    return bool(user.is_staff or user.is_superuser or user.has_perm("wagtailadmin.access_admin"))


def requires_second_factor(user):
    """SPANC accounts and Wagtail admin users must; a client who set up a
    device has chosen to."""
    if not user.is_authenticated:
        return False
    if is_admin_user(user):
        return True
    if access.has_spanc_membership(user):  # any SPANC person: manager or agent
        return True
    return user_has_device(user)


def email_device(user, create=False):
    device = EmailDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None and create:
        device = EmailDevice.objects.create(user=user, name=EMAIL_DEVICE_NAME, confirmed=True)
    return device


def send_email_code(request, device, template="aquatiris_portal/mail/otp_code"):
    """Generate a code on ``device`` and send it through the portal's mail
    queue (one actor, retries). Returns False while the cool-down runs."""
    allowed, _data = device.generate_is_allowed()
    if not allowed:
        return False
    minutes = app_settings.OTP_EMAIL_CODE_MINUTES
    with transaction.atomic():
        device.cooldown_set(commit=False)
        device.generate_token(valid_secs=minutes * 60, commit=True)
        queue_mail(
            key=f"otp:{device.pk}:{device.valid_until.timestamp():.6f}",
            to=[device.email or device.user.email],
            template=template,
            sensitive=True,
            context={"code": device.token, "minutes": minutes, "email": device.email or device.user.email},
        )
    return True


ENROLMENT_DEVICE_NAME = "enrolment"


def enrolment_email_device(user):
    """An unconfirmed email device that only proves, before a first
    authenticator app is set up, that the person reads the account's
    mailbox (it never counts as a second factor: it stays unconfirmed)."""
    device = EmailDevice.objects.filter(user=user, name=ENROLMENT_DEVICE_NAME, confirmed=False).order_by("pk").first()
    return device or EmailDevice.objects.create(user=user, name=ENROLMENT_DEVICE_NAME, confirmed=False)


def typed_code(code):
    """A code as typed or pasted, in the form devices compare: digits of any
    script (a phone's full-width ones) as ASCII digits; spaces of any kind
    (a non-breaking one copied from a mail), dashes and invisible characters
    between its groups dropped; letters lower case, as backup codes are (a
    phone capitalises the first letter typed)."""
    kept = []
    for char in unicodedata.normalize("NFKC", code or ""):
        if char.isdecimal():
            kept.append(str(unicodedata.decimal(char)))
        elif not (char.isspace() or unicodedata.category(char) in ("Pd", "Cf")):
            kept.append(char.lower())
    return "".join(kept)


def check_enrolment_code(device, code):
    """(accepted, seconds to wait) for the enrolment email code."""
    code = typed_code(code)
    with transaction.atomic():
        device = type(device).objects.select_for_update().get(pk=device.pk)
        allowed, data = device.verify_is_allowed()
        if not allowed:
            until = (data or {}).get("locked_until")
            if until is not None:
                return False, max(1, int((until - timezone.now()).total_seconds() + 0.999))
        return bool(code) and device.verify_token(code), 0


def code_pending(device):
    return bool(device.token and device.valid_until and device.valid_until > timezone.now())


def confirmed_devices(user):
    return list(devices_for_user(user, confirmed=True))


def has_confirmed_device(user):
    """Whether ``user`` has a confirmed device of any kind, in one query (a
    UNION over the device tables) where ``confirmed_devices`` reads each table."""
    if not user.is_authenticated:
        return False
    ids = [model.objects.devices_for_user(user, confirmed=True).values_list("user_id") for model in device_classes()]
    return bool(ids) and bool(ids[0].union(*ids[1:])[:1])


def _may_be_for(device, code):
    """Whether ``code`` has the shape of ``device``'s codes: digits for an
    app or an emailed code, anything but a 6-digit number for backup codes
    (8 letters and digits). A code is only tried, and only counts as a
    failure, on the devices it may be for."""
    if isinstance(device, StaticDevice):
        return not (code.isdigit() and len(code) == 6)
    return code.isdigit()


def check_code(user, code):
    """(the confirmed device that accepts ``code`` or None, seconds to
    wait). The wait is not 0 when no device accepted the code and one was
    still in django-otp's own delay after an earlier wrong code (1, 2, 4 s
    ... after each failure): the code may be right and was not even
    checked, so the person must be told to wait, not that it is wrong."""
    code = typed_code(code)
    if not code:
        return None, 0
    now = timezone.now()
    locked_until = None
    for device in confirmed_devices(user):
        if not _may_be_for(device, code):
            continue  # a backup code never counts as a wrong app code, nor the reverse
        allowed, data = device.verify_is_allowed()
        if not allowed:
            until = (data or {}).get("locked_until")
            if until is not None and until > now:
                locked_until = max(locked_until or until, until)
            continue
        verified = verify_token(user, device.persistent_id, code)
        if verified is not None:
            return verified, 0
    if locked_until is None:
        return None, 0
    return None, max(1, int((locked_until - now).total_seconds() + 0.999))


def setup_backup_codes(user, count=10):
    """Replace the user's static backup codes; returns them (shown once)."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name="backup", defaults={"confirmed": True})
    device.confirmed = True
    device.save()
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(count)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes
