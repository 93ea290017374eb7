"""Retention of the files of deleted documents.

A deleted document disappears from the portal at once (``deleted_at``);
its file stays on the private storage until this job removes it,
AQUATIRIS_PORTAL_DOCUMENT_RETENTION_DAYS later. The row stays, without file.
"""

import datetime
import logging

from django.utils import timezone

from ..conf import app_settings
from ..records.models import PortalDocument
from ..storage import private_storage

logger = logging.getLogger(__name__)


def purge_deleted_files(days=None):
    """Remove the files of documents deleted more than ``days`` ago
    (default: the setting); returns how many were removed."""
    days = app_settings.DOCUMENT_RETENTION_DAYS if days is None else days
    cutoff = timezone.now() - datetime.timedelta(days=days)
    purged = 0
    for pk, name in (PortalDocument.objects.filter(deleted_at__lt=cutoff).exclude(file="")
                     .values_list("pk", "file").iterator()):
        # The row first: if deleting the file fails, a file without a row is harmless.
        PortalDocument.objects.filter(pk=pk).update(file="")
        try:
            private_storage.delete(name)
        except Exception:
            logger.warning("Could not delete the file %s of deleted document %s", name, pk, exc_info=True)
        purged += 1
    return purged


def delete_files(names):
    """Remove files no row refers to any more (replaced or of a deleted
    installation); run after the commit that dropped them."""
    for name in names:
        try:
            private_storage.delete(name)
        except Exception:
            logger.warning("Could not delete replaced file %s", name, exc_info=True)
