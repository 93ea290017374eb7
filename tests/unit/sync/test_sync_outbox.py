"""Outbox delivery: signed POSTs, retries, exactly once, order per installation."""

import datetime
import hashlib
import hmac
import json
import re
from pathlib import Path

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from aquatiris_portal.schedule import mail_tick, sync_tick
from aquatiris_portal.sync import tasks
from aquatiris_portal.sync.delivery import SIGNATURE_HEADER, DeliveryFailed, deliver, verify
from aquatiris_portal.sync.intervals import claim_period
from aquatiris_portal.sync.models import OutboxEvent, SyncState
from aquatiris_portal.sync.outbox import record_event
from aquatiris_portal.sync.tasks import deliver_outbox_event
from tests import factories
from tests.exports import Receiver

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "s3cret-shared-with-the-internal-system"


@pytest.fixture
def receiver(settings):
    with Receiver() as r:
        settings.AQUATIRIS_PORTAL_OUTBOX_URL = r.url
        settings.AQUATIRIS_PORTAL_OUTBOX_SECRET = SECRET
        yield r


@pytest.fixture
def worker(stub_broker):
    """One worker thread: SQLite has no row locks (PostgreSQL's are proven
    by tests/integration/test_sync_concurrency.py)."""
    import dramatiq

    import aquatiris_portal.tasks  # noqa: F401

    w = dramatiq.Worker(stub_broker, worker_threads=1, worker_timeout=50)
    w.start()
    yield w
    w.stop()


@pytest.fixture
def fast_retries(monkeypatch):
    monkeypatch.setitem(deliver_outbox_event.options, "min_backoff", 10)
    monkeypatch.setitem(deliver_outbox_event.options, "max_backoff", 50)


def header(headers, name):
    return {k.lower(): v for k, v in headers.items()}[name.lower()]


def test_receiver_failing_twice_gets_the_event_exactly_once_signed(receiver, worker, stub_broker, fast_retries):
    receiver.script[:] = [500, 500]
    inst = factories.installation()
    with transaction.atomic():
        event = record_event("serial_number_registered", {"serial_number": "SN-1"}, installation=inst)

    stub_broker.join("aquatiris_sync")
    worker.join()

    assert [status for status, _h, _b in receiver.requests] == [500, 500, 200]
    for _status, headers, body in receiver.requests:
        assert verify(body, header(headers, SIGNATURE_HEADER), SECRET)
        assert not verify(body, header(headers, SIGNATURE_HEADER), "another secret")
        assert header(headers, "X-Aquatiris-Event-Id") == str(event.pk)
    [body] = receiver.delivered
    assert body["event_id"] == str(event.pk) and body["payload"] == {"serial_number": "SN-1"}
    assert body["ordering_key"] == f"installation:{inst.external_id}"
    event.refresh_from_db()
    assert (event.status, event.attempts, event.last_error) == (OutboxEvent.Status.DELIVERED, 3, "")
    # Delivered: another message for it (a duplicate, a sweep) sends nothing.
    assert deliver(event.pk) == "skipped"
    assert len(receiver.requests) == 3


def test_failure_is_recorded_and_raised_for_dramatiq_to_retry(receiver):
    receiver.script[:] = [503]
    event = OutboxEvent.objects.create(kind="request_submitted", payload={"id": 1})
    with pytest.raises(DeliveryFailed):
        deliver(event.pk)
    event.refresh_from_db()
    assert event.status == OutboxEvent.Status.FAILED and "503" in event.last_error and event.attempts == 1


def test_events_of_one_installation_arrive_in_order(receiver, worker, stub_broker, fast_retries):
    inst, other = factories.installation(), factories.installation()
    receiver.script[:] = [500]  # the first event fails once: the later ones must wait for it
    with transaction.atomic():
        first = record_event("serial_number_registered", {"n": 1}, installation=inst)
        record_event("document_uploaded", {"n": 2}, installation=inst)
        record_event("request_submitted", {"n": 3}, installation=other)
        record_event("request_submitted", {"n": 4}, installation=inst)

    stub_broker.join("aquatiris_sync")
    worker.join()

    delivered = receiver.delivered
    assert sorted(body["payload"]["n"] for body in delivered) == [1, 2, 3, 4]
    ordered = [body["payload"]["n"] for body in delivered if body["ordering_key"].endswith(inst.external_id)]
    assert ordered == [1, 2, 4]
    assert OutboxEvent.objects.filter(status=OutboxEvent.Status.DELIVERED).count() == 4
    assert OutboxEvent.objects.get(pk=first.pk).attempts == 2


