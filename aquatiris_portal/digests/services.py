"""Digest mails: what is new, for people who did not log in to see it.

- A client: at most one mail per CLIENT_DIGEST_HOURS (a day) listing the
  documents added for their installations since the previous digest (what
  ``access`` lets them read; their own warranty certificates left out: they
  had a mail), each linked; nothing when nothing arrived.
- A SPANC's person: one mail per SPANC_DIGEST_DAYS (a week) of the new
  folders of its territory and the documents newly shared with the SPANC.

A digest goes to each person with an active membership of the record (an
owner and their household, a SPANC's manager and agents), each their own
mail; a removed person gets none. A person in several records (a landlord,
an agent of two SPANCs) gets one digest per record: each record is its own
space on the portal (its name, its installations, its people), and a mail
speaks of one, greeting and naming it, as the space they choose after login.

Each person's choice (``notifications.preferences``, kinds
``client_documents`` and ``spanc_digest``) is asked first; every mail has
the unsubscribe link and headers. A digest is a mail of the queue with an
idempotent key per person, record and day
(``digest:client:<user>:<client>:<date>``): running twice, or on two
machines, sends it once. The period is the person's: stored on their
preference row (``last_sent_at``) in the same transaction as the mails of
all their records, which are sent together.

``send_due(force=False)`` is what the schedule and ``portal_notify`` call;
``force=True`` (``--now``) ignores the windows (still once a day per key).
"""

import datetime
import logging
from dataclasses import dataclass, field
from itertools import groupby
from operator import attrgetter

from django.db import transaction
from django.db.models import Min, Q
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page

from .. import access
from ..accounts.greeting import greeting_name
from ..accounts.models import Membership
from ..conf import app_settings, public_base_url
from ..enquiries import proofs
from ..notifications.mail import queue_mail
from ..notifications.models import OutgoingMail
from ..notifications.preferences import KINDS, NotificationPreference, unsubscribe_headers
from ..pages.client_space import ClientSpacePage
from ..pages.pro_space import ProSpacePage
from ..records.models import DocumentSource, Installation, PortalDocument

logger = logging.getLogger(__name__)

MAIL = "aquatiris_portal/mail/"
CLIENT_KIND = "client_documents"
SPANC_KIND = "spanc_digest"
# A first digest (or one after a long pause) looks back this far at most.
FIRST_LOOKBACK = datetime.timedelta(days=7)
LIST_LIMIT = 100  # items named in one mail; the rest is counted


@dataclass
class Report:
    client_mails: int = 0
    spanc_mails: int = 0
    skipped: dict = field(default_factory=dict)

    def __str__(self):
        return f"{self.client_mails} client digest(s), {self.spanc_mails} SPANC digest(s)" + (
            f", skipped {self.skipped}" if self.skipped else ""
        )

    def skip(self, reason):
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


def _memberships():
    """The active memberships, each with its person (and their account) and record."""
    return Membership.objects.filter(removed_at__isnull=True, person__is_active=True).select_related(
        "person", "person__portal_account", "client", "spanc"
    )


def _state(user, kind):
    """The person's preference row, locked (created with the kind's default)."""
    NotificationPreference.objects.get_or_create(user=user, kind=kind, defaults={"enabled": KINDS[kind].default})
    return NotificationPreference.objects.select_for_update().get(user=user, kind=kind)


def _since(state, membership, now):
    floor = now - FIRST_LOOKBACK
    account = getattr(membership.person, "portal_account", None)
    joined = [when for when in (getattr(account, "activated_at", None), membership.created_at) if when]
    start = state.last_sent_at or (min(joined) if joined else floor)
    return max(start, floor) if state.last_sent_at is None else start


def _due(state, now, every, force):
    return force or state.last_sent_at is None or now - state.last_sent_at >= every


def _document_url(document):
    return public_base_url() + reverse("aquatiris_portal:document_download", args=[document.pk])


