"""The minute's mail sweep while the broker (Redis) is down: it logs one
warning a minute with how many sweeps were refused, raises nothing inside
the worker, leaves the mails unsent, and the first tick once the broker is
back sends each of them once."""

import logging

import pytest
from django.core import mail as django_mail
from redis.exceptions import ConnectionError as RedisConnectionError

from aquatiris_portal.models import OutgoingMail
from aquatiris_portal.notifications import tasks
from aquatiris_portal.notifications.broker_refusals import REFUSALS_WARN_EVERY_SECONDS
from tests.unit.notifications._helpers import hand_clock, queue_code_mail, sweep_and_deliver

# Committed for real: mails are enqueued on commit, and the worker thread reads them.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def clock(monkeypatch):
    """The sweep's refusals clock, moved by hand; a fresh count for each test."""
    return hand_clock(monkeypatch, tasks, "_sweep_refusals")


def _sweep_warnings(caplog):
    return [r for r in caplog.records if r.name == tasks.logger.name and "sweep" in r.msg]


def _status(mail):
    return OutgoingMail.objects.get(pk=mail.pk).status


def test_the_sweep_waits_out_an_outage_and_the_next_tick_sends_the_mail_once(
    broker_down, stub_broker, worker, clock, caplog
):
    queued = queue_code_mail("outage")  # its own enqueue refused: pending
    with caplog.at_level(logging.WARNING, logger=tasks.logger.name):
        tasks.sweep_unsent_mail.fn()  # raised the broker's ConnectionError before
        tasks.sweep_unsent_mail.fn()  # the same minute: counted, not told
        clock[0] += REFUSALS_WARN_EVERY_SECONDS
        tasks.sweep_unsent_mail.fn()
    warnings = _sweep_warnings(caplog)
    told = [(r.levelno, r.args[0], r.exc_info) for r in warnings]
    assert told == [(logging.WARNING, 1, None), (logging.WARNING, 2, None)]
    assert "ConnectionError" in warnings[0].getMessage()
    assert _status(queued) == OutgoingMail.Status.PENDING and django_mail.outbox == []

    broker_down.up()
    sweep_and_deliver(stub_broker, worker)  # the second tick finds nothing left to send
    assert _status(queued) == OutgoingMail.Status.SENT
    assert [m.to for m in django_mail.outbox] == [["anne@example.org"]]


def test_a_refused_sweep_stops_at_the_first_refusal_and_loses_no_mail(monkeypatch, stub_broker, clock):
    queued = [queue_code_mail(f"k{n}") for n in range(3)]
    stub_broker.flush_all()  # their own jobs lost with the broker's memory
    tried = []

    def refused(pk):
        tried.append(pk)
        raise RedisConnectionError("Connection refused.")

    monkeypatch.setattr(tasks.deliver_mail, "send", refused)
    tasks.sweep_unsent_mail.fn()
    assert tried == [queued[0].pk]  # not one attempt per mail against a broker that is down
    assert {_status(m) for m in queued} == {OutgoingMail.Status.PENDING}


def test_a_bug_that_is_not_an_outage_still_raises(monkeypatch, stub_broker, clock):
    queue_code_mail("bug")

    def bug(pk):
        raise TypeError("not serialisable")

    monkeypatch.setattr(tasks.deliver_mail, "send", bug)
    with pytest.raises(TypeError):
        tasks.sweep_unsent_mail.fn()
