"""The owner's monthly tasks by mail: a client who opted
in (kind ``seasonal_tasks``, off by default) gets one mail a month listing
this month's seasonal tasks (``snippets.seasonal``); nothing when there are
none. Key ``seasonal:<user>:<YYYY-MM>``: once a month whatever the runs.
The schedule sends it from the 1st of the month, 8:00 local time; ``force``
(``--now``) ignores the hour, never the key nor the choice."""

import logging
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from ..accounts.models import PortalAccount
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
    accounts = PortalAccount.objects.select_related("user", "client").filter(
        user_id__in=users, user__is_active=True, client_id__isnull=False
    )
    month = f"{local:%Y-%m}"
    for account in accounts.order_by("pk").iterator():
        user = account.user
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
                "client": account.client,
                "tasks": tasks,
                "month": local.date(),
                "unsubscribe_url": unsubscribe,
                "preferences_url": public_base_url() + reverse("aquatiris_portal:notification_preferences"),
            },
        )
        report.mails += 1
    return report
