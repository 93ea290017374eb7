"""While the broker (Redis) refuses the mails' jobs, each mail stays pending
for the sweep to send, and the log gets one warning per process and minute
with the number refused since the last one, not a traceback per mail."""

import logging

import pytest
from django.core import mail as django_mail
from hypothesis import given
from hypothesis import strategies as st

from aquatiris_portal.models import OutgoingMail
from aquatiris_portal.notifications import mail as mail_module
from aquatiris_portal.notifications.mail import REFUSALS_WARN_EVERY_SECONDS, Refusals
from aquatiris_portal.notifications.tasks import deliver_mail
from tests.unit.notifications._helpers import hand_clock, queue_code_mail, sweep_and_deliver

# Committed for real: mails are enqueued on commit, and the worker thread reads them.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def clock(monkeypatch):
    """The refusals' clock, moved by hand; a fresh count for each test."""
    return hand_clock(monkeypatch, mail_module, "_refusals")


def _mail_logs(caplog):
    return [r for r in caplog.records if r.name == mail_module.logger.name]


def test_five_refused_mails_give_one_warning_and_all_are_sent_by_the_sweep(
    broker_down,  # noqa: F811
    stub_broker,
    worker,
    clock,
    caplog,
):
    with caplog.at_level(logging.WARNING, logger=mail_module.logger.name):
        queued = [queue_code_mail(f"k{n}") for n in range(5)]
        (warning,) = _mail_logs(caplog)
        assert warning.levelno == logging.WARNING and warning.exc_info is None
        assert warning.args[0] == 1 and "ConnectionError" in warning.getMessage()

        clock[0] += REFUSALS_WARN_EVERY_SECONDS  # a minute on, still down: the four since, and this one
        queued.append(queue_code_mail("k5"))
        assert [r.args[0] for r in _mail_logs(caplog)] == [1, 5]

    pks = [mail.pk for mail in queued]
    assert set(OutgoingMail.objects.filter(pk__in=pks).values_list("status", flat=True)) == {"pending"}
    broker_down.up()
    sweep_and_deliver(stub_broker, worker)  # the second sweep finds nothing left
    assert set(OutgoingMail.objects.filter(pk__in=pks).values_list("status", flat=True)) == {"sent"}
    assert len(django_mail.outbox) == 6


def test_an_error_that_is_not_an_outage_keeps_its_traceback_each_time(monkeypatch, stub_broker, clock, caplog):
    def bug(*args, **kwargs):
        raise TypeError("not serialisable")

    monkeypatch.setattr(deliver_mail, "send", bug)
    with caplog.at_level(logging.WARNING, logger=mail_module.logger.name):
        queued = [queue_code_mail(f"bug{n}") for n in range(2)]
    assert [(r.levelno, r.exc_info is not None) for r in _mail_logs(caplog)] == [(logging.ERROR, True)] * 2
    assert {OutgoingMail.objects.get(pk=m.pk).status for m in queued} == {"pending"}


@given(gaps=st.lists(st.floats(min_value=0, max_value=3 * REFUSALS_WARN_EVERY_SECONDS), max_size=60))
def test_warnings_are_a_minute_apart_and_count_every_refusal(gaps):
    now = [0.0]
    refusals = Refusals(clock=lambda: now[0])
    warned = []  # (when, how many)
    for gap in gaps:
        now[0] += gap
        count = refusals.add()
        if count:
            warned.append((now[0], count))

    assert all(b - a >= REFUSALS_WARN_EVERY_SECONDS for (a, _), (b, _) in zip(warned, warned[1:], strict=False))
    assert sum(count for _, count in warned) + refusals.count == len(gaps)  # none lost, none twice
    assert bool(gaps) == bool(warned) and (not gaps or warned[0][1] == 1)  # the first refusal is told at once
