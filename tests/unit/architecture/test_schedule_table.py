"""One table of periodic jobs (aquatiris_portal/schedule.py): every job runs
in the development worker (its schedule thread sends the ticks) and in the
management command cron users run, and the old schedule modules are gone."""

import importlib.util
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command

from aquatiris_portal import devworker, schedule, tasks
from aquatiris_portal.management.commands import portal_sync

# transaction=True: the schedule thread closes old connections, as in runserver.
pytestmark = pytest.mark.django_db(transaction=True)

# What portal_sync runs itself, synchronously, for the table's actors.
RUN_BY_THE_COMMAND_ITSELF = {
    "import": (portal_sync, "import_source"),
    "retention": (portal_sync, "purge_deleted_files"),
}


class NoRun:
    busy, runs = False, []


def _record_every_job(monkeypatch, ran):
    for job in schedule.JOBS:
        monkeypatch.setattr(job.path, lambda *args, name=job.name, **kwargs: ran.append(name) or NoRun)


def test_every_job_of_the_table_runs_in_the_dev_worker(stub_broker, settings, monkeypatch, tmp_path):
    settings.AQUATIRIS_PORTAL_SYNC_SOURCE = str(tmp_path)  # the import runs only with a source
    settings.AQUATIRIS_PORTAL_RUN_JOBS_SWEEP_SECONDS = 3600  # the worker's own mail sweep out of the way
    ran = []
    _record_every_job(monkeypatch, ran)
    now = [datetime(2026, 12, 7, 10, 14, 30)]
    thread = devworker.Schedule(stub_broker, clock=lambda: now[0], monotonic=lambda: 0.0)
    thread.step()
    now[0] += timedelta(seconds=30)  # 10:15: a minute of every tick
    thread.step()
    devworker.drain(stub_broker)
    assert sorted(ran) == sorted(job.name for job in schedule.JOBS)


def test_every_job_of_the_table_runs_in_its_command(stub_broker, monkeypatch):
    ran = []
    _record_every_job(monkeypatch, ran)
    for name, (module, attribute) in RUN_BY_THE_COMMAND_ITSELF.items():
        monkeypatch.setattr(module, attribute, lambda *args, name=name, **kwargs: ran.append(name) or NoRun)
    call_command("portal_notify")
    call_command("portal_sync", "/nowhere", "--retention")
    assert sorted(ran) == sorted(job.name for job in schedule.JOBS)
    assert {job.command for job in schedule.JOBS} == {"portal_notify", "portal_sync"}


def test_the_workers_know_every_tick_and_the_old_schedules_are_gone():
    for tick in schedule.TICKS:
        assert getattr(tasks, tick).actor_name == tick
    assert {job.tick for job in schedule.JOBS} == set(schedule.TICKS)
    assert importlib.util.find_spec("aquatiris_portal.digests.schedule") is None
    assert importlib.util.find_spec("aquatiris_portal.sync.schedule") is None


def test_a_job_with_an_interval_runs_once_per_interval(settings, tmp_path, monkeypatch):
    settings.AQUATIRIS_PORTAL_SYNC_SOURCE = str(tmp_path)
    settings.AQUATIRIS_PORTAL_SYNC_INTERVAL_MINUTES = 5
    job = schedule.job_named("import")
    assert job.period() == timedelta(minutes=5)
    assert schedule.due(job) and not schedule.due(job)  # a second scheduler, the same minute
    settings.AQUATIRIS_PORTAL_SYNC_SOURCE = None
    assert not schedule.due(job, force=True)  # no source: nothing to import, whatever
