"""A tick's job the broker refuses (Redis down or restarting) is not an
error: the tick goes on with its other jobs, the cron commands and the
worker's tick finish, the log says so once a minute with a count, and the
next tick sends the job."""

import logging

import pytest

from aquatiris_portal import schedule
from aquatiris_portal.notifications.broker_refusals import Refusals

pytestmark = pytest.mark.django_db
SWEEP = "aquatiris_portal.notifications.tasks.sweep_unsent_mail"


@pytest.fixture(autouse=True)
def fresh_refusals(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(schedule, "_refused_jobs", Refusals(clock=lambda: clock[0]))
    return clock


def _warnings(caplog):
    return [r for r in caplog.records if r.name == schedule.logger.name and r.levelno == logging.WARNING]


def test_a_refused_sweep_leaves_the_tick_standing_and_the_next_tick_sends_it(
    broker_down, stub_broker, caplog, fresh_refusals
):
    with caplog.at_level(logging.WARNING, logger=schedule.logger.name):
        assert schedule.run_tick("mail_tick") == [(SWEEP, None)]
        assert schedule.run_tick("mail_tick") == [(SWEEP, None)]  # within the minute: no second warning
        fresh_refusals[0] += 61
        schedule.run_tick("mail_tick")
    first, second = _warnings(caplog)
    assert first.exc_info is None and "1 job(s) not sent" in first.getMessage() and "mail_sweep" in first.getMessage()
    assert "2 job(s) not sent" in second.getMessage()
    assert stub_broker.queues["aquatiris_mail"].qsize() == 0

    broker_down.up()
    ((path, message),) = schedule.run_tick("mail_tick")
    assert path == SWEEP and message.actor_name == "sweep_unsent_mail"
    assert stub_broker.queues["aquatiris_mail"].qsize() == 1


def test_a_refused_job_does_not_stop_the_tick_s_next_jobs(broker_down, settings, caplog):
    settings.AQUATIRIS_PORTAL_SYNC_SOURCE = "/nonexistent/exports"  # the import job is due and an actor
    with caplog.at_level(logging.WARNING, logger=schedule.logger.name):
        reports = dict(schedule.run_tick("sync_tick", force=True))
    # The outbox sweep (a function) ran, the two actors were refused, nothing raised.
    assert set(reports) == {job.path for job in schedule.jobs_of("sync_tick")}
    assert reports["aquatiris_portal.sync.tasks.import_exports"] is None
    assert len(_warnings(caplog)) == 1
