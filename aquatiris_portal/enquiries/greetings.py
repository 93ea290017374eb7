"""Whom the enquiries' mails to a client greet (one login per person): a
mail to a portal account greets its person as every mail to a person does
(notifications/greeting.py: her own name, else the client's); a mail to an
address nobody logs in with keeps the name the request or the record holds."""

from django.contrib.auth import get_user_model

from ..notifications.greeting import greeting_name
from ..records.emails import canonical_email_or_none, login_name
from ..records.models import Client


def for_recipient(user, client: Client, fallback: str) -> str:
    """The greeting of a mail to ``user`` (None: an address without account) about ``client``."""
    return greeting_name(user, client) if user is not None else fallback.strip()


def request_names(portal_request) -> str:
    """The names a request carries (copied from the client when it was sent)."""
    return f"{portal_request.client_first_name} {portal_request.client_last_name}"


def account_at(address: str | None):
    """The login of ``address`` (logins are canonical addresses), or None."""
    canonical = canonical_email_or_none(address)
    if not canonical:
        return None
    return get_user_model()._default_manager.filter(username=login_name(canonical)).first()
