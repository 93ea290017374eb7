"""Visit reminders: a client hears of a planned visit
VISIT_REMINDER_DAYS before it, with the date, the slot, the franchisee's
contact and an .ics invitation (``calendar.py``: a UID stable per visit);
a moved visit (date or slot) sends an update with the same UID and a higher
SEQUENCE, a cancelled one (deleted by an export after its reminder) a
METHOD:CANCEL; a visit done sends nothing.

Each mail goes through the queue with an idempotent key holding the planned
date and slot (``visit:<pk>:<date>:<slot>``, ``visit:<pk>:cancel``), asks the
client's choice first (kind ``visit_reminders``) and carries the unsubscribe
link and headers. The visit's row records what was sent (``reminded_for``,
``reminded_slot``, ``ics_sequence``) in the same transaction as the mail.

``send_due(now=None, force=False)`` is in ``aquatiris_portal.schedule.JOBS``: run by
``portal_notify`` and ``notify_tick``. The schedule mails between 8:00 and
20:00 local time only (not in the night); ``force`` (``--now``) ignores that
window, never the keys nor people's choices.
"""

import datetime
import logging
import uuid
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from .. import access
from ..accounts.greeting import greeting_name
from ..accounts.models import PortalAccount
from ..conf import app_settings, public_base_url
from ..notifications.mail import queue_mail
from ..notifications.preferences import unsubscribe_headers, wants
from ..records.visit_calendar import invitation
from ..storage import private_storage

logger = logging.getLogger(__name__)

KIND = "visit_reminders"
MAIL = "aquatiris_portal/mail/visit_reminder"
SENDING_HOURS = (8, 20)


@dataclass
class Report:
    reminders: int = 0
    updates: int = 0
    cancellations: int = 0
    skipped: dict = field(default_factory=dict)

    def __str__(self):
        return f"{self.reminders} visit reminder(s), {self.updates} update(s), {self.cancellations} cancellation(s)" + (
            f", skipped {self.skipped}" if self.skipped else ""
        )

    def skip(self, reason):
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


def _accounts(client_id):
    """Each person of the client (the owner and the household), each with
    their own preference and their own mail."""
    return list(
        PortalAccount.objects.select_related("user")
        .filter(
            user__portal_memberships__client_id=client_id,
            user__portal_memberships__removed_at__isnull=True,
            user__is_active=True,
        )
        .distinct()
        .order_by("pk")
    )


def due_visits(today):
    """Visits with something to send: the first reminder (planned within the
    next VISIT_REMINDER_DAYS days), an update (reminded of another date or
    slot, still ahead), a cancellation."""
    horizon = today + datetime.timedelta(days=app_settings.VISIT_REMINDER_DAYS)
    first = Q(reminded_for__isnull=True, planned_for__gte=today, planned_for__lte=horizon, cancelled_at__isnull=True)
    moved = Q(reminded_for__isnull=False, planned_for__gte=today, cancelled_at__isnull=True) & (
        ~Q(reminded_for=F("planned_for")) | ~Q(reminded_slot=F("slot"))
    )
    cancelled = Q(cancelled_at__isnull=False)
    # Told to the installation's client only (access), cancelled visits included.
    return (
        access.visits_told_to_clients()
        .filter(first | moved | cancelled, done_on__isnull=True)
        .select_related("installation__client", "installation__franchisee")
        .order_by("planned_for", "pk")
    )


def send_due(now=None, force=False):
    now = now or timezone.now()
    report = Report()
    local = timezone.localtime(now)
    if not force and not (SENDING_HOURS[0] <= local.hour < SENDING_HOURS[1]):
        report.skip("night")
        return report
    for visit in due_visits(local.date()).iterator():
        try:
            outcome = send_for_visit(visit, now)
        except Exception:  # one visit's failure never stops the others
            logger.exception("Reminder of visit %s failed", visit.pk)
            report.skip("error")
            continue
        if outcome:
            setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def _slot_label(visit):
    return visit.get_slot_display() if visit.slot else ""


def send_for_visit(visit, now):
    """Send what ``visit`` needs; the name of the Report counter, or None."""
    with transaction.atomic():
        # Lock the visit's row only: FOR UPDATE on the outer join to a missing
        # franchisee is refused by PostgreSQL (SQLite ignores FOR UPDATE).
        # Asked again under the lock: an export may have unshared it meanwhile.
        visit = (
            access.visits_told_to_clients()
            .select_for_update(of=("self",))
            .select_related("installation__client", "installation__franchisee")
            .filter(pk=visit.pk)
            .first()
        )
        if visit is None or visit.done_on is not None:
            return None
        installation = visit.installation
        if visit.cancelled_at is not None:
            outcome, method = "cancellations", "CANCEL"
        else:
            outcome, method = ("reminders" if visit.reminded_for is None else "updates"), "REQUEST"
        sequence = visit.ics_sequence + (1 if outcome != "reminders" else 0)
        # The planned date and slot in the key: a visit moved back and forth still sends each version once.
        key = (
            f"visit:{visit.pk}:cancel"
            if outcome == "cancellations"
            else f"visit:{visit.pk}:{sequence}:{visit.planned_for:%Y-%m-%d}:{visit.slot or 'day'}"
        )
        sent = False
        for account in _accounts(installation.client_id):
            user = account.user
            if not user.email or not wants(user, KIND):
                continue
            franchisee = installation.franchisee
            base_url = public_base_url()
            ics = invitation(visit, method=method, sequence=sequence, attendee=user.email, base_url=base_url, now=now)
            mail_key = f"{key}:{user.pk}"
            name = private_storage.save(f"mail/visits/{uuid.uuid4().hex}.ics", ContentFile(ics.encode("utf-8")))
            headers, unsubscribe = unsubscribe_headers(user, KIND)
            mail = queue_mail(
                key=mail_key,
                to=[user.email],
                template=MAIL,
                headers=headers,
                attachments=[
                    {
                        "name": name,
                        "filename": "visite-aquatiris.ics",
                        "content_type": f"text/calendar; method={method}; charset=utf-8",
                    }
                ],
                context={
                    "visit": visit,
                    "installation": installation,
                    "franchisee": franchisee,
                    "outcome": outcome,
                    "slot": _slot_label(visit),
                    "client": installation.client,
                    "greeting": greeting_name(user, installation.client),
                    "unsubscribe_url": unsubscribe,
                    "preferences_url": base_url + reverse("aquatiris_portal:notification_preferences"),
                },
            )
            if mail is not None and mail.attachments and mail.attachments[0]["name"] != name:
                private_storage.delete(name)  # the key was queued before: its own file stays
            sent = sent or mail is not None
        if outcome == "cancellations":
            visit.delete()
            return outcome if sent else None
        visit.reminded_for, visit.reminded_slot, visit.ics_sequence = visit.planned_for, visit.slot, sequence
        visit.save(update_fields=["reminded_for", "reminded_slot", "ics_sequence"])
    return outcome if sent else None
