"""The package's development mode: with
AQUATIRIS_PORTAL_RUN_JOBS_IN_PROCESS and DEBUG, a worker runs in runserver's
process on the StubBroker and the mails go out; never without DEBUG."""

from datetime import datetime, timedelta

import pytest
from django.core import mail as django_mail
from django.db import transaction
from django.utils import timezone

from aquatiris_portal import devworker
from aquatiris_portal.models import OutgoingMail
from aquatiris_portal.notifications import tasks
from aquatiris_portal.notifications.mail import queue_mail

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    "argv, run_main, serves",
    [
        (["manage.py", "runserver"], "true", True),  # the autoreloader's child
        (["manage.py", "runserver"], None, False),  # the autoreloader's parent: serves nothing
        (["manage.py", "runserver", "--noreload", "127.0.0.1:8000"], None, True),
        (["manage.py", "rundramatiq"], None, False),
        (["manage.py", "migrate"], "true", False),
        (["gunicorn", "example_site.wsgi"], None, False),
    ],
)
def test_only_the_serving_runserver_process_starts_a_worker(argv, run_main, serves):
    environ = {"RUN_MAIN": run_main} if run_main else {}
    assert devworker.serving_with_runserver(argv, environ) is serves


def test_refused_without_debug_or_without_the_setting(settings):
    settings.DEBUG = True
    settings.AQUATIRIS_PORTAL_RUN_JOBS_IN_PROCESS = True
    assert devworker.enabled()
    settings.DEBUG = False
    assert not devworker.enabled()
    settings.DEBUG = True
    settings.AQUATIRIS_PORTAL_RUN_JOBS_IN_PROCESS = False
    assert not devworker.enabled()


def test_one_thread_on_sqlite(settings):
    assert settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
    assert devworker.worker_threads() == 1


def test_a_mail_queued_under_runserver_is_sent_by_the_in_process_worker(settings, stub_broker, monkeypatch):
    settings.DEBUG = True
    settings.AQUATIRIS_PORTAL_RUN_JOBS_IN_PROCESS = True
    monkeypatch.setattr("sys.argv", ["manage.py", "runserver", "--noreload"])
    worker = devworker.maybe_start()
    try:
        assert worker is not None and devworker.running()
        assert devworker.start() is worker  # started once
        with transaction.atomic():
            queued = queue_mail(
                key="dev-1",
                to=["anne@example.org"],
                template="aquatiris_portal/mail/otp_code",
                context={"code": "654321", "minutes": 10, "email": "anne@example.org"},
            )
        stub_broker.join("aquatiris_mail", timeout=60_000)  # a failed send would be retried: never wait forever
        worker.join()
        assert [m.to for m in django_mail.outbox] == [["anne@example.org"]]
        assert OutgoingMail.objects.get(pk=queued.pk).status == OutgoingMail.Status.SENT
    finally:
        devworker.stop()
    assert not devworker.running()


def test_nothing_starts_outside_runserver(settings, monkeypatch):
    settings.DEBUG = True
    settings.AQUATIRIS_PORTAL_RUN_JOBS_IN_PROCESS = True
    monkeypatch.setattr("sys.argv", ["manage.py", "shell"])
    assert devworker.maybe_start() is None
    assert not devworker.running()


# -- mails of other processes (the demo's sweep, commands that run their own jobs)

TEMPLATE = "aquatiris_portal/mail/otp_code"
MAIL_QUEUE = "aquatiris_mail"


def _queue(key):
    """A mail queued as any process does: stored, then its message on this process's broker."""
    with transaction.atomic():
        return queue_mail(
            key=key,
            to=[f"{key}@example.org"],
            template=TEMPLATE,
            context={"code": "123456", "minutes": 10, "email": f"{key}@example.org"},
        )


def _messages(broker, queue_name):
    from dramatiq import Message

    return [Message.decode(data) for data in list(broker.queues[queue_name].queue)]


@pytest.fixture
def dev_mode(settings):
    settings.DEBUG = True
    settings.AQUATIRIS_PORTAL_RUN_JOBS_IN_PROCESS = True
    return settings


