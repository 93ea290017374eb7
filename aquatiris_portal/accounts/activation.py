"""The first connection, without HTTP: the activation link is mailed to the
record's address, then the account is created and the person made the
record's owner or manager, its lead membership (accounts/views.py)."""

import uuid

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Site

from ..conf import app_settings
from ..notifications.mail import queue_mail
from ..records.emails import canonical_email_or_none, login_name
from ..security_log import Kind, record_security_event
from ..snippets.site_settings import PortalSettings
from ..sync.outbox import record_event
from . import groups, tokens
from .lookup import account_of, find_record, record_kind, record_name
from .memberships import add_membership
from .models import AccountToken, PortalAccount
from .second_factor import email_device

# Told on the "sent" page: the mail leaves through the queue within a minute
# or two; past this, something else is wrong (spam folder, address, code).
MAIL_WAIT_MINUTES = 10


def sent_page_context(request):
    """What the "sent" page says to someone who receives nothing: the same
    for every email and code (it never tells whether they matched)."""
    # A host name no Wagtail site answers for (and no default site) has no
    # settings: the page then names no phone rather than failing.
    site = Site.find_for_request(request)
    portal_settings = PortalSettings.for_site(site) if site is not None else None
    return {
        "network_phone": (getattr(portal_settings, "network_phone", "") or "").strip(),
        "wait_minutes": MAIL_WAIT_MINUTES,
    }


def request_activation(request, email, code):
    """Mail a single-use activation link if ``email`` and ``code`` match a
    record; the "already activated" mail if it has an account. Nothing
    otherwise. Returns nothing: callers answer the same in every case."""
    record = find_record(email, code)
    if record is None:
        return
    kind = record_kind(record)
    # The canonical address (records.emails), the one the login will be:
    # two spellings of one mailbox never make two accounts, and a spelling
    # that is another mailbox for a mail server never receives the link.
    address = canonical_email_or_none(record.email)
    context = {"name": record_name(record), "kind": kind, "email": address}
    account = account_of(record)
    with transaction.atomic():
        if account is not None and account.activated_at is not None:
            queue_mail(
                key=f"already-activated:{kind}:{record.pk}:{uuid.uuid4().hex}",
                to=[address],
                template="aquatiris_portal/mail/already_activated",
                context={
                    **context,
                    "login_url": request.build_absolute_uri(reverse("aquatiris_portal:login")),
                    "reset_url": request.build_absolute_uri(reverse("aquatiris_portal:password_reset")),
                },
            )
            return
        hours = app_settings.ACTIVATION_LINK_HOURS
        token, raw = tokens.issue(AccountToken.Purpose.ACTIVATION, email=address, hours=hours, **{kind: record})
        queue_mail(
            key=f"activation:{token.pk}",
            to=[address],
            template="aquatiris_portal/mail/activation",
            sensitive=True,
            context={
                **context,
                "hours": hours,
                "expires_at": token.expires_at,
                "link": request.build_absolute_uri(reverse("aquatiris_portal:activation_link", args=[raw])),
            },
        )


def complete_activation(token, password):
    """Create (or reuse) the user, link the record, set the password, use
    the link and tell the internal system. Returns the user."""
    User = get_user_model()
    record = token.record
    kind = record_kind(record)
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
            # The login fits the username column (a 254-character address does not).
            user = User._default_manager.filter(username=login_name(email)).first()
            if user is None:
                user = User._default_manager.create_user(username=login_name(email), email=email)
            account = PortalAccount.objects.filter(user=user).first() or PortalAccount(user=user)
        user.email = email
        user.set_password(password)
        user.save()
        account.activated_at = account.activated_at or now
        account.save()
        add_membership(user, record)  # the record's own email: its owner or manager
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
        record_event(
            "account_activated",
            {
                "record_type": kind,
                "id": record.external_id,
                "email": email,
                "activated_at": now.isoformat(),
            },
        )
    return user