def test_a_later_event_waits_while_an_older_one_is_undelivered(receiver):
    inst = factories.installation()
    older = OutboxEvent.objects.create(
        kind="request_submitted", payload={}, ordering_key=f"installation:{inst.external_id}"
    )
    newer = OutboxEvent.objects.create(kind="request_submitted", payload={}, ordering_key=older.ordering_key)
    assert deliver(newer.pk) == "waiting"
    assert receiver.requests == []
    assert deliver(older.pk) == "delivered"
    assert deliver(newer.pk) == "delivered"


def test_unconfigured_outbox_keeps_events_pending(settings):
    settings.AQUATIRIS_PORTAL_OUTBOX_URL = None
    event = OutboxEvent.objects.create(kind="account_activated", payload={})
    assert deliver(event.pk) == "unconfigured"
    assert OutboxEvent.objects.get(pk=event.pk).status == OutboxEvent.Status.PENDING


def test_document_uploaded_carries_a_signed_download_link_valid_an_hour(receiver, client, settings):
    document = factories.document()
    event = OutboxEvent.objects.create(kind="document_uploaded", payload={"document_id": document.pk})
    assert deliver(event.pk) == "delivered"
    [body] = receiver.delivered
    url = body["payload"]["download_url"]
    expires = datetime.datetime.fromisoformat(body["payload"]["download_url_expires_at"])
    assert datetime.timedelta(minutes=59) < expires - timezone.now() <= datetime.timedelta(hours=1)
    path = url[url.index("/portail/") :]
    response = client.get(path)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert "attachment" in response["Content-Disposition"]
    # A forged token, another document's pk in a tampered token, an expired link: 404.
    token = path.rstrip("/").rsplit("/", 1)[-1]
    assert client.get(reverse("aquatiris_portal:sync_document_download", args=[token[:-2] + "xx"])).status_code == 404
    assert client.get(reverse("aquatiris_portal:sync_document_download", args=["abc:def"])).status_code == 404
    settings.AQUATIRIS_PORTAL_OUTBOX_DOWNLOAD_URL_SECONDS = 0
    assert client.get(path).status_code == 404
    settings.AQUATIRIS_PORTAL_OUTBOX_DOWNLOAD_URL_SECONDS = 3600
    document.deleted_at = timezone.now()
    document.save()
    assert client.get(path).status_code == 404


def test_sweep_sends_stale_events_oldest_first_per_installation(receiver, stub_broker):
    inst = factories.installation()
    old = timezone.now() - datetime.timedelta(minutes=5)
    key = f"installation:{inst.external_id}"
    a = OutboxEvent.objects.create(kind="request_submitted", payload={}, ordering_key=key, created_at=old)
    OutboxEvent.objects.create(kind="request_submitted", payload={}, ordering_key=key, created_at=old)
    fresh = OutboxEvent.objects.create(kind="request_submitted", payload={})
    OutboxEvent.objects.create(kind="request_submitted", payload={}, status="delivered", created_at=old)
    stub_broker.flush_all()
    assert tasks.sweep() == 1
    [message] = stub_broker.queues["aquatiris_sync"].queue
    assert stub_broker.queues["aquatiris_sync"].qsize() == 1
    assert a.pk in __import__("json").loads(message)["args"]
    assert fresh.pk  # too recent: its own message is still on its way


def test_admin_retry_sends_failed_events_again(receiver, stub_broker):
    event = OutboxEvent.objects.create(kind="request_submitted", payload={}, status="failed")
    stub_broker.flush_all()
    with transaction.atomic():
        assert tasks.retry(OutboxEvent.objects.all()) == 1
    assert OutboxEvent.objects.get(pk=event.pk).status == OutboxEvent.Status.PENDING
    assert stub_broker.queues["aquatiris_sync"].qsize() == 1


def test_claim_grants_one_run_per_interval():
    assert claim_period("import", datetime.timedelta(minutes=5))
    assert not claim_period("import", datetime.timedelta(minutes=5))
    SyncState.objects.filter(key="import").update(last_run_at=timezone.now() - datetime.timedelta(minutes=5))
    assert claim_period("import", datetime.timedelta(minutes=5))


def test_sync_tick_starts_an_import_once_per_interval(settings, tmp_path, stub_broker):
    settings.AQUATIRIS_PORTAL_SYNC_SOURCE = str(tmp_path)
    settings.AQUATIRIS_PORTAL_SYNC_INTERVAL_MINUTES = 5
    stub_broker.flush_all()
    sync_tick.fn()
    sync_tick.fn()  # a second scheduler, the same minute
    names = [__import__("json").loads(m)["actor_name"] for m in stub_broker.queues["aquatiris_sync"].queue]
    assert names.count("import_exports") == 1
    assert names.count("purge_deleted_document_files") == 1


