"""What the account screens do, without HTTP: activation, lost password,
password changes, visits, the second factor by email, email moves.

Views call these; they never decide anything about visibility (access.py).
"""

import logging
import re
import uuid
from functools import reduce
from operator import or_

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django_otp import devices_for_user, user_has_device, verify_token
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from wagtail import hooks

from ..conf import app_settings
from ..notifications.mail import queue_mail
from ..records.emails import canonical_email_or_none
from ..records.models import Client, Spanc
from ..security_log import Kind, record_security_event
from ..sync.outbox import record_event
from . import groups, tokens
from .backends import find_user_by_email
from .middleware import SECOND_FACTOR_SESSION_KEY  # noqa: F401  (set at login; defined once, in middleware)
from .models import AccountToken, PortalAccount

logger = logging.getLogger(__name__)

EMAIL_DEVICE_NAME = "email"


def _absolute(request, url):
    return request.build_absolute_uri(url)


def _kind(record):
    return "client" if isinstance(record, Client) else "spanc"


def _record_name(record):
    return record.full_name if isinstance(record, Client) else record.name


def canonical_code(code):
    """A client or pro code as compared: letters and digits only, upper
    case ("cli 1037", "Cli_1037" and "CLI-1037" are one code)."""
    return re.sub(r"[^0-9A-Z]", "", (code or "").upper())


def _code_spellings(code):
    """The stored spellings a typed code may stand for: its canonical form
    and that form with one hyphen anywhere (codes are "PREFIX-REST")."""
    canonical = canonical_code(code)
    if not canonical or len(canonical) > 40:
        return []
    return [canonical] + [f"{canonical[:i]}-{canonical[i:]}" for i in range(1, len(canonical))]


def find_record(email, code):
    """The Client or Spanc whose code is ``code`` (any case, spaces or
    separators) and email is ``email`` (canonical forms), or None. Always
    two queries (none for a code or an email that cannot match)."""
    email = canonical_email_or_none(email)
    spellings = _code_spellings(code)
    found = None
    for model in (Client, Spanc):
        if not (email and spellings):
            continue
        query = reduce(or_, (Q(code__iexact=spelling) for spelling in spellings))
        for record in model.objects.filter(query)[:5]:
            if (found is None and canonical_code(record.code) == canonical_code(code) and record.email
                    and canonical_email_or_none(record.email) == email):
                found = record
    return found


def account_of(record):
    return PortalAccount.objects.select_related("user").filter(**{_kind(record): record}).first()


# --- first connection -------------------------------------------------------

def request_activation(request, email, code):
    """Mail a single-use activation link if ``email`` and ``code`` match a
    record; the "already activated" mail if it has an account. Nothing
    otherwise. Returns nothing: callers answer the same in every case."""
    record = find_record(email, code)
    if record is None:
        return
    # The canonical address (records.emails), the one the login will be:
    # two spellings of one mailbox never make two accounts, and a spelling
    # that is another mailbox for a mail server never receives the link.
    address = canonical_email_or_none(record.email)
    context = {"name": _record_name(record), "kind": _kind(record), "email": address}
    account = account_of(record)
    with transaction.atomic():
        if account is not None and account.activated_at is not None:
            queue_mail(
                key=f"already-activated:{_kind(record)}:{record.pk}:{uuid.uuid4().hex}",
                to=[address],
                template="aquatiris_portal/mail/already_activated",
                context={**context,
                         "login_url": _absolute(request, reverse("aquatiris_portal:login")),
                         "reset_url": _absolute(request, reverse("aquatiris_portal:password_reset"))},
            )
            return
        hours = app_settings.ACTIVATION_LINK_HOURS
        token, raw = tokens.issue(
            AccountToken.Purpose.ACTIVATION, email=address, hours=hours, **{_kind(record): record}
        )
        queue_mail(
            key=f"activation:{token.pk}",
            to=[address],
            template="aquatiris_portal/mail/activation",
            sensitive=True,
            context={**context, "hours": hours, "expires_at": token.expires_at,
                     "link": _absolute(request, reverse("aquatiris_portal:activation_link", args=[raw]))},
        )


def complete_activation(token, password):
    """Create (or reuse) the user, link the record, set the password, use
    the link and tell the internal system. Returns the user."""
    User = get_user_model()
    record = token.record
    kind = _kind(record)
    now = timezone.now()
    with transaction.atomic():
        token = AccountToken.objects.select_for_update().get(pk=token.pk)
        if token.used_at or token.revoked_at or token.expires_at <= now:
            raise ValueError("link no longer valid")
        email = canonical_email_or_none(record.email)
        if not email:
            raise ValueError("the record's email has no canonical form")
        account = account_of(record)
        if account is not None:
            user = account.user
        else:
            user = User._default_manager.filter(username=email).first()
            if user is None:
                user = User._default_manager.create_user(username=email, email=email)
            account = PortalAccount.objects.filter(user=user).first() or PortalAccount(user=user)
        user.email = email
        user.set_password(password)
        user.save()
        setattr(account, kind, record)
        account.activated_at = account.activated_at or now
        account.save()
        user.groups.add(groups.client_group() if kind == "client" else groups.spanc_group())
        token.used_at = now
        token.save(update_fields=["used_at"])
        tokens.revoke_for_record(record)
        tokens.revoke_for_user(user)
        if kind == "spanc":
            # The pro space needs a second factor from the first login:
            # the email device exists from the start.
            email_device(user, create=True)
        record_security_event(Kind.ACCOUNT_ACTIVATED, user=user, record_type=kind, record=record.external_id)
        record_event("account_activated", {
            "record_type": kind,
            "id": record.external_id,
            "email": email,
            "activated_at": now.isoformat(),
        })
    return user


