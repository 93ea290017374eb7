"""A SPANC's request for a proof of maintenance, and the owner's answer.

Stored status is "requested" or "received"; "overdue" is read from the due
date (``display_status``, ``proofs.with_proof_status``) so it never needs a
job to flip it.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ProofStatus(models.TextChoices):
    REQUESTED = "requested", _("requested")
    RECEIVED = "received", _("received")


# What the SPANC's list shows and filters on: the stored statuses and the computed one.
OVERDUE = "overdue"
DISPLAY_LABELS = {"requested": _("requested"), "received": _("received"), OVERDUE: _("overdue")}


class ProofRequest(models.Model):
    installation = models.ForeignKey(
        "aquatiris_portal.Installation",
        verbose_name=_("installation"),
        on_delete=models.CASCADE,
        related_name="proof_requests",
    )
    spanc = models.ForeignKey(
        "aquatiris_portal.Spanc", verbose_name=_("SPANC"), on_delete=models.CASCADE, related_name="proof_requests"
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.ForeignKey(
        "aquatiris_portal.ProofKind", verbose_name=_("proof"), on_delete=models.PROTECT, related_name="requests"
    )
    due_on = models.DateField(_("due on"))
    note = models.TextField(_("note"), blank=True, max_length=1000)
    status = models.CharField(_("status"), max_length=12, choices=ProofStatus.choices, default=ProofStatus.REQUESTED)
    asked_at = models.DateTimeField(_("asked"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answer_document = models.ForeignKey(
        "aquatiris_portal.PortalDocument",
        verbose_name=_("answer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The owner said "my installer does my maintenance": the franchisee was asked for the proof.
    franchisee_maintains = models.BooleanField(_("maintained by the franchisee"), default=False)
    reminded_before_at = models.DateTimeField(_("reminded before the due date"), null=True, blank=True)
    reminded_due_at = models.DateTimeField(_("reminded on the due date"), null=True, blank=True)

    class Meta:
        app_label = "aquatiris_portal"
        verbose_name = _("proof request")
        verbose_name_plural = _("proof requests")
        ordering = ["-asked_at", "-pk"]
        indexes = [
            models.Index(fields=["installation", "-asked_at"], name="aqp_proof_inst_asked"),
            models.Index(fields=["status", "due_on"], name="aqp_proof_status_due"),
            models.Index(fields=["spanc", "answered_at"], name="aqp_proof_spanc_answered"),
        ]
        constraints = [
            # One open request per folder and kind: a bulk request asked twice asks once.
            models.UniqueConstraint(
                fields=["installation", "kind"], condition=models.Q(status="requested"), name="aqp_proof_one_open"
            ),
        ]

    def __str__(self):
        return f"{self.kind} – {self.installation_id}"

    def display_status(self, today=None):
        if self.status == ProofStatus.RECEIVED:
            return ProofStatus.RECEIVED.value
        today = today or timezone.localdate()
        return OVERDUE if self.due_on < today else ProofStatus.REQUESTED.value

    @property
    def display_label(self):
        return DISPLAY_LABELS[self.display_status()]
