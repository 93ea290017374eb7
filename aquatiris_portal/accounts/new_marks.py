"""« Nouveau » per person and record: what came after the person's previous
visit of THAT record (a client's space, a SPANC's folders).

A record's visit starts the first time a screen with marks is opened for it
after a login (``PortalAccount.last_visit_at``, written by landing.record_visit):
its membership's ``visit_started_at`` becomes its ``previous_visit_at`` and
the new visit starts now. A landlord opening A at login leaves B's marks as
they were; going A → B → A in one session shifts nothing twice; a login
days later that opens B shows B's news since B was last opened.

The membership and the account come with access's one read per request, so
the mark costs no query; the shift is one UPDATE, once per record and login.
"""

from datetime import datetime

from django.db.models import F, Q
from django.utils import timezone

from .. import access
from .models import Membership


def since(user: access.User, kind: str) -> datetime | None:
    """The moment after which things of ``user``'s current record of
    ``kind`` ("client" or "spanc") are new, or None (never opened before:
    the spaces read None as their first visit). Starts the record's visit
    if this is its first opening since the login."""
    if kind == "client" and access.viewed_client(user) is not None:
        return None  # staff reading as a client: everything is new to them, and nothing changes
    membership = access.current_membership(user, kind)
    if membership is None:
        return None
    account = access.account_for(user)
    login = account.last_visit_at if account is not None else None
    started = membership.visit_started_at
    if started is None:
        # Never opened since the migration seeded it (a record added later):
        # the person's previous visit of the portal, as before marks were per record.
        _start_visit(membership, Q(visit_started_at__isnull=True), account.previous_visit_at if account else None)
    elif login is not None and started < login:
        _start_visit(membership, Q(visit_started_at__lt=login), F("visit_started_at"))
    return membership.previous_visit_at


def _start_visit(membership: Membership, not_started: Q, previous: datetime | F | None) -> None:
    """The record's visit starts now, ``previous`` its previous one. The
    UPDATE is conditional (``not_started``): of two first requests at once,
    only one shifts, or the second would make the first one's "now" the
    previous visit and hide its news."""
    now = timezone.now()
    Membership.objects.filter(not_started, pk=membership.pk).update(previous_visit_at=previous, visit_started_at=now)
    membership.previous_visit_at = membership.visit_started_at if isinstance(previous, F) else previous
    membership.visit_started_at = now
