from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxEvent(models.Model):
    """Something the internal system must learn, written in the same
    transaction as the change, delivered later by ``deliver_outbox_event``."""

    class Kind(models.TextChoices):
        SERIAL_NUMBER_REGISTERED = "serial_number_registered", _("Serial number registered")
        DOCUMENT_UPLOADED = "document_uploaded", _("Document uploaded")
        REQUEST_SUBMITTED = "request_submitted", _("Request submitted")
        ACCOUNT_ACTIVATED = "account_activated", _("Account activated")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    payload = models.JSONField(_("payload"))
    # Events of one installation are delivered in order.
    ordering_key = models.CharField(_("ordering key"), max_length=80, blank=True, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["status", "ordering_key", "created_at"], name="aqp_outbox_pending")]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"
