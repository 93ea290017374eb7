"""Retention of the files that mails own.

Most attachments belong to a record (a request's photos, a SPANC's PDF) and
live as long as it does. Some files are written only to be attached to one
mail, such as a visit reminder's ``.ics`` invitation: they are stored under
``MAIL_OWNED_PREFIX`` and nothing else refers to them. Once the mail is sent
and AQUATIRIS_PORTAL_MAIL_ATTACHMENT_RETENTION_DAYS
have passed, this job deletes those files and drops them from the row, so the
private storage does not grow with every reminder ever sent.
"""

import datetime
import logging

from django.utils import timezone

from ..conf import app_settings
from ..storage import private_storage
from .models import OutgoingMail

logger = logging.getLogger(__name__)

__all__ = ["MAIL_OWNED_PREFIX", "purge_sent_attachments", "send_due"]

# Storage names under this prefix belong to the one mail that attaches them.
MAIL_OWNED_PREFIX = "mail/"


def _owned(attachment):
    return str(attachment.get("name", "")).startswith(MAIL_OWNED_PREFIX)


def purge_sent_attachments(days=None, now=None):
    """Delete the mail-owned files of mails sent more than ``days`` ago
    (default: the setting); returns how many files. A failed mail keeps its
    files: the sweep may still send it."""
    days = app_settings.MAIL_ATTACHMENT_RETENTION_DAYS if days is None else days
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    purged = 0
    for mail in OutgoingMail.objects.filter(status=OutgoingMail.Status.SENT, sent_at__lt=cutoff).exclude(attachments=[]).only("pk", "attachments").iterator():
        owned = [a for a in mail.attachments if _owned(a)]
        if not owned:
            continue
        # The row first: a file no row names is harmless, a row naming a
        # missing file would break a resend.
        OutgoingMail.objects.filter(pk=mail.pk).update(
            attachments=[a for a in mail.attachments if not _owned(a)])
        for attachment in owned:
            try:
                private_storage.delete(attachment["name"])
            except Exception:
                logger.warning("Could not delete the attachment %s of mail %s", attachment["name"], mail.pk,
                               exc_info=True)
            purged += 1
    return purged


class _Report(int):
    def __str__(self):
        return f"{int(self)} mail attachment file(s) past retention deleted"


def send_due(now=None, force=False):
    """The schedule's entry (digests/schedule.py NOTIFIERS): ``force`` does
    not shorten the retention."""
    return _Report(purge_sent_attachments(now=now))