# --- lost password ----------------------------------------------------------

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
            context={"user": user, "email": user.email, "hours": hours, "expires_at": token.expires_at,
                     "link": _absolute(request, reverse("aquatiris_portal:password_reset_link", args=[raw]))},
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


# --- what the person is told ------------------------------------------------

# What changed -> (security log kind, sentence of the mail).
SECURITY_CHANGES = {
    "password_changed": Kind.PASSWORD_CHANGED,
    "password_reset": Kind.PASSWORD_RESET,
    "device_added": Kind.ENROLMENT,
    "backup_codes": Kind.BACKUP_CODES,
}


def notify_security_change(request, user, change, **details):
    """A change that protects the account was made: log it and tell the
    person by mail (a thief who made it is seen at once)."""
    record_security_event(SECURITY_CHANGES[change], request, user=user, **details)
    if not user.email:
        return None
    return queue_mail(
        key=f"security:{change}:{user.pk}:{uuid.uuid4().hex}",
        to=[user.email],
        template="aquatiris_portal/mail/security_notice",
        context={"user": user, "change": change, "when": timezone.now(),
                 "reset_url": _absolute(request, reverse("aquatiris_portal:password_reset")) if request else ""},
    )


# --- visits and landing -----------------------------------------------------

def record_visit(user):
    """At login: the previous visit marks what is new in the spaces."""
    now = timezone.now()
    account = PortalAccount.objects.filter(user=user).only("pk", "last_visit_at").first()
    if account is not None:
        PortalAccount.objects.filter(pk=account.pk).update(
            previous_visit_at=account.last_visit_at, last_visit_at=now
        )



# Hook (wagtail.hooks) answering where a user lands after login: fn(user) ->
# URL or None. The package registers views.landing_url (wagtail_hooks.py).
LANDING_URL_HOOK = "aquatiris_portal_landing_url"


def landing_url(user):
    """Where a user lands after login when no ``next`` was given: the first
    answer of the ``aquatiris_portal_landing_url`` hooks (the package's own
    gives the user's space: the pages room is above this one, so it answers
    through a hook; a host may register its own), else the Wagtail admin
    for staff, else ``LOGIN_REDIRECT_URL``."""
    for hook in hooks.get_hooks(LANDING_URL_HOOK):
        url = hook(user)
        if url:
            return url
    if user.is_staff or user.is_superuser:
        return reverse("wagtailadmin_home")
    return settings.LOGIN_REDIRECT_URL

# --- second factor ------------------------------------------------------------

def is_admin_user(user):
    return bool(user.is_staff or user.is_superuser or user.has_perm("wagtailadmin.access_admin"))


def requires_second_factor(user):
    """SPANC accounts and Wagtail admin users must; a client who set up a
    device has chosen to."""
    if not user.is_authenticated:
        return False
    if is_admin_user(user):
        return True
    if PortalAccount.objects.filter(user=user, spanc__isnull=False).exists():
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


def check_enrolment_code(device, code):
    """(accepted, seconds to wait) for the enrolment email code."""
    code = (code or "").replace(" ", "").strip()
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
    code = (code or "").replace(" ", "").replace("-", "").strip()
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


# --- email changes from the sync -------------------------------------------

def move_login(record, old_email, new_email):
    """The record's email changed in the internal system: the login follows
    it and the old address stops working. Open links die (they went to the
    old address)."""
    new_email = canonical_email_or_none(new_email)
    tokens.revoke_for_record(record)
    account = account_of(record)
    if account is None or not new_email:
        return None
    user = account.user
    User = get_user_model()
    clash = User._default_manager.filter(Q(username=new_email) | Q(email__iexact=new_email)).exclude(pk=user.pk)
    if clash.exists():
        logger.error(
            "Email of %s %s changed to an address another user has; login left unchanged",
            _kind(record), record.external_id,
        )
        return None
    with transaction.atomic():
        user.username = new_email
        user.email = new_email
        user.save(update_fields=["username", "email"])
        tokens.revoke_for_user(user)
        record_security_event(Kind.EMAIL_CHANGED, user=user, record_type=_kind(record), record=record.external_id,
                              old_domain=(old_email or "").rpartition("@")[2], source="sync")
    return user
