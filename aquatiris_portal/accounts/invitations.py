"""« Personnes »: an owner (client) or manager (SPANC), or staff, invites a
person by email; the person accepts through a single-use link (a new
account sets its password; an existing account confirms while logged in,
never merged silently); the lead removes people. Each step goes to the
security log and is mailed to the record's owner or manager.

The views are people_views.py; this module holds the rules without HTTP.
"""

from __future__ import annotations

import datetime
import secrets
import uuid
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ..conf import app_settings
from ..notifications.mail import queue_mail
from ..records.emails import canonical_email_or_none, display_email, login_name
from ..records.models import Client, Spanc
from ..security_log import Kind, record_security_event
from . import groups, sessions_end, throttle
from .lookup import record_kind, record_name
from .memberships import active_members, add_membership, remove_membership
from .models import Invitation, Membership, PortalAccount
from .second_factor import email_device
from .tokens import hash_token

if TYPE_CHECKING:  # the host's AUTH_USER_MODEL at run time; the type checker reads the settings' default
    from django.contrib.auth.models import User as Person

# The role an invitation gives: the lead (owner, manager) is the record's own email, never invited.
INVITED_ROLE = {"client": Membership.Role.HOUSEHOLD, "spanc": Membership.Role.AGENT}


class InvitationRefused(Exception):
    """Said to the inviter as is (translated)."""


def cap(record: Client | Spanc) -> int:
    return app_settings.PEOPLE_PER_CLIENT if isinstance(record, Client) else app_settings.PEOPLE_PER_SPANC


def pending_invitations(record: Client | Spanc) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        accepted_at=None, revoked_at=None, expires_at__gt=timezone.now(), **{record_kind(record): record}
    ).select_related("invited_by")


def people_count(record: Client | Spanc) -> int:
    """The people of ``record`` and its pending invitations: what the cap counts."""
    return active_members(record).count() + pending_invitations(record).count()


def person_name(user: Person | None) -> str:
    """How a person is named to others: their name, else their address."""
    if user is None:
        return ""
    return (user.get_full_name() or "").strip() or display_email(user.email or user.get_username())


def is_staff_actor(record: Client | Spanc, user: Person | None) -> bool:
    """Whoever invites or removes without ever having been a person of
    ``record`` acts for Aquatiris (the admin's « Personnes » screen)."""
    if not getattr(user, "pk", None):
        return False
    return not Membership.objects.filter(person=user, **{record_kind(record): record}).exists()


def actor_name(record: Client | Spanc, user: Person | None) -> str:
    """How the one who invites or removes is named to the people of
    ``record``: a person of the space by their name; staff never by name or
    address (as « Qui a consulté » shows them)."""
    return _("An Aquatiris adviser") if is_staff_actor(record, user) else person_name(user)


def _actor_kind(record: Client | Spanc, user: Person | None) -> str:
    """Who acted, for the security log: "member" (the lead), "staff" or "system"."""
    if not getattr(user, "pk", None):
        return "system"
    return "staff" if is_staff_actor(record, user) else "member"


def account_for_email(email: str) -> Person | None:
    """The existing login of ``email`` (logins are canonical addresses), or None."""
    return get_user_model()._default_manager.filter(username=login_name(email)).first()


def _notify_lead(
    record: Client | Spanc, event: str, *, person_email: str, by: Person | None = None, key_suffix: str = ""
) -> None:
    """The owner or manager hears of every invitation, acceptance and removal."""
    address = canonical_email_or_none(record.email)
    queue_mail(
        key=f"people:{event}:{record_kind(record)}:{record.pk}:{uuid.uuid4().hex}{key_suffix}",
        to=[address],
        template="aquatiris_portal/mail/people_notice",
        context={
            "event": event,
            "record_name": record_name(record),
            "kind": record_kind(record),
            "person_email": person_email,
            "by_name": actor_name(record, by),
            "when": timezone.now(),
        },
    )


def invite(
    record: Client | Spanc,
    email: str,
    *,
    by: Person | None,
    request: HttpRequest | None = None,
    ip: str | None = None,
) -> Invitation:
    """Invite ``email`` (canonical) into ``record``; returns the invitation.
    Raises InvitationRefused (already a member, cap reached, throttled)."""
    kind = record_kind(record)
    canonical = canonical_email_or_none(email)
    if not canonical:
        raise InvitationRefused(_("This email address cannot be used."))
    email = canonical
    if active_members(record).filter(person__username=login_name(email)).exists():
        raise InvitationRefused(_("This person already has access."))
    wait = throttle.blocked_for("invitation", email, ip)
    if wait:
        minutes = throttle.minutes(wait)
        raise InvitationRefused(
            _("Too many invitations to this address. Please try again in %(minutes)d minutes.") % {"minutes": minutes}
        )
    now = timezone.now()
    with transaction.atomic():
        # The record's row is the lock: two invitations at once cannot both pass the cap.
        type(record).objects.select_for_update().filter(pk=record.pk).first()
        # A new invitation to the same address replaces the older one (one link works).
        pending_invitations(record).filter(email=email).update(revoked_at=now)
        if people_count(record) >= cap(record):
            raise InvitationRefused(
                _(
                    "This space already has %(count)d people (invitations waiting included), "
                    "the most it can have. Remove someone first."
                )
                % {"count": cap(record)}
            )
        throttle.hit("invitation", email, ip)
        raw = secrets.token_urlsafe(32)
        hours = app_settings.INVITATION_LINK_HOURS
        invitation = Invitation.objects.create(
            email=email,
            role=INVITED_ROLE[kind],
            invited_by=by if getattr(by, "pk", None) else None,
            token_hash=hash_token(raw),
            created_at=now,
            expires_at=now + datetime.timedelta(hours=hours),
            **{kind: record},
        )
        path = reverse("aquatiris_portal:invitation_link", args=[raw])
        queue_mail(
            key=f"invitation:{invitation.pk}",
            to=[email],
            template="aquatiris_portal/mail/invitation",
            sensitive=True,
            context={
                "record_name": record_name(record),
                "kind": kind,
                "by_name": actor_name(record, by),
                "existing": account_for_email(email) is not None,
                "hours": hours,
                "expires_at": invitation.expires_at,
                "link": request.build_absolute_uri(path) if request is not None else path,
            },
        )
        record_security_event(
            Kind.PERSON_INVITED,
            request,
            user=by,
            record_type=kind,
            record=record.external_id,
            invitation=invitation.pk,
            role=invitation.role,
            by=_actor_kind(record, by),
        )
        _notify_lead(record, "invited", person_email=email, by=by)
    return invitation


