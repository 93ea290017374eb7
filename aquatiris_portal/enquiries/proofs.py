"""The proof loop: a SPANC asks an owner for a proof of maintenance
(bordereau de vidange, contrat d'entretien...) and gets it.

- ``ask``: one request per folder (a folder, or the SPANC's bulk choice,
  bounded by PROOF_BULK_MAX); each tells the owner by mail, the franchisee
  by mail (routing.proof_franchisee_recipients) and the internal system
  (``proof_requested``). A folder with an open request of the same kind is
  skipped: asking twice asks once.
- ``answer_with_file``: the owner's checked photo or PDF becomes a document
  of the installation the SPANC sees; the request is received; the
  internal system gets ``proof_received`` with the file's location.
- ``answer_franchisee_maintains``: "my installer does my maintenance" asks
  the franchisee for the proof (one mail); the request stays open.

Callers get installations and requests through ``access`` (the SPANC's
territory, the client's installations): ``get_client_proof_or_404`` is the
owner's only way to a request.
"""

import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import DateField, OuterRef, Q, Subquery
from django.http import Http404
from django.utils import timezone

from .. import access
from ..conf import app_settings
from ..notifications.mail import queue_mail
from ..notifications.preferences import unsubscribe_headers, wants
from ..records.models import DocumentSource, PortalDocument
from ..records.themes import theme_for
from ..sync.outbox import record_event
from ..uploads import safe_filename
from .authors import sent_by
from .proof_models import OVERDUE, ProofRequest, ProofStatus
from .routing import proof_franchisee_recipients, proof_person_recipients, proof_record_recipients
from .spanc_uploads import document_payload

logger = logging.getLogger(__name__)

MAIL = "aquatiris_portal/mail/"
# The owner's notification preference (notifications.preferences.KINDS).
KIND = "proof_requests"
DEFAULT_BULK_MAX = 500
FILTERS = ("requested", "received", OVERDUE, "none")


def bulk_max():
    """At most this many folders in one bulk request (a setting read on access)."""
    return int(getattr(settings, "AQUATIRIS_PORTAL_PROOF_BULK_MAX", DEFAULT_BULK_MAX) or DEFAULT_BULK_MAX)


class TooMany(ValueError):
    def __init__(self, count, maximum):
        super().__init__(f"{count} folders > {maximum}")
        self.count, self.maximum = count, maximum


# -- the SPANC's list ----------------------------------------------------------------


def _latest(field):
    latest = ProofRequest.objects.filter(installation=OuterRef("pk")).order_by("-asked_at", "-pk")
    return Subquery(latest.values(field)[:1], output_field=DateField() if field == "due_on" else None)


def with_proof_status(installations):
    """Add ``proof_status`` and ``proof_due_on`` (the folder's latest request), two subqueries."""
    return installations.annotate(proof_status=_latest("status"), proof_due_on=_latest("due_on"))


def clean_filter(raw):
    raw = str(raw or "")
    return raw if raw in FILTERS else ""


def by_proof(installations, value, today=None):
    """The folders whose latest request is ``value`` (requested, received, overdue, none)."""
    value = clean_filter(value)
    if not value:
        return installations
    today = today or timezone.localdate()
    installations = with_proof_status(installations)
    if value == "none":
        return installations.filter(proof_status__isnull=True)
    if value == "received":
        return installations.filter(proof_status=ProofStatus.RECEIVED)
    if value == OVERDUE:
        return installations.filter(proof_status=ProofStatus.REQUESTED, proof_due_on__lt=today)
    return installations.filter(proof_status=ProofStatus.REQUESTED, proof_due_on__gte=today)


def display_status(status, due_on, today=None):
    """ "requested", "received", "overdue" or "" (never asked) of an annotated folder."""
    if not status:
        return ""
    if status == ProofStatus.RECEIVED:
        return status
    return OVERDUE if due_on and due_on < (today or timezone.localdate()) else ProofStatus.REQUESTED.value


# -- asking --------------------------------------------------------------------------


def ask(*, user, spanc, installations, kind, due_on, note="", answer_url_of=None, today=None):
    """Ask each of ``installations`` (from access, on ``spanc``'s territory) for
    ``kind`` before ``due_on``; the list of requests created (folders with
    an open request of that kind are skipped). Refuses a due date that is not
    in the future (ValueError) and more than ``bulk_max()`` folders (TooMany)."""
    today = today or timezone.localdate()
    if due_on <= today:
        raise ValueError("due date not in the future")
    installations = list(installations)
    if len(installations) > bulk_max():
        raise TooMany(len(installations), bulk_max())
    created = []
    for installation in installations:
        if installation.spanc_id != spanc.pk:  # callers pass access's folders; never another territory's
            raise Http404
        try:
            with transaction.atomic():
                proof = ProofRequest.objects.create(
                    installation=installation,
                    spanc=spanc,
                    asked_by=user,
                    kind=kind,
                    due_on=due_on,
                    note=(note or "").strip()[:1000],
                )
                record_event("proof_requested", request_payload(proof), installation=installation)
                _tell_owner(proof, answer_url_of(proof) if answer_url_of else "")
                _tell_franchisee(proof, "proof_franchisee")
        except IntegrityError:  # an open request of this kind: asked once
            continue
        created.append(proof)
    return created


