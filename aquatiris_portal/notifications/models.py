from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutgoingMail(models.Model):
    """One email, written in the transaction of the change that causes it.

    ``key`` makes sending idempotent: the same logical mail queued twice
    (a double submit, a retried job) is stored and sent once.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    key = models.CharField(_("key"), max_length=200, unique=True)
    to = models.JSONField(_("to"), default=list)
    cc = models.JSONField(_("cc"), default=list, blank=True)
    reply_to = models.JSONField(_("reply to"), default=list, blank=True)
    from_email = models.CharField(_("from"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=255)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    # [{"name": storage name, "filename": ..., "content_type": ...}] on the private storage
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    # Mails carrying a secret (single-use link, one-time code) keep no copy of
    # their body once sent: only hashes of those secrets stay in the database.
    sensitive = models.BooleanField(_("sensitive"), default=False)
    # Extra headers, e.g. List-Unsubscribe (RFC 8058) on notification mails.
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # Not sent before this moment (None: at once). A mail waiting for it can
    # still be rewritten (``mail.update_pending_mail``): a thread's replies
    # in quick succession go as one mail.
    not_before = models.DateTimeField(_("not before"), null=True, blank=True)
    # While "sending": until when the claiming worker owns the mail.
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.subject} → {', '.join(self.to)}"
