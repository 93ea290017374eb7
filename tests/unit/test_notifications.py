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
        return queue_mail(key=key, to=["anne@example.org"], template=TEMPLATE,
                          context={"code": "123456", "minutes": 10, "email": "anne@example.org"}, **kw)


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
        queue_mail(key="rolled-back", to=["a@example.org"], template=TEMPLATE,
                   context={"code": "1", "minutes": 1, "email": "a@example.org"})
        transaction.set_rollback(True)
    assert not OutgoingMail.objects.filter(key="rolled-back").exists()
    assert stub_broker.queues.get("aquatiris_mail") is None or stub_broker.queues["aquatiris_mail"].qsize() == 0