def request_payload(proof):
    installation = proof.installation
    return {
        "proof_request_id": proof.pk,
        "installation": installation.external_id,
        "installation_reference": installation.reference,
        "client": installation.client.external_id,
        "spanc": proof.spanc.external_id,
        "kind": proof.kind.name,
        "due_on": proof.due_on.isoformat(),
        "note": proof.note,
        "asked_at": proof.asked_at.isoformat(),
    }


def people_of(client):
    """The active people of ``client`` (owner and household), through their memberships."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            portal_memberships__client=client,
            portal_memberships__removed_at__isnull=True,
        )
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def _tell_owner(proof, answer_url, template="proof_request", key_suffix="asked"):
    """One mail per person of the client who wants these mails; to the
    record's address when nobody has an account yet. True if one was queued."""
    client = proof.installation.client
    people = list(people_of(client))
    context = {
        "proof": proof,
        "installation": proof.installation,
        "client": client,
        "spanc": proof.spanc,
        "answer_url": answer_url,
    }
    queued = False
    if not people:
        record = proof_record_recipients(client)
        if record and template == "proof_request":
            queued = (
                queue_mail(
                    key=f"proof:{proof.pk}:{key_suffix}:client", to=record, template=MAIL + template, context=context
                )
                is not None
            )
        return queued
    for person in people:
        if not wants(person, KIND):
            continue
        headers, unsubscribe = unsubscribe_headers(person, KIND)
        mail = queue_mail(
            key=f"proof:{proof.pk}:{key_suffix}:{person.pk}",
            to=proof_person_recipients(person),
            template=MAIL + template,
            headers=headers,
            context={**context, "unsubscribe_url": unsubscribe},
        )
        queued = queued or mail is not None
    return queued


def _tell_franchisee(proof, template):
    recipients = proof_franchisee_recipients(proof.installation)
    if not recipients:
        return None
    return queue_mail(
        key=f"proof:{proof.pk}:{template}",
        to=recipients,
        template=MAIL + template,
        context={
            "proof": proof,
            "installation": proof.installation,
            "client": proof.installation.client,
            "spanc": proof.spanc,
            "franchisee": proof.installation.franchisee,
        },
        reply_to=[proof.spanc.email] if proof.spanc.email else [],
    )


# -- the owner's side ----------------------------------------------------------------


def open_for_client(user):
    """The client's open requests (tasks of the dashboard), soonest due first."""
    return (
        _open_on(access.installations_for_client(user))
        .select_related("kind", "spanc", "installation")
        .order_by("due_on", "pk")
    )


def open_of_client(client):
    """What ``open_for_client`` gives the client's account, from the record
    or its pk (the dashboard's badges, a query compiled once)."""
    return _open_on(access.installations_of_client(client))


def _open_on(installations):
    return ProofRequest.objects.filter(
        installation__in=installations, status=ProofStatus.REQUESTED, franchisee_maintains=False
    )


def get_client_proof_or_404(user, pk):
    proof = (
        ProofRequest.objects.filter(pk=pk, installation__in=access.installations_for_client(user))
        .select_related("kind", "spanc", "installation__client", "installation__franchisee")
        .first()
    )
    if proof is None:
        raise Http404
    return proof


def proof_theme():
    return theme_for(app_settings.MAINTENANCE_THEME_SLUG, name="Entretien")


