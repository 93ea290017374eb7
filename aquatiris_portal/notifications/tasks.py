import logging

import dramatiq
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

REDACTED = "[erased once sent: this mail carried a single-use secret]"


def _build_message(mail):
    from ..storage import private_storage

    message = EmailMultiAlternatives(
        subject=mail.subject,
        body=mail.body_text,
        from_email=mail.from_email or None,
        to=mail.to,
        cc=mail.cc,
        reply_to=mail.reply_to,
    )
    if mail.body_html:
        message.attach_alternative(mail.body_html, "text/html")
    for attachment in mail.attachments:
        with private_storage.open(attachment["name"], "rb") as handle:
            message.attach(attachment["filename"], handle.read(), attachment.get("content_type"))
    return message


@dramatiq.actor(queue_name="aquatiris_mail", max_retries=10, min_backoff=5_000, max_backoff=600_000)
def deliver_mail(mail_id):
    """Send one stored mail. A row lock and the status make it send once,
    even if the message is delivered to two workers or retried."""
    from .models import OutgoingMail

    with transaction.atomic():
        mail = OutgoingMail.objects.select_for_update().filter(pk=mail_id).first()
        if mail is None or mail.status == OutgoingMail.Status.SENT:
            return
        mail.attempts += 1
        try:
            _build_message(mail).send(fail_silently=False)
        except Exception as error:
            mail.last_error = f"{type(error).__name__}: {error}"
            mail.status = OutgoingMail.Status.FAILED
            mail.save(update_fields=["attempts", "last_error", "status"])
            logger.warning("Mail %s failed (attempt %s): %s", mail_id, mail.attempts, error)
            # The failure is committed below, then dramatiq retries with backoff.
            raise_after = error
        else:
            mail.status = OutgoingMail.Status.SENT
            mail.sent_at = timezone.now()
            mail.last_error = ""
            fields = ["attempts", "last_error", "status", "sent_at"]
            if mail.sensitive:
                mail.body_text = REDACTED
                mail.body_html = ""
                fields += ["body_text", "body_html"]
            mail.save(update_fields=fields)
            return
    raise raise_after


@dramatiq.actor(queue_name="aquatiris_mail", max_retries=0)
def sweep_unsent_mail():
    """Re-enqueue mails left pending or failed (broker outage, exhausted retries)."""
    from .models import OutgoingMail

    for pk in OutgoingMail.objects.exclude(status=OutgoingMail.Status.SENT).values_list("pk", flat=True)[:500]:
        deliver_mail.send(pk)
