"""Send the notifications that are due, once (for cron and for people).

    python manage.py portal_notify          # what is due now (digests, reminders)
    python manage.py portal_notify --now    # every pending notification, whatever its window

The same jobs run every 15 minutes under the periodiq scheduler
(``notify_tick``), and this command also sends the mails left unsent, like
``mail_tick`` (the jobs and their ticks: ``aquatiris_portal/schedule.py``).
Running both, or twice, sends each mail once (idempotent keys) and at most
one digest a day per person.
In the development mode (a StubBroker, devworker.py) the mails are sent
before it exits.
"""

from django.core.management.base import BaseCommand

from aquatiris_portal.devworker import jobs_done_on_exit
from aquatiris_portal.schedule import job_named, run_due


class Command(BaseCommand):
    help = "Send the notification mails that are due (digests, reminders); --now ignores their windows."

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            action="store_true",
            help="send every pending notification now, whatever its window (still once each)",
        )

    def execute(self, *args, **options):
        with jobs_done_on_exit():  # development mode only; on Redis the workers run them
            return super().execute(*args, **options)

    def handle(self, *args, now=False, **options):
        for dotted, report in run_due(force=now):
            self.stdout.write(f"{dotted.rsplit('.', 2)[-2]}: {report}")
        job_named("mail_sweep").run()  # what mail_tick does, for cron users