def test_outbox_max_retries_setting_bounds_the_actors_retries(receiver, worker, stub_broker, fast_retries, settings):
    settings.AQUATIRIS_PORTAL_OUTBOX_MAX_RETRIES = 2
    receiver.script[:] = [500] * 10
    with transaction.atomic():
        event = record_event("request_submitted", {"n": 1})

    stub_broker.join("aquatiris_sync", fail_fast=False)  # the message ends dead-lettered
    worker.join()

    # The first attempt and 2 retries, then the event waits, failed, for the sweep.
    assert [status for status, _h, _b in receiver.requests] == [500, 500, 500]
    event.refresh_from_db()
    assert (event.status, event.attempts) == (OutboxEvent.Status.FAILED, 3)


def test_the_schedule_sweeps_the_mails_through_the_notifications_sweep(stub_broker, settings):
    settings.AQUATIRIS_PORTAL_SYNC_SOURCE = None
    stub_broker.flush_all()
    sync_tick.fn()
    assert "aquatiris_mail" not in stub_broker.queues or stub_broker.queues["aquatiris_mail"].qsize() == 0
    mail_tick.fn()
    [message] = stub_broker.queues["aquatiris_mail"].queue
    assert __import__("json").loads(message)["actor_name"] == "sweep_unsent_mail"


def test_signature_is_an_hmac_sha256_of_the_raw_body_and_a_tampered_body_fails_it(receiver):
    """Checked as the internal system does it, without the portal's own
    verify(): hmac.new(secret, raw body, sha256), then the documented receiver."""
    event = OutboxEvent.objects.create(kind="request_submitted", payload={"message": "Bonjour, ça coule"})
    assert deliver(event.pk) == "delivered"
    [(_status, headers, body)] = receiver.requests
    signature = header(headers, SIGNATURE_HEADER)

    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, signature)
    tampered = body.replace(b"Bonjour", b"Bonsoir")
    assert tampered != body
    assert not hmac.compare_digest(
        "sha256=" + hmac.new(SECRET.encode(), tampered, hashlib.sha256).hexdigest(), signature
    )
    # Another hash of the same body (say SHA-1 or SHA-512) is not what is sent.
    for other in (hashlib.sha1, hashlib.sha512, hashlib.md5):
        assert signature != "sha256=" + hmac.new(SECRET.encode(), body, other).hexdigest()

    # The receiver snippet of docs/exchange-format.md, run as it is written.
    doc = (Path(__file__).resolve().parents[3] / "docs" / "exchange-format.md").read_text("utf-8")
    [snippet] = [block for block in re.findall(r"```python\n(.*?)```", doc, re.S) if "def receive(" in block]
    handled = []
    namespace = {
        "already_processed": lambda event_id: event_id in {e["event_id"] for e in handled},
        "handle": lambda kind, payload: handled.append({"event_id": json.loads(body)["event_id"]}),
    }
    exec(snippet, namespace)
    assert namespace["receive"](body, headers, SECRET.encode()) == 200
    assert namespace["receive"](tampered, headers, SECRET.encode()) == 401
    assert namespace["receive"](body, headers, b"another secret") == 401
    assert len(handled) == 1


def test_a_receiver_that_times_out_after_processing_gets_the_same_event_id_again(
    receiver, worker, stub_broker, fast_retries, settings
):
    """docs/exchange-format.md: an event whose 2xx the portal did not get comes once more,
    with the same event_id, so the receiver can ignore it."""
    settings.AQUATIRIS_PORTAL_OUTBOX_TIMEOUT_SECONDS = 0.5
    receiver.script[:] = [receiver.HANG]  # processed, then answered too late
    with transaction.atomic():
        event = record_event("request_submitted", {"n": 1})

    stub_broker.join("aquatiris_sync")
    worker.join()
    receiver.release()

    assert [status for status, _h, _b in receiver.requests] == [receiver.HANG, 200]
    ids = {(header(h, "X-Aquatiris-Event-Id"), json.loads(b)["event_id"]) for _s, h, b in receiver.requests}
    assert ids == {(str(event.pk), str(event.pk))}
    event.refresh_from_db()
    assert (event.status, event.attempts) == (OutboxEvent.Status.DELIVERED, 2)