def test_a_command_and_runserver_sweeping_together_send_a_mail_once(stub_broker, dev_mode):
    queued = _queue("both")  # by a command: its deliver_mail message is on its own broker
    # Runserver's sweep, in another process, finds the row pending and enqueues it too.
    assert tasks.enqueue_unsent(failed=False) == 1
    assert [m.args for m in _messages(stub_broker, MAIL_QUEUE)] == [(queued.pk,), (queued.pk,)]
    assert devworker.run_own_jobs() == 2  # the command drains both messages
    assert [m.to for m in django_mail.outbox] == [["both@example.org"]]
    assert OutgoingMail.objects.get(pk=queued.pk).status == OutgoingMail.Status.SENT
    assert tasks.enqueue_unsent(failed=False) == 0  # the next sweep has nothing to do


def test_the_sweep_leaves_a_mail_another_process_is_sending(stub_broker):
    queued = _queue("held")
    stub_broker.flush_all()
    assert tasks.claim_outgoing_mail(queued.pk) is not None  # another process holds it, its lease running
    assert tasks.enqueue_unsent(failed=False) == 0
    devworker.drain()
    tasks.deliver_mail(queued.pk)  # a stray message of it
    assert django_mail.outbox == []
    # That process died: once its lease is over, the sweep sends the mail, once.
    OutgoingMail.objects.filter(pk=queued.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert tasks.enqueue_unsent(failed=False) == 1
    assert tasks.enqueue_unsent(failed=False) == 1
    devworker.drain()
    assert [m.to for m in django_mail.outbox] == [["held@example.org"]]


def test_the_frequent_sweep_leaves_failed_mails_to_their_retries(stub_broker):
    queued = _queue("failed")
    stub_broker.flush_all()
    OutgoingMail.objects.filter(pk=queued.pk).update(status=OutgoingMail.Status.FAILED)
    assert tasks.enqueue_unsent(failed=False) == 0
    assert tasks.enqueue_unsent() == 1  # the minute's sweep (mail_tick) takes them


def test_commands_send_what_they_queued_before_they_exit(stub_broker, dev_mode, monkeypatch):
    from django.core.management import call_command

    from aquatiris_portal.management.commands import portal_notify, portal_sync

    monkeypatch.setattr(portal_notify, "run_due", lambda force: [("x.notifier.send_due", _queue("notify"))])
    call_command("portal_notify", "--now")

    class Nothing:
        busy, runs = False, []

    monkeypatch.setattr(portal_sync, "import_source", lambda source, batch_size: (_queue("sync"), Nothing)[1])
    call_command("portal_sync", "/nowhere")
    assert sorted(m.to[0] for m in django_mail.outbox) == ["notify@example.org", "sync@example.org"]
    assert stub_broker.queues[MAIL_QUEUE].unfinished_tasks == 0


def test_a_command_that_fails_still_sends_what_it_committed_not_on_ctrl_c(stub_broker, dev_mode):
    with pytest.raises(SystemExit):
        with devworker.jobs_done_on_exit():
            _queue("committed")
            raise SystemExit(1)
    assert [m.to for m in django_mail.outbox] == [["committed@example.org"]]
    with pytest.raises(KeyboardInterrupt):
        with devworker.jobs_done_on_exit():
            _queue("interrupted")
            raise KeyboardInterrupt
    assert len(django_mail.outbox) == 1


def test_commands_send_nothing_themselves_outside_the_development_mode(stub_broker, settings):
    settings.DEBUG = False  # production: rundramatiq's workers send (and a StubBroker there is refused)
    settings.AQUATIRIS_PORTAL_RUN_JOBS_IN_PROCESS = True
    with devworker.jobs_done_on_exit():
        queued = _queue("prod")
    assert django_mail.outbox == []
    assert OutgoingMail.objects.get(pk=queued.pk).status == OutgoingMail.Status.PENDING
    assert devworker.drain(broker=object()) == 0  # a Redis broker is never drained here


def test_a_job_that_fails_is_logged_and_the_rest_still_runs(stub_broker, dev_mode, monkeypatch, caplog):
    from django.core.mail import EmailMultiAlternatives

    first, _up = _queue("down"), _queue("up")
    sent = []

    def send(message, fail_silently=False):
        if message.to == ["down@example.org"]:
            raise OSError("smtp down")
        sent.append(message.to)

    monkeypatch.setattr(EmailMultiAlternatives, "send", send)
    assert devworker.run_own_jobs() == 2  # no retry, no wait: the failed mail is left to the sweeps
    assert sent == [["up@example.org"]]
    assert OutgoingMail.objects.get(pk=first.pk).status == OutgoingMail.Status.FAILED
    assert "a queued job (deliver_mail) failed, OSError: smtp down" in caplog.text


class Clock:
    def __init__(self, start):
        self.now, self.mono = start, 0.0

    def advance(self, seconds):
        self.now += timedelta(seconds=seconds)
        self.mono += seconds


def _sent_actors(broker):
    names = []
    for queue_name in list(broker.queues):
        names += [m.actor_name for m in _messages(broker, queue_name)]
    return sorted(names)


def test_the_schedule_runs_the_periodic_actors_at_their_minutes(stub_broker, settings):
    from aquatiris_portal import tasks as all_actors  # noqa: F401

    settings.AQUATIRIS_PORTAL_RUN_JOBS_SWEEP_SECONDS = 3600  # no sweep in the way here
    clock = Clock(datetime(2026, 12, 7, 10, 14, 30))
    schedule = devworker.Schedule(stub_broker, clock=lambda: clock.now, monotonic=lambda: clock.mono)
    assert {a.actor_name for a in schedule.periodic_actors()} == {"sync_tick", "mail_tick", "notify_tick"}
    wait = schedule.step()
    assert _sent_actors(stub_broker) == [] and wait == pytest.approx(30)  # like periodiq: from the next minute
    clock.advance(30)  # 10:15
    schedule.step()
    assert _sent_actors(stub_broker) == ["mail_tick", "notify_tick", "sync_tick"]
    stub_broker.flush_all()
    clock.advance(20)
    schedule.step()
    assert _sent_actors(stub_broker) == []  # the same minute ticks once
    clock.advance(40)  # 10:16
    schedule.step()
    assert _sent_actors(stub_broker) == ["mail_tick", "sync_tick"]


def test_the_schedule_sweeps_every_sweep_seconds_and_not_over_queued_work(stub_broker, settings):
    settings.AQUATIRIS_PORTAL_RUN_JOBS_SWEEP_SECONDS = 15
    clock = Clock(datetime(2026, 12, 7, 10, 14, 0))
    schedule = devworker.Schedule(stub_broker, clock=lambda: clock.now, monotonic=lambda: clock.mono)
    queued = _queue("other")  # queued by another process: its message is not on this broker
    stub_broker.flush_all()
    assert schedule.step() == pytest.approx(15)
    assert [m.args for m in _messages(stub_broker, MAIL_QUEUE)] == [(queued.pk,)]
    clock.advance(14)
    schedule.step()
    clock.advance(1)
    schedule.step()  # 15 s on, but the first message is still waiting: not enqueued again
    assert len(_messages(stub_broker, MAIL_QUEUE)) == 1
    devworker.drain()
    clock.advance(15)
    schedule.step()  # sent meanwhile: nothing to enqueue
    assert _messages(stub_broker, MAIL_QUEUE) == []
    assert [m.to for m in django_mail.outbox] == [["other@example.org"]]


def test_a_drain_is_bounded_and_leaves_the_rest_queued(stub_broker, caplog):
    _queue("one")
    _queue("two")
    assert devworker.drain(limit=1) == 1
    assert len(django_mail.outbox) == 1 and len(_messages(stub_broker, MAIL_QUEUE)) == 1
    assert "1 queued jobs run; the rest stays for the sweeps" in caplog.text


def test_a_failing_round_of_the_schedule_is_one_warning_and_the_next_round_runs(
    stub_broker, settings, monkeypatch, caplog
):
    settings.AQUATIRIS_PORTAL_RUN_JOBS_SWEEP_SECONDS = 15
    clock = Clock(datetime(2026, 12, 7, 10, 14, 0))
    schedule = devworker.Schedule(stub_broker, clock=lambda: clock.now, monotonic=lambda: clock.mono)
    monkeypatch.setattr(tasks, "enqueue_unsent", lambda failed: 1 / 0)  # e.g. the tables are not migrated yet
    schedule.step()
    assert "in-process schedule: sweep failed, ZeroDivisionError" in caplog.text
    monkeypatch.undo()
    queued = _queue("later")
    stub_broker.flush_all()
    clock.advance(15)
    schedule.step()
    assert [m.args for m in _messages(stub_broker, MAIL_QUEUE)] == [(queued.pk,)]
