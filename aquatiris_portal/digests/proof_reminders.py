"""Reminders of the proofs a SPANC asked for: a week before the due date
and on it, once each (the request's ``reminded_before_at`` /
``reminded_due_at``, written with the mail under the row's lock; each mail
has its idempotent key), through the owner's choice (``proof_requests``).

``send_due(now=None, force=False)`` is in ``aquatiris_portal.schedule.JOBS``.
Mails go between 8:00 and 20:00 local time; ``force`` ignores that window.
"""

import logging
from dataclasses import dataclass, field

from django.utils import timezone

from ..enquiries import proofs
from ..pages.proof_views import _answer_url_of

logger = logging.getLogger(__name__)

SENDING_HOURS = (8, 20)


@dataclass
class Report:
    before: int = 0
    due: int = 0
    skipped: dict = field(default_factory=dict)

    def __str__(self):
        return f"{self.before} proof reminder(s) a week before, {self.due} on the due date" + (
            f", skipped {self.skipped}" if self.skipped else ""
        )

    def skip(self, reason):
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


def send_due(now=None, force=False):
    now = now or timezone.now()
    report = Report()
    local = timezone.localtime(now)
    if not force and not (SENDING_HOURS[0] <= local.hour < SENDING_HOURS[1]):
        report.skip("night")
        return report
    url_of = _answer_url_of()
    for proof in proofs.due_for_reminder(local.date()).iterator():
        try:
            which = proofs.remind(proof, local.date(), url_of(proof))
        except Exception:  # one request's failure never stops the others
            logger.exception("Reminder of proof request %s failed", proof.pk)
            report.skip("error")
            continue
        if which:
            setattr(report, which, getattr(report, which) + 1)
    return report
