"""Retention of what sent mails keep: the files they own, their text.

Most attachments belong to a record (a request's photos, a SPANC's PDF) and
live as long as it does. Some files are written only to be attached to one
mail, such as a visit reminder's ``.ics`` invitation: they are stored under
``MAIL_OWNED_PREFIX`` and nothing else refers to them. Once the mail is sent
and AQUATIRIS_PORTAL_MAIL_ATTACHMENT_RETENTION_DAYS
have passed, this job deletes those files and drops them from the row, so the
private storage does not grow with every reminder ever sent.

The text of every sent mail is erased MAIL_BODY_RETENTION_DAYS after sending
(``blank_old_bodies``); mails marked ``sensitive`` (a link or a code in
them) lose it as soon as they are sent (tasks.mark_sent).
"""

import datetime
import logging

from django.utils import timezone

from ..conf import app_settings
from ..storage import private_storage
from .models import OutgoingMail

logger = logging.getLogger(__name__)

__all__ = ["MAIL_OWNED_PREFIX", "blank_old_bodies", "purge_sent_attachments", "send_due"]

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
    for mail in (
        OutgoingMail.objects.filter(status=OutgoingMail.Status.SENT, sent_at__lt=cutoff)
        .exclude(attachments=[])
        .only("pk", "attachments")
        .iterator()
    ):
        owned = [a for a in mail.attachments if _owned(a)]
        if not owned:
            continue
        # The row first: a file no row names is harmless, a row naming a
        # missing file would break a resend.
        OutgoingMail.objects.filter(pk=mail.pk).update(attachments=[a for a in mail.attachments if not _owned(a)])
        for attachment in owned:
            try:
                private_storage.delete(attachment["name"])
            except Exception:
                logger.warning(
                    "Could not delete the attachment %s of mail %s", attachment["name"], mail.pk, exc_info=True
                )
            purged += 1
    return purged


# What a sent mail's text becomes after MAIL_BODY_RETENTION_DAYS.
BODY_ERASED = "[erased after the retention period]"
# Rows changed per statement, and statements per run: a first run on a large
# table ends in bounded time; the next run (15 minutes on) goes on.
BATCH = 500
MAX_BATCHES = 40


def blank_old_bodies(days=None, now=None):
    """Replace the text and HTML of mails sent more than ``days`` ago
    (default: MAIL_BODY_RETENTION_DAYS; None or 0: never) by a short
    placeholder; returns how many. Recipients, subject and dates stay (what
    was sent to whom and when); the text, which carries the personal data
    (a client's recap, a message) and sometimes a link, does not. An unsent
    mail keeps its text: the sweep may still send it."""
    days = app_settings.MAIL_BODY_RETENTION_DAYS if days is None else days
    if not days:
        return 0
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    old = OutgoingMail.objects.filter(status=OutgoingMail.Status.SENT, sent_at__lt=cutoff).exclude(
        body_text=BODY_ERASED, body_html=""
    )
    blanked = 0
    for _batch in range(MAX_BATCHES):
        pks = list(old.values_list("pk", flat=True)[:BATCH])
        if not pks:
            break
        blanked += OutgoingMail.objects.filter(pk__in=pks).update(body_text=BODY_ERASED, body_html="")
    return blanked


class _Report(int):
    """The number of files deleted, with ``bodies``: the texts erased."""

    def __new__(cls, files, bodies):
        report = super().__new__(cls, files)
        report.bodies = bodies
        return report

    def __str__(self):
        return (
            f"{int(self)} mail attachment file(s) past retention deleted, "
            f"{self.bodies} sent mail text(s) past retention erased"
        )


def send_due(now=None, force=False):
    """The schedule's entry (aquatiris_portal/schedule.py JOBS): ``force`` does
    not shorten the retention."""
    return _Report(purge_sent_attachments(now=now), blank_old_bodies(now=now))
