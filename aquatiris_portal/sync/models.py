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
        REQUEST_MESSAGE_POSTED = "request_message_posted", _("Request message posted")
        REQUEST_STATUS_CHANGED = "request_status_changed", _("Request status changed")
        ACCOUNT_ACTIVATED = "account_activated", _("Account activated")
        HANDOVER_REQUESTED = "handover_requested", _("Sale of the house announced")
        PROOF_REQUESTED = "proof_requested", _("Proof of maintenance requested")
        PROOF_RECEIVED = "proof_received", _("Proof of maintenance received")

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
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["status", "ordering_key", "created_at"], name="aqp_outbox_pending")]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"


class ImportRun(models.Model):
    """One attempt at importing one export. A run killed in the middle stays
    ``running`` until the next run of the same export resumes it."""

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    sequence = models.PositiveBigIntegerField(_("export sequence"), db_index=True)
    source = models.CharField(_("source"), max_length=500)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.RUNNING)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    deleted_count = models.PositiveIntegerField(_("deleted"), default=0)
    quarantined_count = models.PositiveIntegerField(_("quarantined"), default=0)
    files_copied = models.PositiveIntegerField(_("files copied"), default=0)
    # Batches applied so far, committed with them: a resumed run skips them.
    steps_done = models.PositiveIntegerField(_("batches applied"), default=0)
    batch_size = models.PositiveIntegerField(_("batch size"), default=0)
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")
        ordering = ["-started_at", "-pk"]

    def __str__(self):
        return f"#{self.sequence} ({self.get_state_display()})"

    @property
    def duration(self):
        if self.finished_at is None:
            return None
        return self.finished_at - self.started_at

    @property
    def counts(self):
        return {
            "created": self.created_count,
            "updated": self.updated_count,
            "unchanged": self.unchanged_count,
            "deleted": self.deleted_count,
            "quarantined": self.quarantined_count,
        }


class ImportedExport(models.Model):
    """An export imported to the end: its sequence is never imported again."""

    sequence = models.PositiveBigIntegerField(_("export sequence"), unique=True)
    run = models.OneToOneField(ImportRun, verbose_name=_("run"), on_delete=models.PROTECT, related_name="imported")
    imported_at = models.DateTimeField(_("imported"), default=timezone.now)

    class Meta:
        verbose_name = _("imported export")
        verbose_name_plural = _("imported exports")
        ordering = ["-sequence"]

    def __str__(self):
        return f"#{self.sequence}"


class QuarantinedRecord(models.Model):
    """A line of an export set aside because it broke a rule; the rest of the
    export was imported. Resolved when the same record later comes back fixed."""

    run = models.ForeignKey(ImportRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="quarantined")
    line_number = models.PositiveIntegerField(_("line"))
    record_type = models.CharField(_("record type"), max_length=40, blank=True)
    record_id = models.CharField(_("record id"), max_length=200, blank=True, db_index=True)
    reason = models.TextField(_("reason"))
    raw_line = models.TextField(_("line as received"))
    created_at = models.DateTimeField(_("quarantined"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        ImportRun,
        verbose_name=_("resolved by run"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resolved",
    )

    class Meta:
        verbose_name = _("quarantined record")
        verbose_name_plural = _("quarantined records")
        ordering = ["-created_at", "line_number"]
        constraints = [
            # A resumed run never quarantines the same line twice.
            models.UniqueConstraint(fields=["run", "line_number"], name="aqp_quarantine_run_line"),
        ]

    def __str__(self):
        return f"{self.record_type} {self.record_id} (line {self.line_number})"


class SyncState(models.Model):
    """Small key/value rows of the schedule (last poll time); a row lock on
    it stops two schedulers from polling the same interval twice."""

    key = models.CharField(_("key"), max_length=60, unique=True)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)

    class Meta:
        verbose_name = _("sync state")
        verbose_name_plural = _("sync states")

    def __str__(self):
        return self.key