def _space(model):
    """(the live space page of ``model`` or None, its absolute URL)."""
    page = Page.objects.live().type(model).order_by("path").first()
    if page is None:
        return None, public_base_url() + "/"
    page = page.specific
    url = page.get_url() or "/"
    return page, (url if url.startswith("http") else public_base_url() + url)


def _space_url(model):
    return _space(model)[1]


def _send_for_person(memberships, kind, every, build, now, force):
    """The digests of one person (``memberships``: their active memberships
    of one kind, each a record with something new): ``build(membership, key,
    since)`` makes each record's mail or None. The person's preference row
    is locked once: the period is theirs, all records' mails are queued in
    one transaction, or none (a failure retries them all at the next run)."""
    user = memberships[0].person
    if not user.is_active or not user.email:
        return []
    prefix = "client" if kind == CLIENT_KIND else "spanc"
    with transaction.atomic():
        state = _state(user, kind)
        if not state.enabled or not _due(state, now, every, force):
            return []
        mails = []
        day = f"{timezone.localdate(now):%Y-%m-%d}"
        for membership in memberships:
            if not membership.active or membership.person_id != user.pk:
                continue
            record_id = membership.client_id if prefix == "client" else membership.spanc_id
            if record_id is None:
                continue
            key = f"digest:{prefix}:{user.pk}:{record_id}:{day}"
            if OutgoingMail.objects.filter(key=key).exists():
                continue  # today's digest of this record went already (at most one a day)
            mail = build(membership, key, _since(state, membership, now))
            if mail is not None:
                mails.append(mail)
        if mails:
            state.last_sent_at = now
            state.save(update_fields=["last_sent_at"])
    return mails


def send_client_digests(memberships, now=None, force=False):
    """The digests of one person of one or more clients (``memberships``,
    all theirs), if due and not empty: one mail per client, the list of mails."""
    now = now or timezone.now()

    def build(membership, key, since):
        documents = (
            access.documents_of_client(membership.client)
            .filter(created_at__gt=since, created_at__lte=now)
            .exclude(source=DocumentSource.CERTIFICATE)
            .select_related("installation", "theme")
            .order_by("installation__reference", "-created_at", "-pk")
        )
        listed = list(documents[: LIST_LIMIT + 1])
        if not listed:
            return None
        total = len(listed) if len(listed) <= LIST_LIMIT else documents.count()
        for document in listed:
            document.portal_url = _document_url(document)
        user = membership.person
        headers, unsubscribe = unsubscribe_headers(user, CLIENT_KIND)
        return queue_mail(
            key=key,
            to=[user.email],
            template=MAIL + "digest_client",
            headers=headers,
            context={
                "client": membership.client,
                "greeting": greeting_name(user, membership.client),
                "documents": listed[:LIST_LIMIT],
                "total": total,
                "since": since,
                "space_url": _space_url(ClientSpacePage),
                "unsubscribe_url": unsubscribe,
                "preferences_url": public_base_url() + reverse("aquatiris_portal:notification_preferences"),
            },
        )

    every = datetime.timedelta(hours=app_settings.CLIENT_DIGEST_HOURS)
    return _send_for_person(list(memberships), CLIENT_KIND, every, build, now, force)


