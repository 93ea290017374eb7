from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SecurityEvent(models.Model):
    """One security-relevant event (see ``record_security_event``)."""

    # An append-only log: Wagtail's reference index (which would read the row
    # back and write an index row at every event) has nothing to learn here.
    wagtail_reference_index_ignore = True

    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    kind = models.CharField(_("event"), max_length=60, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Kept when the user is deleted.
    username = models.CharField(_("username"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    path = models.CharField(_("path"), max_length=300, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security log")
        ordering = ["-created_at", "-pk"]
        # Nobody adds, changes or deletes events by hand (retention does).
        default_permissions = ("view",)

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.kind} {self.username}".strip()
