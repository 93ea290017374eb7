"""The one mail path: stored first, sent once, retried, secrets erased."""

import pytest
from django.core import mail as django_mail
from django.db import transaction

from aquatiris_portal.models import OutgoingMail
from aquatiris_portal.notifications.mail import queue_mail
from aquatiris_portal.notifications.tasks import REDACTED, deliver_mail

pytestmark = pytest.mark.django_db(transaction=True)

TEMPLATE = "aquatiris_portal/mail/otp_code"


def _queue(key="k1", **kw):
    with transaction.atomic():
        return queue_mail(
            key=key,
            to=["anne@example.org"],
            template=TEMPLATE,
            context={"code": "123456", "minutes": 10, "email": "anne@example.org"},
            **kw,
        )


def test_same_key_is_stored_and_sent_once(stub_broker):
    first = _queue()
    second = _queue()
    assert first.pk == second.pk
    assert OutgoingMail.objects.count() == 1
    deliver_mail.fn(first.pk)
    deliver_mail.fn(first.pk)  # a redelivered message
    assert len(django_mail.outbox) == 1
    assert "123456" in django_mail.outbox[0].body


def test_failure_is_recorded_and_retry_sends(monkeypatch, stub_broker):
    queued = _queue()
    from django.core.mail import EmailMultiAlternatives

    original = EmailMultiAlternatives.send
    monkeypatch.setattr(EmailMultiAlternatives, "send", lambda self, **kw: (_ for _ in ()).throw(OSError("smtp down")))
    with pytest.raises(OSError):
        deliver_mail.fn(queued.pk)
    queued.refresh_from_db()
    assert queued.status == OutgoingMail.Status.FAILED and queued.attempts == 1
    assert "smtp down" in queued.last_error
    monkeypatch.setattr(EmailMultiAlternatives, "send", original)
    deliver_mail.fn(queued.pk)
    queued.refresh_from_db()
    assert queued.status == OutgoingMail.Status.SENT and queued.attempts == 2
    assert len(django_mail.outbox) == 1


def test_sensitive_body_is_erased_once_sent(stub_broker):
    queued = _queue(key="secret", sensitive=True)
    assert "123456" in OutgoingMail.objects.get(pk=queued.pk).body_text  # kept until sent
    deliver_mail.fn(queued.pk)
    stored = OutgoingMail.objects.get(pk=queued.pk)
    assert stored.body_text == REDACTED and stored.body_html == ""
    assert "123456" in django_mail.outbox[0].body


def test_mail_is_enqueued_only_after_commit(stub_broker):
    with transaction.atomic():
        queue_mail(
            key="rolled-back",
            to=["a@example.org"],
            template=TEMPLATE,
            context={"code": "1", "minutes": 1, "email": "a@example.org"},
        )
        transaction.set_rollback(True)
    assert not OutgoingMail.objects.filter(key="rolled-back").exists()
    assert stub_broker.queues.get("aquatiris_mail") is None or stub_broker.queues["aquatiris_mail"].qsize() == 0


# --- Delivery faults: a mail goes once, whatever fails around the SMTP answer.

from datetime import timedelta  # noqa: E402

from django.db import OperationalError  # noqa: E402
from django.db.models import QuerySet  # noqa: E402
from django.utils import timezone  # noqa: E402

from aquatiris_portal.notifications import tasks  # noqa: E402

QUEUE = "aquatiris_mail"


@pytest.fixture
def no_pause(monkeypatch):
    monkeypatch.setattr(tasks, "MARK_SENT_PAUSE_SECONDS", 0)


def _failing_sent_writes(monkeypatch, times):
    """The database refuses the first ``times`` writes that record a mail as sent."""
    original = QuerySet.update
    refused = []

    def update(self, **fields):
        if self.model is OutgoingMail and fields.get("status") == OutgoingMail.Status.SENT and len(refused) < times:
            refused.append(fields)
            raise OperationalError("database is locked")
        return original(self, **fields)

    monkeypatch.setattr(QuerySet, "update", update)
    return refused


def test_a_database_error_after_the_smtp_answer_does_not_send_the_mail_again(monkeypatch, stub_broker, no_pause):
    queued = _queue()
    refused = _failing_sent_writes(monkeypatch, times=3)
    deliver_mail.fn(queued.pk)
    assert len(refused) == 3  # the error did happen after the send
    stored = OutgoingMail.objects.get(pk=queued.pk)
    assert stored.status == OutgoingMail.Status.SENT and stored.attempts == 1 and stored.lease_until is None
    deliver_mail.fn(queued.pk)  # dramatiq's retry or a redelivery
    assert len(django_mail.outbox) == 1


