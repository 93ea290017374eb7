"""The package's development mode (issue 15 Build 1): with
AQUATIRIS_PORTAL_RUN_JOBS_IN_PROCESS and DEBUG, a worker runs in runserver's
process on the StubBroker and the mails go out; never without DEBUG."""

import pytest
from django.core import mail as django_mail
from django.db import transaction

from aquatiris_portal import devworker
from aquatiris_portal.models import OutgoingMail
from aquatiris_portal.notifications.mail import queue_mail

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("argv, run_main, serves", [
    (["manage.py", "runserver"], "true", True),  # the autoreloader's child
    (["manage.py", "runserver"], None, False),  # the autoreloader's parent: serves nothing
    (["manage.py", "runserver", "--noreload", "127.0.0.1:8000"], None, True),
    (["manage.py", "rundramatiq"], None, False),
    (["manage.py", "migrate"], "true", False),
    (["gunicorn", "example_site.wsgi"], None, False),
])
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
            queued = queue_mail(key="dev-1", to=["anne@example.org"], template="aquatiris_portal/mail/otp_code",
                                context={"code": "654321", "minutes": 10, "email": "anne@example.org"})
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