def find_valid(raw: str | None, *, for_update: bool = False) -> Invitation | None:
    """The pending invitation of ``raw``, or None (unknown, used, revoked, expired)."""
    if not raw or len(raw) > 100:
        return None
    queryset = Invitation.objects.select_related("client", "spanc", "invited_by")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    invitation = queryset.filter(token_hash=hash_token(raw)).first()
    return invitation if invitation is not None and invitation.pending() else None


def _join(invitation: Invitation, person: Person, request: HttpRequest | None) -> Membership:
    record = invitation.record
    membership = add_membership(person, record, invitation.role, invited_by=invitation.invited_by)
    person.groups.add(groups.client_group() if invitation.kind == "client" else groups.spanc_group())
    if invitation.kind == "spanc":
        # The pro space owes a second factor from the first login (their own).
        email_device(person, create=True)
    invitation.accepted_at = timezone.now()
    invitation.person = person
    invitation.save(update_fields=["accepted_at", "person"])
    record_security_event(
        Kind.PERSON_JOINED,
        request,
        user=person,
        record_type=invitation.kind,
        record=record.external_id,
        invitation=invitation.pk,
        role=invitation.role,
    )
    _notify_lead(record, "joined", person_email=invitation.email, by=person)
    return membership


def _locked_pending(invitation: Invitation) -> Invitation:
    # The invitation's row only: PostgreSQL refuses FOR UPDATE on the nullable side of the joins.
    locked = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("client", "spanc", "invited_by")
        .get(pk=invitation.pk)
    )
    if not locked.pending():
        raise ValueError("invitation no longer valid")
    return locked


def accept_new(
    invitation: Invitation,
    password: str,
    request: HttpRequest | None = None,
    *,
    first_name: str = "",
    last_name: str = "",
) -> Person:
    """A first account for the invited address: its password, its membership.
    Raises ValueError when the link is spent or the address has an account
    meanwhile (that account must confirm: nothing is merged)."""
    User = get_user_model()
    with transaction.atomic():
        invitation = _locked_pending(invitation)
        if account_for_email(invitation.email) is not None:
            raise ValueError("the address has an account: it confirms instead")
        user = User._default_manager.create_user(
            username=login_name(invitation.email),
            email=invitation.email,
            first_name=first_name.strip()[:150],
            last_name=last_name.strip()[:150],
        )
        user.set_password(password)
        user.save()
        PortalAccount.objects.create(user=user, activated_at=timezone.now())
        _join(invitation, user, request)
    return user


def accept_existing(invitation: Invitation, user: Person, request: HttpRequest | None = None) -> Membership:
    """The logged-in ``user`` confirms the invitation sent to their own address."""
    with transaction.atomic():
        invitation = _locked_pending(invitation)
        if user.get_username() != login_name(invitation.email):
            raise ValueError("the invitation is for another address")
        PortalAccount.objects.get_or_create(user=user, defaults={"activated_at": timezone.now()})
        return _join(invitation, user, request)


def revoke(invitation: Invitation, *, by: Person | None = None, request: HttpRequest | None = None) -> bool:
    """Cancel a pending invitation (its link stops working) and log who did;
    False (nothing logged) when it was no longer pending."""
    cancelled = Invitation.objects.filter(pk=invitation.pk, revoked_at=None, accepted_at=None).update(
        revoked_at=timezone.now()
    )
    if cancelled:
        record = invitation.record
        record_security_event(
            Kind.INVITATION_CANCELLED,
            request,
            user=by,
            record_type=record_kind(record),
            record=record.external_id,
            invitation=invitation.pk,
            role=invitation.role,
            by=_actor_kind(record, by),
        )
    return bool(cancelled)


def remove(membership: Membership, *, by: Person | None, request: HttpRequest | None = None) -> bool:
    """End ``membership``: access refuses the record from the person's next
    request (it reads memberships each time); a person left with no record
    at all also loses their open sessions. The lead is not removed here
    (the record's own email: the sync owns it)."""
    if membership.is_lead:
        raise InvitationRefused(_("The owner or manager of a space cannot be removed here."))
    if by is not None and membership.person_id == getattr(by, "pk", None):
        raise InvitationRefused(_("You cannot remove yourself."))
    with transaction.atomic():
        if not remove_membership(membership):
            return False
        record = membership.record
        kind = record_kind(record)
        person = membership.person
        if not Membership.objects.filter(person=person, removed_at__isnull=True).exists():
            sessions_end.end_sessions(person.pk)
        record_security_event(
            Kind.PERSON_REMOVED,
            request,
            user=by,
            record_type=kind,
            record=record.external_id,
            person=person.pk,
            role=membership.role,
            by=_actor_kind(record, by),
        )
        _notify_lead(record, "removed", person_email=person.email or person.get_username(), by=by)
    return True
