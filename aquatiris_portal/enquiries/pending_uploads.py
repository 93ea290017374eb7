"""Files received with a form that came back with an error.

Browsers never send files back: without this, a client who sent a good
photo beside a bad file, or forgot a field, had to pick every file again.
A file that passed the checks (``uploads.checked_file``: its clean copy)
is kept here, for its owner only, behind a random token the form carries
in a hidden field; the next post of the form takes it back. Nothing
becomes a request's attachment until the whole form is valid, and then
the rows are deleted (``forget``), so a file is attached once.

A token is looked up with its owner: another person's token is ignored.
Rows expire after AQUATIRIS_PORTAL_PENDING_UPLOAD_HOURS (default 24) and
are deleted with their files by the schedule (aquatiris_portal/schedule.py
JOBS, ``send_due``).
"""

import datetime
import logging
import secrets
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..storage import get_private_storage

logger = logging.getLogger(__name__)

FIELD = "kept_files"  # the hidden field: one token per kept file
DROP_FIELD = "drop_kept_files"  # a ticked "remove" box: one token per file to forget
BATCH = 200  # rows purged per run (bounded; the next run goes on)


def pending_hours():
    # Read on access, like conf.py's settings.
    return getattr(settings, "AQUATIRIS_PORTAL_PENDING_UPLOAD_HOURS", 24)


def pending_upload_to(instance, filename):
    return f"pending/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}/{filename}"


class PendingUpload(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="+"
    )
    token = models.CharField(_("token"), max_length=64, unique=True)
    file = models.FileField(_("file"), storage=get_private_storage, upload_to=pending_upload_to, max_length=500)
    filename = models.CharField(_("file name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=10)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        app_label = "aquatiris_portal"
        verbose_name = _("file kept for a form")
        verbose_name_plural = _("files kept for forms")

    def __str__(self):
        return self.filename


def _fresh(owner, now=None):
    since = (now or timezone.now()) - datetime.timedelta(hours=pending_hours())
    return PendingUpload.objects.filter(owner=owner, created_at__gte=since)


def keep(owner, checked):
    """Store the checked files ``[(file, kind, content type)]`` for ``owner``; the new rows."""
    rows = []
    for uploaded, kind, content_type in checked:
        uploaded.seek(0)
        data = uploaded.read()
        row = PendingUpload(
            owner=owner,
            token=secrets.token_urlsafe(32),
            filename=uploaded.name[:255],
            kind=kind,
            content_type=content_type,
            size=len(data),
        )
        row.file.save(row.filename, ContentFile(data), save=False)
        row.save()
        rows.append(row)
    return rows


def kept(owner, tokens):
    """The owner's fresh rows among ``tokens``, in their order; others' tokens are ignored."""
    if owner is None or not getattr(owner, "is_authenticated", False) or not tokens:
        return []
    by_token = {row.token: row for row in _fresh(owner).filter(token__in=list(tokens)[:50])}
    return [by_token[token] for token in dict.fromkeys(tokens) if token in by_token]


def as_checked(rows):
    """The rows as ``uploads.validate_uploads`` gives files: [(file, kind, content type)]."""
    checked = []
    for row in rows:
        with row.file.open("rb") as handle:
            checked.append((ContentFile(handle.read(), name=row.filename), row.kind, row.content_type))
    return checked


def forget(rows):
    """Delete the rows and their files (attached, removed by the person, or expired)."""
    for row in rows:
        try:
            row.file.delete(save=False)
        except OSError:
            logger.warning("Could not delete the kept file %s", row.file.name)
        row.delete()


def purge(now=None):
    """Delete the rows older than the expiry, with their files; how many."""
    since = (now or timezone.now()) - datetime.timedelta(hours=pending_hours())
    old = list(PendingUpload.objects.filter(created_at__lt=since).order_by("pk")[:BATCH])
    forget(old)
    return len(old)


class _Report(int):
    def __str__(self):
        return f"{int(self)} expired kept file(s) deleted"


def send_due(now=None, force=False):
    """The schedule's entry; ``force`` does not shorten the expiry."""
    return _Report(purge(now=now))
