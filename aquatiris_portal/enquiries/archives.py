"""Build a person's archive in the background and mail them its link.

``start`` records a PersonalArchive (at most one build at a time per
installation for a dossier, per person for « Mes données »: the database's
partial unique constraints, so a double click or two people of a household
get the build already under way) and queues ``build_personal_archive``
once committed. The job claims the row, writes the ZIP into a temporary
file on disk in chunks (archive_zip), stores it on the private storage,
and mails the link (notifications' queue, idempotent on the archive). The
link is valid ``ARCHIVE_LINK_DAYS`` days, for the person who asked only.
"""

import datetime
import logging
import tempfile

import dramatiq
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..conf import app_settings
from ..notifications.mail import queue_mail
from ..records.local_dates import date_text
from .archive_models import PersonalArchive
from .archive_zip import ArchiveWriter, TooLarge, bounded_storage
from .routing import archive_ready_recipients

logger = logging.getLogger(__name__)

Kind, Status = PersonalArchive.Kind, PersonalArchive.Status
STALE_AFTER = datetime.timedelta(hours=2)


def _writers():
    # Late: each kind's module reads the rooms it needs.
    from . import dossier, my_data

    return {Kind.DOSSIER: dossier.write_dossier, Kind.MY_DATA: my_data.write_my_data}


def latest(user, kind, installation=None):
    """The person's newest archive of ``kind`` (of ``installation``), or None."""
    queryset = PersonalArchive.objects.filter(requested_by=user, kind=kind)
    if installation is not None:
        queryset = queryset.filter(installation=installation)
    return queryset.order_by("-created_at", "-pk").first()


def _pending(kind, user, installation):
    queryset = PersonalArchive.objects.filter(kind=kind, status__in=PersonalArchive.PENDING)
    if kind == Kind.DOSSIER:
        return queryset.filter(installation=installation).first()
    return queryset.filter(requested_by=user).first()


def start(kind, user, *, client, installation=None, site_url=""):
    """(archive, created): a new build, or the one already under way."""
    pending = _pending(kind, user, installation)
    if pending is not None:
        return pending, False
    try:
        with transaction.atomic():
            archive = PersonalArchive.objects.create(
                kind=kind,
                requested_by=user,
                client=client,
                installation=installation,
                site_url=site_url[:300],
                language=translation.get_language() or "",
            )
    except IntegrityError:  # someone else's click won the race
        return _pending(kind, user, installation), False
    transaction.on_commit(lambda: _enqueue(archive.pk))
    return archive, True


def _enqueue(pk):
    try:
        build_personal_archive.send(pk)
    except Exception as error:  # broker down: say so rather than show « en préparation » forever
        logger.exception("Could not queue the personal archive %s", pk)
        PersonalArchive.objects.filter(pk=pk, status=Status.QUEUED).update(
            status=Status.FAILED, finished_at=timezone.now(), error=f"{type(error).__name__}: {error}"[:2000]
        )


def claim(pk):
    """Running, once per archive (a redelivered message finds it taken)."""
    now = timezone.now()
    claimable = Q(status=Status.QUEUED) | Q(status=Status.RUNNING, started_at__lt=now - STALE_AFTER)
    return bool(PersonalArchive.objects.filter(claimable, pk=pk).update(status=Status.RUNNING, started_at=now))


def download_path(archive):
    return reverse("aquatiris_portal:archive_download", args=[archive.token])


def build(pk):
    """The job: build archive ``pk`` once, mail its link. Returns the archive."""
    purge_expired()
    if not claim(pk):
        return PersonalArchive.objects.filter(pk=pk).first()
    archive = PersonalArchive.objects.select_related("requested_by", "client", "installation").get(pk=pk)
    stored = None
    try:
        with translation.override(archive.language or None), tempfile.TemporaryFile() as output:
            with ArchiveWriter(output, app_settings.ARCHIVE_MAX_BYTES) as writer:
                filename = _writers()[archive.kind](archive, writer)
            size = output.tell()
            output.seek(0)
            stored = bounded_storage(archive.file.storage).save(
                archive.file.field.generate_filename(archive, filename), File(output)
            )
        now = timezone.now()
        archive.file.name, archive.filename, archive.size = stored, filename, size
        archive.file_count = len(writer.names)
        archive.status, archive.finished_at = Status.DONE, now
        archive.expires_at = now + datetime.timedelta(days=app_settings.ARCHIVE_LINK_DAYS)
        archive.save(update_fields=["file", "filename", "size", "file_count", "status", "finished_at", "expires_at"])
        _mail_ready(archive)
    except TooLarge:
        limit = app_settings.ARCHIVE_MAX_BYTES
        logger.warning("Personal archive %s passes the limit of %s bytes; not built", pk, limit)
        PersonalArchive.objects.filter(pk=pk).update(
            status=Status.TOO_LARGE,
            finished_at=timezone.now(),
            file="",
            error=f"More than {limit} bytes (AQUATIRIS_PORTAL_ARCHIVE_MAX_BYTES)",
        )
        archive.refresh_from_db()
    except BaseException as error:
        if stored:
            archive.file.storage.delete(stored)
        logger.exception("Personal archive %s failed", pk)
        PersonalArchive.objects.filter(pk=pk).update(
            status=Status.FAILED, finished_at=timezone.now(), file="", error=f"{type(error).__name__}: {error}"[:2000]
        )
        if not isinstance(error, Exception):  # a time limit, a shutdown: dramatiq must see it
            raise
        archive.refresh_from_db()
    return archive


def _base_url(archive):
    # The site's public address when set, else the one the person asked from.
    return str(app_settings.PUBLIC_BASE_URL or archive.site_url or "").rstrip("/")


def _mail_ready(archive):
    with translation.override(archive.language or None):
        queue_mail(
            key=f"archive-ready:{archive.pk}",
            to=archive_ready_recipients(archive),
            template="aquatiris_portal/mail/archive_ready",
            context={
                "archive": archive,
                "is_dossier": archive.kind == Kind.DOSSIER,
                "installation": archive.installation,
                "link": _base_url(archive) + download_path(archive),
                "valid_until": date_text(archive.expires_at),
            },
        )


def purge_expired(now=None):
    """Delete archives whose link expired (files go with them), and builds
    that never finished; the number deleted."""
    now = now or timezone.now()
    deleted, _by_model = (
        PersonalArchive.objects.filter(
            Q(expires_at__lt=now)
            | Q(expires_at__isnull=True, created_at__lt=now - datetime.timedelta(days=app_settings.ARCHIVE_LINK_DAYS))
        )
        .exclude(status__in=PersonalArchive.PENDING)
        .delete()
    )
    return deleted


def status_text(archive):
    """What the page says of ``archive``: being prepared, ready until …, too large, failed."""
    if archive is None:
        return ""
    if archive.is_pending:
        return _("Being prepared: you will receive an email with the link.")
    if archive.is_ready:
        return _("Ready, valid until %(date)s.") % {"date": date_text(archive.expires_at)}
    if archive.status == Status.TOO_LARGE:
        return _("Too large to be prepared as one file (more than %(size)s). Please contact your franchisee.") % {
            "size": filesizeformat(app_settings.ARCHIVE_MAX_BYTES)
        }
    if archive.status == Status.FAILED:
        return _("It could not be prepared. Please try again later.")
    return _("The link has expired: ask again.")


# One attempt per message: a failed build is marked failed (the person asks
# again); a redelivered message finds it running or done (``claim``).
@dramatiq.actor(queue_name="aquatiris_exports", max_retries=0, time_limit=3600 * 1000)
def build_personal_archive(archive_id):
    build(archive_id)
