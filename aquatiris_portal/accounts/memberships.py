"""Memberships: who may act for which record (models.Membership), and the
record a person with several is in ("Choisir l'espace").

``access`` reads memberships on every request through the user's
``portal_memberships`` relation; this module writes them and keeps the
person's choice in the session.
"""

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from .. import access
from ..records.models import Client, Spanc
from .lookup import record_kind
from .models import Membership

# {"client": membership pk, "spanc": membership pk}: the record chosen per kind.
CHOICE_SESSION_KEY = "aquatiris_portal_chosen_memberships"


def lead_role(record: Client | Spanc) -> str:
    return Membership.Role.OWNER if isinstance(record, Client) else Membership.Role.MANAGER


def add_membership(person, record: Client | Spanc, role: str | None = None, invited_by=None) -> Membership:
    """The person's active membership of ``record``, made if missing (a
    second call, or two at once, give the same row)."""
    kind = record_kind(record)
    existing = Membership.objects.filter(person=person, removed_at__isnull=True, **{kind: record}).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Membership.objects.create(
                person=person, role=role or lead_role(record), invited_by=invited_by, **{kind: record}
            )
    except IntegrityError:  # made meanwhile by a concurrent request (the unique active constraint)
        return Membership.objects.get(person=person, removed_at__isnull=True, **{kind: record})


def active_members(record: Client | Spanc) -> QuerySet[Membership]:
    return Membership.objects.filter(removed_at__isnull=True, **{record_kind(record): record}).select_related("person")


def lead_membership(record: Client | Spanc) -> Membership | None:
    """The record's owner (client) or manager (SPANC), the record's own email."""
    return active_members(record).filter(role__in=Membership.LEAD_ROLES).order_by("pk").first()


def remove_membership(membership: Membership, when=None) -> bool:
    """End ``membership`` (its row stays for the trace). The person's next
    request no longer reaches the record: access reads memberships each time."""
    updated = Membership.objects.filter(pk=membership.pk, removed_at__isnull=True).update(
        removed_at=when or timezone.now()
    )
    if updated:
        membership.removed_at = when or timezone.now()
    return bool(updated)


def choose_record(request, membership: Membership) -> None:
    """Make ``membership`` the record its kind's pages show in this session."""
    kind = "client" if membership.client_id else "spanc"
    chosen = dict(request.session.get(CHOICE_SESSION_KEY) or {})
    chosen[kind] = membership.pk
    request.session[CHOICE_SESSION_KEY] = chosen
    access.remember_choice(request.user, chosen)


def remember_choice(request) -> None:
    """Hand the session's choice to access for this request (the middleware
    calls it; access never sees the session itself)."""
    chosen = request.session.get(CHOICE_SESSION_KEY) if hasattr(request, "session") else None
    if chosen:
        access.remember_choice(request.user, chosen)
