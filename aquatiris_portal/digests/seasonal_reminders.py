"""The owner's monthly tasks by mail: a client who opted
in (kind ``seasonal_tasks``, off by default) gets one mail a month listing
this month's seasonal tasks (``snippets.seasonal``); nothing when there are
none. Key ``seasonal:<user>:<YYYY-MM>``: once a month whatever the runs,
and whatever the number of clients the person is a member of (a landlord):
the month's tasks are the same for every installation, so one mail.
The schedule sends it from the 1st of the month, 8:00 local time; ``force``
(``--now``) ignores the hour, never the key nor the choice."""

import logging
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from ..accounts.greeting import greeting_name
from ..accounts.models import Membership
from ..conf import public_base_url
from ..notifications.mail import queue_mail
from ..notifications.models import OutgoingMail
from ..notifications.preferences import NotificationPreference, unsubscribe_headers
from ..snippets.seasonal import SeasonalTask

logger = logging.getLogger(__name__)

KIND = "seasonal_tasks"
MAIL = "aquatiris_portal/mail/seasonal_tasks"


@dataclass
class Report:
    mails: int = 0

    def __str__(self):
        return f"{self.mails} seasonal task mail(s)"


def send_due(now=None, force=False):
    now = now or timezone.now()
    local = timezone.localtime(now)
    report = Report()
    if not force and local.hour < 8:
        return report
    tasks = list(SeasonalTask.objects.for_month(local.month))
    if not tasks:
        return report
    # Opt-in: only the people who turned it on (the kind's default is off).
    users = NotificationPreference.objects.filter(kind=KIND, enabled=True).values("user_id")
    # Every person with an active client membership, each once: their oldest
    # client (the one the mail greets), as the memberships come ordered per person.
    memberships = (
        Membership.objects.filter(
            person_id__in=users, person__is_active=True, removed_at__isnull=True, client__isnull=False
        )
        .select_related("person", "client")
        .order_by("person_id", "pk")
    )
    month = f"{local:%Y-%m}"
    previous = None
    for membership in memberships.iterator():
        user = membership.person
        if user.pk == previous:
            continue
        previous = user.pk
        key = f"seasonal:{user.pk}:{month}"
        if not user.email or OutgoingMail.objects.filter(key=key).exists():
            continue
        headers, unsubscribe = unsubscribe_headers(user, KIND)
        queue_mail(
            key=key,
            to=[user.email],
            template=MAIL,
            headers=headers,
            context={
                "client": membership.client,
                "greeting": greeting_name(user, membership.client),
                "tasks": tasks,
                "month": local.date(),
                "unsubscribe_url": unsubscribe,
                "preferences_url": public_base_url() + reverse("aquatiris_portal:notification_preferences"),
            },
        )
        report.mails += 1
    return report