def test_a_mail_that_cannot_be_recorded_as_sent_stays_claimed_and_is_not_resent(monkeypatch, stub_broker, no_pause):
    queued = _queue()
    stub_broker.flush(QUEUE)  # its on-commit message: delivered by hand below
    _failing_sent_writes(monkeypatch, times=10_000)
    deliver_mail.fn(queued.pk)
    stored = OutgoingMail.objects.get(pk=queued.pk)
    assert stored.status == OutgoingMail.Status.SENDING and stored.lease_until > timezone.now()
    deliver_mail.fn(queued.pk)  # a retry while the lease holds
    tasks.sweep_unsent_mail.fn()  # nor does the sweep take it
    assert len(django_mail.outbox) == 1
    assert stub_broker.queues[QUEUE].qsize() == 0


def test_a_claimed_mail_is_not_sent_by_a_second_worker():
    queued = _queue()
    first = tasks.claim_outgoing_mail(queued.pk)
    assert first is not None and first.status == OutgoingMail.Status.SENDING
    assert tasks.claim_outgoing_mail(queued.pk) is None
    deliver_mail.fn(queued.pk)  # the same message delivered to another worker meanwhile
    assert django_mail.outbox == []


def test_a_mail_whose_worker_died_mid_send_is_sent_once_by_the_sweep(stub_broker, worker):
    queued = _queue()
    stub_broker.join(QUEUE)  # the on-commit delivery
    worker.join()
    assert len(django_mail.outbox) == 1
    django_mail.outbox.clear()
    # A worker claimed a second mail and died: the row is "sending", its lease over.
    lost = _queue(key="k2")
    stub_broker.join(QUEUE)
    worker.join()
    django_mail.outbox.clear()
    OutgoingMail.objects.filter(pk=lost.pk).update(
        status=OutgoingMail.Status.SENDING, lease_until=timezone.now() - timedelta(seconds=1), sent_at=None
    )
    tasks.sweep_unsent_mail.send()
    tasks.sweep_unsent_mail.send()  # twice: the second finds it claimed or sent
    stub_broker.join(QUEUE)
    worker.join()
    assert [m.to for m in django_mail.outbox] == [["anne@example.org"]]
    assert OutgoingMail.objects.get(pk=lost.pk).status == OutgoingMail.Status.SENT
    assert OutgoingMail.objects.get(pk=queued.pk).status == OutgoingMail.Status.SENT


def test_a_mail_whose_enqueue_failed_is_sent_exactly_once_by_the_sweep(monkeypatch, stub_broker, worker):
    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(deliver_mail, "send", broker_down)
    queued = _queue()
    assert OutgoingMail.objects.get(pk=queued.pk).status == OutgoingMail.Status.PENDING
    monkeypatch.undo()  # the broker is back
    for _ in range(3):  # the schedule ticks again and again
        tasks.sweep_unsent_mail.send()
        stub_broker.join(QUEUE)
        worker.join()
    assert len(django_mail.outbox) == 1
    assert OutgoingMail.objects.get(pk=queued.pk).status == OutgoingMail.Status.SENT


def test_failed_sends_are_retried_up_to_mail_max_retries(monkeypatch, settings, stub_broker, worker):
    from django.core.mail import EmailMultiAlternatives

    settings.AQUATIRIS_PORTAL_MAIL_MAX_RETRIES = 2
    monkeypatch.setitem(deliver_mail.options, "min_backoff", 1)
    monkeypatch.setitem(deliver_mail.options, "max_backoff", 5)
    tries = []

    def smtp_down(self, **kwargs):
        tries.append(self.subject)
        raise OSError("smtp down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", smtp_down)
    queued = _queue()
    stub_broker.join(QUEUE, fail_fast=False)
    worker.join()
    assert len(tries) == 3  # the first try and two retries
    stored = OutgoingMail.objects.get(pk=queued.pk)
    assert stored.status == OutgoingMail.Status.FAILED and stored.attempts == 3 and "smtp down" in stored.last_error


def test_extra_headers_are_sent(stub_broker):
    queued = _queue(key="with-headers", headers={"List-Unsubscribe": "<https://example.org/u/1>"})
    deliver_mail.fn(queued.pk)
    assert django_mail.outbox[0].extra_headers["List-Unsubscribe"] == "<https://example.org/u/1>"
