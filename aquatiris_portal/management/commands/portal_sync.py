"""Import exports of the internal system once (for cron and for people).

    python manage.py portal_sync /path/to/exports
    python manage.py portal_sync s3://bucket/prefix/
    python manage.py portal_sync --retention        # remove files of documents deleted long ago

Each run also sends again the outbox events a lost message left behind, like
``sync_tick`` (the jobs and their ticks: ``aquatiris_portal/schedule.py``).
Prints the counts of each export imported; exits with status 1 if an
export failed (the next run resumes it), 0 otherwise. In the development
mode (a StubBroker, devworker.py) the mails of the import are sent before
it exits.
"""

from django.core.management.base import BaseCommand, CommandError

from aquatiris_portal.conf import app_settings
from aquatiris_portal.devworker import jobs_done_on_exit
from aquatiris_portal.schedule import job_named
from aquatiris_portal.sync.importer import import_source
from aquatiris_portal.sync.retention import purge_deleted_files
from aquatiris_portal.sync.sources import ExportError


class Command(BaseCommand):
    help = "Import the exports of the internal system found in SOURCE (a folder or s3://bucket/prefix/)."

    def add_arguments(self, parser):
        parser.add_argument(
            "source", nargs="?", help="folder or s3://bucket/prefix/ (default: AQUATIRIS_PORTAL_SYNC_SOURCE)"
        )
        parser.add_argument("--batch-size", type=int, default=None, help="records per transaction (default 1000)")
        parser.add_argument(
            "--retention",
            action="store_true",
            help="also remove the files of documents deleted more than AQUATIRIS_PORTAL_DOCUMENT_RETENTION_DAYS ago",
        )

    def execute(self, *args, **options):
        with jobs_done_on_exit():  # development mode only; on Redis the workers run them
            return super().execute(*args, **options)

    def handle(self, *args, source=None, batch_size=None, retention=False, **options):
        source = source or app_settings.SYNC_SOURCE
        if not source and not retention:
            raise CommandError("Give a SOURCE or set AQUATIRIS_PORTAL_SYNC_SOURCE.")
        failed = False
        if source:
            try:
                result = import_source(source, batch_size=batch_size)
            except ExportError as error:
                self.stderr.write(self.style.ERROR(str(error)))
                raise SystemExit(1) from None
            if result.busy:
                self.stdout.write("Another import is running; nothing done.")
            elif not result.runs:
                self.stdout.write(f"No new export in {source}.")
            for run in result.runs:
                counts = ", ".join(f"{name} {value}" for name, value in run.counts.items())
                line = (
                    f"Export #{run.sequence}: {run.get_state_display().lower()}; {counts}; "
                    f"files copied {run.files_copied}; {run.duration.total_seconds():.1f} s"
                )
                if run.state == run.State.SUCCEEDED:
                    self.stdout.write(self.style.SUCCESS(line))
                else:
                    failed = True
                    self.stderr.write(self.style.ERROR(f"{line}\n{run.error}"))
        if retention:
            purged = purge_deleted_files()
            self.stdout.write(f"Retention: {purged} file(s) of deleted documents removed.")
        job_named("outbox_sweep").run()  # what sync_tick does, for cron users
        if failed:
            raise SystemExit(1)
