"""Delivery of stored mails: one dramatiq actor, retried, sending each mail once.

A mail goes through three short steps, none of which holds a transaction
open while SMTP talks:

1. *claim*: one conditional UPDATE turns the row to ``sending`` with a lease,
   and commits. Only one worker wins it; a redelivered message, a retry or a
   second worker finds it taken (or sent) and stops.
2. *send*: outside any transaction.
3. *mark sent*: once the server said 250, that write alone is retried until
   it lands (a locked SQLite file, a dropped connection). The mail is never
   sent again because the database was briefly unwritable.

A worker that dies between the claim and the mark leaves a ``sending`` row
whose lease expires; the sweep sends it again then (at least once, rather
than never, when a process is killed mid-send).
"""

import logging
import time
from datetime import timedelta

import dramatiq
from django.core.mail import EmailMultiAlternatives
from django.db import DatabaseError, close_old_connections
from django.db.models import F, Q
from django.utils import timezone
from dramatiq.brokers.stub import StubBroker

from ..conf import app_settings
from ..storage import private_storage
from .broker_refusals import BROKER_REFUSALS, Refusals
from .models import OutgoingMail

logger = logging.getLogger(__name__)

REDACTED = "[erased once sent: this mail carried a single-use secret]"

# How long a claimed mail belongs to the worker that claimed it. Longer than
# any SMTP conversation (Django's SMTP backend has EMAIL_TIMEOUT).
LEASE = timedelta(minutes=10)
# Attempts at recording that a mail was sent, and the pause between them.
MARK_SENT_ATTEMPTS = 8
MARK_SENT_PAUSE_SECONDS = 0.25


def _build_message(mail):
    message = EmailMultiAlternatives(
        subject=mail.subject,
        body=mail.body_text,
        from_email=mail.from_email or None,
        to=mail.to,
        cc=mail.cc,
        reply_to=mail.reply_to,
        headers=dict(mail.headers or {}),
    )
    if mail.body_html:
        message.attach_alternative(mail.body_html, "text/html")
    for attachment in mail.attachments:
        with private_storage.open(attachment["name"], "rb") as handle:
            message.attach(attachment["filename"], handle.read(), attachment.get("content_type"))
    return message


def claimable(now):
    """Mails a worker may take: waiting, failed, or claimed by a worker whose
    lease ran out; never one whose ``not_before`` is still to come."""
    return (
        Q(status__in=[OutgoingMail.Status.PENDING, OutgoingMail.Status.FAILED])
        | Q(status=OutgoingMail.Status.SENDING, lease_until__lt=now)
    ) & (Q(not_before__isnull=True) | Q(not_before__lte=now))


def claim_outgoing_mail(mail_id):
    """Take the mail for this worker (committed at once), or None if it is sent or taken."""
    now = timezone.now()
    won = OutgoingMail.objects.filter(claimable(now), pk=mail_id).update(
        status=OutgoingMail.Status.SENDING, lease_until=now + LEASE, attempts=F("attempts") + 1
    )
    return OutgoingMail.objects.get(pk=mail_id) if won else None


def mark_sent(mail):
    """Record a mail the SMTP server accepted; retry this write alone."""
    fields = {"status": OutgoingMail.Status.SENT, "sent_at": timezone.now(), "last_error": "", "lease_until": None}
    if mail.sensitive:
        fields.update(body_text=REDACTED, body_html="")
    for attempt in range(1, MARK_SENT_ATTEMPTS + 1):
        try:
            OutgoingMail.objects.filter(pk=mail.pk).update(**fields)
            return
        except DatabaseError as error:
            logger.warning("Mail %s was sent but not yet recorded (attempt %s): %s", mail.pk, attempt, error)
            close_old_connections()
            time.sleep(MARK_SENT_PAUSE_SECONDS * attempt)
    # Still unwritable: the row stays "sending" under its lease, so no retry of
    # this message sends it again; only a sweep after the lease would.
    logger.error("Mail %s was sent but could not be recorded as sent", mail.pk)


def mark_failed(mail, error):
    OutgoingMail.objects.filter(pk=mail.pk, status=OutgoingMail.Status.SENDING).update(
        status=OutgoingMail.Status.FAILED, last_error=f"{type(error).__name__}: {error}", lease_until=None
    )


def _retry_mail(retries, exception):
    # Read at each failure, so the setting applies without a restart.
    return retries < app_settings.MAIL_MAX_RETRIES


@dramatiq.actor(queue_name="aquatiris_mail", retry_when=_retry_mail, min_backoff=5_000, max_backoff=600_000)
def deliver_mail(mail_id):
    """Send one stored mail, once, even if the message is delivered twice or retried."""
    mail = claim_outgoing_mail(mail_id)
    if mail is None:
        _again_when_due(mail_id)
        return
    try:
        _build_message(mail).send(fail_silently=False)
    except Exception as error:
        mark_failed(mail, error)
        logger.warning("Mail %s failed (attempt %s): %s", mail_id, mail.attempts, error)
        raise  # dramatiq retries with backoff
    mark_sent(mail)


def _again_when_due(mail_id):
    """A mail whose ``not_before`` is still to come (its delayed message came
    early: this worker's clock is behind the web server's) is sent again at
    its time, so that no scheduler is needed. On an in-memory broker the
    periodic sweep sends it (a StubBroker's join would wait for the delay)."""
    now = timezone.now()
    not_before = (
        OutgoingMail.objects.filter(pk=mail_id, status=OutgoingMail.Status.PENDING, not_before__gt=now)
        .values_list("not_before", flat=True)
        .first()
    )
    if not_before is None or isinstance(dramatiq.get_broker(), StubBroker):
        return
    deliver_mail.send_with_options(args=(mail_id,), delay=int((not_before - now).total_seconds() * 1000) + 1000)


def left_unsent(now):
    """Claimable mails nobody is sending: pending (queued by a process whose
    broker message was lost or never processed), or claimed by a worker
    whose lease ran out. Failed ones are left out: their retries are under way."""
    return claimable(now) & ~Q(status=OutgoingMail.Status.FAILED)


def enqueue_unsent(*, failed=True, limit=500):
    """Enqueue ``deliver_mail`` for the mails left unsent (with ``failed``,
    the failed ones too); returns how many. A mail enqueued twice is still
    sent once: ``deliver_mail`` claims its row first."""
    now = timezone.now()
    query = claimable(now) if failed else left_unsent(now)
    pks = list(OutgoingMail.objects.filter(query).order_by("pk").values_list("pk", flat=True)[:limit])
    for pk in pks:
        deliver_mail.send(pk)
    return len(pks)


# The sweeps the broker refused: told once a minute, with their number.
_sweep_refusals = Refusals()


@dramatiq.actor(queue_name="aquatiris_mail", max_retries=0)
def sweep_unsent_mail():
    """Re-enqueue mails left pending or failed (broker outage, exhausted retries),
    and those whose worker died holding them.

    While the broker refuses, the sweep stops at the first refusal (the rest
    would be refused too) and the mails stay as they are: the next tick
    sends them. A warning, not a traceback per tick."""
    try:
        enqueue_unsent()
    except BROKER_REFUSALS as error:
        count = _sweep_refusals.add()
        if count:
            logger.warning(
                "The broker refused %d mail sweep(s) since the last warning (the last: %s: %s); "
                "the mails stay unsent for the next tick",
                count,
                type(error).__name__,
                error,
            )
