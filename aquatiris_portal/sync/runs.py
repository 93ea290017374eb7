"""Import runs: one row per attempt at importing an export, resumed after a crash.

A run counts its batches (``steps_done``) in the transaction of each batch,
so a run killed in the middle is resumed by the next one after its last
committed batch, with the same batch size, and ends with the same rows and
counts as a clean run. An export is marked imported (``ImportedExport``,
unique sequence) in the transaction that ends its run.
"""

import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ..conf import app_settings
from .models import ImportedExport, ImportRun
from .sources import ExportError

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 5000
COUNTERS = {
    "created": "created_count",
    "updated": "updated_count",
    "unchanged": "unchanged_count",
    "deleted": "deleted_count",
    "quarantined": "quarantined_count",
    "files": "files_copied",
}


@dataclass
class SyncResult:
    busy: bool = False
    runs: list = field(default_factory=list)

    @property
    def failed(self):
        return [run for run in self.runs if run.state == run.State.FAILED]


def imported_sequences(sequences):
    return set(ImportedExport.objects.filter(sequence__in=sequences).values_list("sequence", flat=True))


def start_or_resume(export, batch_size=None):
    """The run of ``export``: the unfinished one (resumed with its own batch
    size, whatever is asked now) or a new one."""
    run = (
        ImportRun.objects.filter(sequence=export.sequence)
        .exclude(state=ImportRun.State.SUCCEEDED)
        .order_by("-pk")
        .first()
    )
    if run is None:
        return ImportRun.objects.create(
            sequence=export.sequence,
            source=export.location[:500],
            batch_size=batch_size or app_settings.SYNC_BATCH_SIZE or DEFAULT_BATCH_SIZE,
        )
    logger.info("Resuming import run %s of export #%s after %s batches", run.pk, run.sequence, run.steps_done)
    ImportRun.objects.filter(pk=run.pk).update(state=ImportRun.State.RUNNING, error="", finished_at=None)
    run.refresh_from_db()
    return run


def add_batch(run, counts):
    """Count one applied batch (call inside the batch's transaction)."""
    ImportRun.objects.filter(pk=run.pk).update(
        steps_done=F("steps_done") + 1,
        **{column: F(column) + counts[name] for name, column in COUNTERS.items()},
    )


def batch_committed(run, step):
    """Hook called after each committed batch ``step`` (1-based) of ``run``.
    Logs the progress; tests patch it to stop an import between two batches."""
    logger.debug("Import run %s of export #%s: batch %s committed", run.pk, run.sequence, step)


def succeed(run):
    with transaction.atomic():
        ImportedExport.objects.create(sequence=run.sequence, run=run)
        ImportRun.objects.filter(pk=run.pk).update(state=ImportRun.State.SUCCEEDED, finished_at=timezone.now())


def fail(run, error):
    """The run failed (the next run resumes it)."""
    message = str(error) if isinstance(error, ExportError) else f"{type(error).__name__}: {error}"
    ImportRun.objects.filter(pk=run.pk).update(
        state=ImportRun.State.FAILED, error=message[:5000], finished_at=timezone.now()
    )
