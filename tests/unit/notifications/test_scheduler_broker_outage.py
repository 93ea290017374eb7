"""The scheduler outlives a broker outage.

periodiq sends the ticks (schedule.py) each minute and stopped for good at
the first one it could not send: a Redis restart that fell on a minute's
tick ended the schedule, and with it the mail sweep, so the mails whose
broker messages the restart lost were never sent (bench/load.py found it).
A tick the broker refuses is now logged and skipped; the next minute's tick
runs the same jobs.
"""

import logging

import pendulum
import pytest
from periodiq import Scheduler

from aquatiris_portal.schedule import mail_tick, notify_tick, sync_tick

TICKS = [sync_tick, mail_tick, notify_tick]


@pytest.fixture
def schedule_log(monkeypatch):
    """The schedule logger's records, caught on the logger itself: another test's
    logging configuration may have disabled it or stopped its propagation."""
    logger = logging.getLogger("aquatiris_portal.schedule")
    records = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append
    monkeypatch.setattr(logger, "disabled", False)
    level = logger.level
    logger.setLevel(logging.WARNING)
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_the_scheduler_goes_on_when_the_broker_refuses_the_ticks(broker_down, stub_broker, schedule_log):
    scheduler = Scheduler(TICKS)
    scheduler.send_actors(TICKS, now=pendulum.now())  # raised, and periodiq exited, before
    assert all(stub_broker.queues[tick.queue_name].qsize() == 0 for tick in TICKS)
    logged = [record.getMessage() for record in schedule_log]
    assert len(logged) == len(TICKS)
    assert all("Connection refused" in line for line in logged), logged


def test_the_next_tick_goes_out_once_the_broker_is_back(broker_down, stub_broker):
    scheduler = Scheduler(TICKS)
    scheduler.send_actors([mail_tick], now=pendulum.now())
    broker_down.up()
    assert stub_broker.queues[mail_tick.queue_name].qsize() == 0
    scheduler.send_actors([mail_tick], now=pendulum.now())
    assert stub_broker.queues[mail_tick.queue_name].qsize() == 1


def test_a_tick_sent_by_hand_still_reaches_a_working_broker(stub_broker):
    message = sync_tick.send()
    assert message.actor_name == "sync_tick"
    assert stub_broker.queues[sync_tick.queue_name].qsize() == 1
