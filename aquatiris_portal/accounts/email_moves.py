"""The record's email changed in the internal system (records.signals.email_changed,
connected in receivers.py): the login follows it."""

import logging

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

from ..records.emails import canonical_email_or_none, login_name
from ..security_log import Kind, record_security_event
from . import tokens, trusted_browsers
from .lookup import account_of, record_kind

logger = logging.getLogger(__name__)


def move_login(record, old_email, new_email):
    """The login follows the record's new email and the old address stops
    working. Open links die (they went to the old address)."""
    new_email = canonical_email_or_none(new_email)
    tokens.revoke_for_record(record)
    account = account_of(record)
    if account is None or not new_email:
        return None
    user = account.user
    User = get_user_model()
    login = login_name(new_email)  # the address, or a name derived from one too long for a username
    clash = User._default_manager.filter(Q(username=login) | Q(email__iexact=new_email)).exclude(pk=user.pk)
    if clash.exists():
        logger.error(
            "Email of %s %s changed to an address another user has; login left unchanged",
            record_kind(record),
            record.external_id,
        )
        return None
    with transaction.atomic():
        user.username = login
        user.email = new_email
        user.save(update_fields=["username", "email"])
        tokens.revoke_for_user(user)
        trusted_browsers.revoke_all(user, "email_changed")
        record_security_event(
            Kind.EMAIL_CHANGED,
            user=user,
            record_type=record_kind(record),
            record=record.external_id,
            old_domain=(old_email or "").rpartition("@")[2],
            source="sync",
        )
    return user
