"""Who hears of what people send: the one place that decides the recipients
(and Reply-To addresses) of the enquiries' mails.

- A client's message (the request that opens a thread, or a reply in it)
  goes to the installation's franchisee; an after-sales request also to the
  network heads; without a franchisee address, to the network heads instead
  of nowhere. The person who sent a request gets a copy of it (a household
  member at their own address, the owner at the client's).
- An answer (franchisee, staff, internal system) goes to the client, unless
  the person who sent the request turned those mails off.
- A SPANC's upload goes to the franchisee; without his address, to the
  network heads.
- A warranty extension's certificate goes to the client.
- A personal archive's "ready" mail goes to the person who asked for it.
- A SPANC's proof request goes to each person of the client (the record's
  address while nobody has an account), and to the franchisee.

The network heads' addresses are the admins' setting (the portal settings'
``network_head_emails``, guarded by backoffice/mail_routing.py), never an
editor's content (docs/architecture.md, "Rules that hold everywhere").
"""

import logging
from typing import Any

from django.contrib.auth import get_user_model
from wagtail.models import Site

from ..notifications.mail import default_from_email
from ..notifications.preferences import wants
from ..records.models import Client, Franchisee, Installation, PortalDocument
from ..snippets.site_settings import PortalSettings
from .archive_models import PersonalArchive
from .models import PortalRequest

logger = logging.getLogger(__name__)

FRANCHISEE = "franchisee"
NETWORK_HEAD = "network_head"
# The notification preference (notifications.preferences) answers follow.
ANSWER_MAILS = "request_answers"


def network_heads(portal_settings: PortalSettings | None = None) -> list[str]:
    """The network heads' addresses: those of ``portal_settings``, else of the default site's settings."""
    if portal_settings is None:
        site = Site.objects.filter(is_default_site=True).first()
        portal_settings = PortalSettings.for_site(site) if site else None
    return list(portal_settings.network_head_email_list) if portal_settings is not None else []


def franchisee_email(franchisee: Franchisee | None) -> str:
    return franchisee.email if franchisee is not None and franchisee.email else ""


def client_message_recipients(
    portal_request: PortalRequest, franchisee: Franchisee | None, portal_settings: PortalSettings | None = None
) -> dict[str, list[str]]:
    """{recipient: [addresses]} for a client's message, opening or reply,
    in the order the mails are queued (franchisee first)."""
    recipients: dict[str, list[str]] = {}
    email = franchisee_email(franchisee)
    if email:
        recipients[FRANCHISEE] = [email]
    if portal_request.kind == PortalRequest.Kind.AFTER_SALES or not recipients:
        # After-sales always goes to the network head too; a request whose
        # installation has no franchisee address goes there instead of nowhere.
        if not recipients:
            logger.warning("Request %s: no franchisee address, sent to the network head", portal_request.reference)
        recipients[NETWORK_HEAD] = network_heads(portal_settings)
    return recipients


def reply_to(recipient: str, portal_request: PortalRequest) -> list[str]:
    """The franchisee answers through his link only: his mails' Reply-To is
    the portal's sender, whose replies nobody reads (docs/features.md: the mailbox
    sends back a kind notice). The network head (staff) may still write
    directly to the person who sent the request: a household member at her
    own address, as her copy (``copy_address``), not the owner's."""
    if recipient == FRANCHISEE:
        return [default_from_email()]
    return [copy_address(portal_request)]


def client_copy(portal_request: PortalRequest, franchisee: Franchisee | None) -> tuple[list[str], list[str]]:
    """(to, reply_to) of the copy of a request: one address, one copy (see copy_address)."""
    email = franchisee_email(franchisee)
    return [copy_address(portal_request)], [email] if email else []


def copy_address(portal_request: PortalRequest) -> str:
    """Where the copy of a request goes: to the person who sent it. Each
    person of a client has their own login and mails (DESIGN.md, section 2),
    so a household member gets it at their own login's address, greeted by
    their own name; the others of the client are not copied (they see the
    request in their space, and hear of its answers). The owner, as for the
    answers, gets it at the client's own address; so does a request sent by
    someone who is not (or no longer) of the client, or by nobody."""
    record_address = portal_request.client_email
    user = portal_request.submitted_by
    if user is None or not user.email:
        return record_address
    role = (
        user.portal_memberships.filter(client=portal_request.client_id, removed_at__isnull=True)
        .values_list("role", flat=True)
        .first()
    )
    return user.email if role is not None and role != "owner" else record_address


def answer_recipients(portal_request: PortalRequest) -> list[tuple[Any, str, bool]]:
    """Who hears of an answer in the thread, as (person, address, whether it
    is the client's own address): each
    person of the client who wants those mails, the owner at the client's
    own address (as before people had their own logins), the household at
    theirs. A client nobody logs in for: its address, with no person."""
    client = portal_request.client
    record_address = client.email or portal_request.client_email
    membership_model: Any = get_user_model().portal_memberships.rel.related_model  # accounts' model, not imported
    people = list(
        membership_model._default_manager.filter(client=client, removed_at__isnull=True, person__is_active=True)
        .select_related("person")
        .order_by("pk")
    )
    if not people:
        user = portal_request.submitted_by
        return [] if user is not None and not wants(user, ANSWER_MAILS) else [(user, record_address, True)]
    return [
        (m.person, record_address if m.role == "owner" else m.person.email, m.role == "owner")
        for m in people
        if (m.person.email or m.role == "owner") and wants(m.person, ANSWER_MAILS)
    ]


def warranty_recipients(installation: Installation) -> list[str]:
    """Who gets the certificate of a warranty extension: the installation's client."""
    return [installation.client.email]


def spanc_upload_recipients(
    document: PortalDocument, installation: Installation, portal_settings: PortalSettings | None = None
) -> tuple[list[str], bool]:
    """(addresses, to_franchisee) of the mail telling a SPANC's upload: the
    franchisee; without his address, the network heads of ``portal_settings``
    (nobody must miss a SPANC document)."""
    email = franchisee_email(installation.franchisee)
    if email:
        return [email], True
    if portal_settings is None:
        return [], False
    logger.warning(
        "SPANC upload %s: installation %s has no franchisee address, sent to the network head",
        document.pk,
        installation.reference,
    )
    return list(portal_settings.network_head_email_list), False


def proof_franchisee_recipients(installation: Installation) -> list[str]:
    """Who hears of a SPANC's proof request (and of "my installer does my
    maintenance"): the installation's franchisee; without his address, the
    network heads (the proof must not wait on nobody)."""
    email = franchisee_email(installation.franchisee)
    if email:
        return [email]
    return network_heads()


def proof_person_recipients(person: Any) -> list[str]:
    """Who gets a proof request's mail meant for one person of the client
    (owner or household, already filtered on their notification preference): that person."""
    return [person.email]


def proof_record_recipients(client: Client) -> list[str]:
    """Who gets a proof request when nobody of ``client`` has an account yet:
    the client record's address; nobody without one."""
    return [client.email] if client.email else []


def archive_ready_recipients(archive: PersonalArchive) -> list[str]:
    """Who hears that a personal archive (my data, a dossier) is ready to
    download: the person who asked for it, the only one its link lets in."""
    return [archive.requested_by.email]