def answer_with_file(*, user, proof, checked):
    """Store the owner's checked file (``uploads.checked_file``'s tuple) as a
    document of the installation shared with the SPANC; the request becomes
    received; one ``proof_received`` event. False if it was already received."""
    uploaded, kind, content_type = checked
    uploaded.seek(0)
    sha256 = PortalDocument.hash_file(uploaded)
    uploaded.seek(0)
    stored = None
    try:
        with transaction.atomic():
            proof = (
                ProofRequest.objects.select_for_update(of=("self",))
                .select_related("installation__client", "spanc", "kind")
                .get(pk=proof.pk)
            )
            if proof.status == ProofStatus.RECEIVED:  # a double submit: received once
                return False
            now = timezone.now()
            installation = proof.installation
            document = PortalDocument(
                installation=installation,
                theme=proof_theme(),
                title=proof.kind.name[:255],
                filename=safe_filename(getattr(uploaded, "name", ""), kind),
                content_type=content_type,
                size=uploaded.size,
                sha256=sha256,
                issued_on=timezone.localdate(now),
                visible_to_spanc=True,
                visible_to_client=True,
                source=DocumentSource.OWNER_PROOF,
                uploaded_by=user,
                document_type=proof.kind.name[:120],
                created_at=now,
            )
            document.file.save(document.filename, uploaded, save=False)
            stored = (document.file.storage, document.file.name)
            document.save()
            proof.status, proof.answered_at, proof.answered_by = ProofStatus.RECEIVED, now, user
            proof.answer_document = document
            proof.save(update_fields=["status", "answered_at", "answered_by", "answer_document"])
            payload = {
                **document_payload(document, installation, proof.spanc),
                **request_payload(proof),
                "answered_at": now.isoformat(),
                # Who of the client's people answered (an owner, a household member), as the request events say.
                "sent_by": sent_by(user, record_name=installation.client.full_name),
            }
            record_event("proof_received", payload, installation=installation)
    except Exception:
        if stored is not None:
            try:
                stored[0].delete(stored[1])
            except Exception:  # the retention job will find it
                logger.exception("Could not remove orphan proof file %s", stored[1])
        raise
    return True


def answer_franchisee_maintains(*, user, proof):
    """ "My installer does my maintenance": the franchisee is asked, once."""
    with transaction.atomic():
        proof = (
            ProofRequest.objects.select_for_update(of=("self",))
            .select_related("installation__client", "installation__franchisee", "spanc", "kind")
            .get(pk=proof.pk)
        )
        if proof.status == ProofStatus.RECEIVED or proof.franchisee_maintains:
            return False
        proof.franchisee_maintains, proof.answered_at, proof.answered_by = True, timezone.now(), user
        proof.save(update_fields=["franchisee_maintains", "answered_at", "answered_by"])
        _tell_franchisee(proof, "proof_franchisee_maintains")
    return True


# -- reminders -----------------------------------------------------------------------

REMINDER_DAYS = 7


def due_for_reminder(today):
    """Open requests owing a reminder: D-7 (asked before D-7) or the due date, each once."""
    before = Q(
        reminded_before_at__isnull=True, due_on__gt=today, due_on__lte=today + datetime.timedelta(days=REMINDER_DAYS)
    )
    on_due = Q(reminded_due_at__isnull=True, due_on__lte=today)
    return (
        ProofRequest.objects.filter(before | on_due, status=ProofStatus.REQUESTED, franchisee_maintains=False)
        .select_related("installation__client", "spanc", "kind")
        .order_by("due_on", "pk")
    )


def remind(proof, today, answer_url=""):
    """Send the reminder ``proof`` owes (under its row lock); "before", "due" or None."""
    with transaction.atomic():
        proof = (
            ProofRequest.objects.select_for_update(of=("self",))
            .select_related("installation__client", "spanc", "kind")
            .filter(pk=proof.pk)
            .first()
        )
        if proof is None or proof.status != ProofStatus.REQUESTED or proof.franchisee_maintains:
            return None
        if proof.reminded_due_at is None and proof.due_on <= today:
            which, field = "due", "reminded_due_at"
            # The due date passed without the D-7 reminder: that one is not sent any more.
            if proof.reminded_before_at is None:
                proof.reminded_before_at = timezone.now()
        elif (
            proof.reminded_before_at is None
            and today < proof.due_on
            and proof.due_on - today <= datetime.timedelta(days=REMINDER_DAYS)
        ):
            which, field = "before", "reminded_before_at"
            # Asked less than a week before the due date: the request's own mail said it.
            if timezone.localdate(proof.asked_at) >= proof.due_on - datetime.timedelta(days=REMINDER_DAYS):
                proof.reminded_before_at = timezone.now()
                proof.save(update_fields=["reminded_before_at"])
                return None
        else:
            return None
        _tell_owner(proof, answer_url, template=f"proof_reminder_{which}", key_suffix=which)
        setattr(proof, field, timezone.now())
        proof.save(update_fields=["reminded_before_at", "reminded_due_at"])
    return which


def received_between(spanc, since, until):
    """The answers that came in to ``spanc`` in (since, until] (its weekly digest)."""
    return (
        ProofRequest.objects.filter(
            spanc=spanc, status=ProofStatus.RECEIVED, answered_at__gt=since, answered_at__lte=until
        )
        .select_related("installation", "kind")
        .order_by("installation__reference", "pk")
    )