def send_spanc_digests(memberships, now=None, force=False):
    """The weekly digests of one person of one or more SPANCs (``memberships``,
    all theirs), if due and not empty: one mail per SPANC, the list of mails."""
    now = now or timezone.now()

    def build(membership, key, since):
        spanc = membership.spanc
        folders = Installation.objects.filter(spanc=spanc, created_at__gt=since, created_at__lte=now).order_by(
            "client_sort_name", "reference"
        )
        documents = (
            access.documents_shared_with_spanc(spanc)
            .filter(created_at__gt=since, created_at__lte=now)
            .select_related("installation")
            .order_by("installation__reference", "-created_at")
        )
        folder_list = list(folders[: LIST_LIMIT + 1])
        document_list = list(documents[: LIST_LIMIT + 1])
        # The proofs owners sent (enquiries/proofs.py): what came in of what the SPANC asked.
        proof_list = list(proofs.received_between(spanc, since, now)[:LIST_LIMIT])
        if not folder_list and not document_list and not proof_list:
            return None
        space, space_url = _space(ProSpacePage)
        for folder in folder_list:
            folder.portal_url = (
                space_url.rstrip("/") + "/" + space.reverse_subpage("folder_detail", args=[folder.pk])
                if space is not None
                else space_url
            )
        for document in document_list:
            document.portal_url = _document_url(document)
        user = membership.person
        headers, unsubscribe = unsubscribe_headers(user, SPANC_KIND)
        return queue_mail(
            key=key,
            to=[user.email],
            template=MAIL + "digest_spanc",
            headers=headers,
            context={
                "spanc": spanc,
                "folders": folder_list[:LIST_LIMIT],
                "documents": document_list[:LIST_LIMIT],
                "proofs": proof_list,
                "folder_total": folders.count() if len(folder_list) > LIST_LIMIT else len(folder_list),
                "document_total": documents.count() if len(document_list) > LIST_LIMIT else len(document_list),
                "since": since,
                "space_url": space_url,
                "unsubscribe_url": unsubscribe,
                "preferences_url": public_base_url() + reverse("aquatiris_portal:notification_preferences"),
            },
        )

    every = datetime.timedelta(days=app_settings.SPANC_DIGEST_DAYS)
    return _send_for_person(list(memberships), SPANC_KIND, every, build, now, force)


def _per_person(memberships):
    """The memberships (a queryset) grouped per person, one list each,
    streamed: ordered by person so that each person's come together."""
    return (
        list(group)
        for _person, group in groupby(memberships.order_by("person_id", "pk").iterator(), key=attrgetter("person_id"))
    )


def _horizon(kind, now):
    """Nothing older than this can be in a digest of ``kind``: the oldest
    period still to report (first digests look back FIRST_LOOKBACK)."""
    oldest = NotificationPreference.objects.filter(kind=kind, enabled=True, last_sent_at__isnull=False).aggregate(
        oldest=Min("last_sent_at")
    )["oldest"]
    return min(oldest or now, now - FIRST_LOOKBACK)


def send_due(now=None, force=False):
    """Send every digest that is due (all of them with ``force``). Only the
    people of records with something new in the look-back period are visited."""
    now = now or timezone.now()
    report = Report()
    horizon = _horizon(CLIENT_KIND, now)
    clients = (
        PortalDocument.objects.live()
        .filter(visible_to_client=True, created_at__gt=horizon)
        .values("installation__client_id")
    )
    for memberships in _per_person(_memberships().filter(client_id__in=clients)):
        try:
            report.client_mails += len(send_client_digests(memberships, now, force))
        except Exception:  # one person's failure never stops the others
            logger.exception("Client digest of person %s failed", memberships[0].person_id)
            report.skip("error")
    horizon = _horizon(SPANC_KIND, now)
    spancs_with_documents = (
        PortalDocument.objects.live()
        .filter(visible_to_spanc=True, created_at__gt=horizon)
        .values("installation__spanc_id")
    )
    spancs_with_folders = Installation.objects.filter(created_at__gt=horizon).values("spanc_id")
    spanc_members = (
        _memberships()
        .filter(spanc_id__isnull=False)
        .filter(Q(spanc_id__in=spancs_with_documents) | Q(spanc_id__in=spancs_with_folders))
    )
    for memberships in _per_person(spanc_members):
        try:
            report.spanc_mails += len(send_spanc_digests(memberships, now, force))
        except Exception:
            logger.exception("SPANC digest of person %s failed", memberships[0].person_id)
            report.skip("error")
    return report
