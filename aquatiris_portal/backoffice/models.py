from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..records.local_dates import date_time_text


class StaffVisit(models.Model):
    """When a staff member last opened the admin dashboard, to show what
    arrived since. ``last_login`` is not used: Django overwrites it at login,
    before the dashboard can read it, and staff sessions outlive a day."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    previous_seen_at = models.DateTimeField(_("previous visit"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last visit"), default=timezone.now)

    class Meta:
        verbose_name = _("staff visit")
        verbose_name_plural = _("staff visits")

    def __str__(self):
        return f"{self.user} — {date_time_text(self.last_seen_at)}"
