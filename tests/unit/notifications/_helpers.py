"""What the broker-outage tests of the mails share: a refusals count whose
clock the test moves by hand, a mail queued and committed for real, and the
sweep run until the worker has sent what it found."""

from django.db import transaction

from aquatiris_portal.notifications import tasks
from aquatiris_portal.notifications.broker_refusals import Refusals
from aquatiris_portal.notifications.mail import queue_mail


def hand_clock(monkeypatch, owner, name):
    """Replace the Refusals at ``owner.name`` by a fresh count whose clock
    reads ``now[0]``; returns ``now`` for the test to move (one per test)."""
    now = [1000.0]
    monkeypatch.setattr(owner, name, Refusals(clock=lambda: now[0]))
    return now


def queue_code_mail(key):
    """A second-factor code mail to anne@example.org, committed: its job is
    enqueued on commit (or refused, while the broker is down)."""
    with transaction.atomic():
        return queue_mail(
            key=key,
            to=["anne@example.org"],
            template="aquatiris_portal/mail/otp_code",
            context={"code": "123456", "minutes": 10, "email": "anne@example.org"},
        )


def sweep_and_deliver(stub_broker, worker, ticks=2):
    """Run the minute's sweep ``ticks`` times, each followed by the worker
    sending what it enqueued (the last tick finds nothing left)."""
    for _tick in range(ticks):
        tasks.sweep_unsent_mail.fn()
        stub_broker.join(tasks.deliver_mail.queue_name, timeout=30_000)
        worker.join()
