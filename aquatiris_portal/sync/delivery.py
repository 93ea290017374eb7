"""Outbox delivery: each event is POSTed, signed, to the internal system's
receiver (docs/exchange-format.md, outbox).

Body (JSON, UTF-8)::

    {"event_id": "42", "kind": "document_uploaded", "created_at": "...",
     "ordering_key": "installation:I-5001", "payload": {...}}

Headers: ``X-Aquatiris-Signature: sha256=<hex HMAC-SHA256 of the raw body
with AQUATIRIS_PORTAL_OUTBOX_SECRET>``, ``X-Aquatiris-Event-Id`` (the same
id as in the body: the receiver ignores an id it has already processed),
``X-Aquatiris-Event`` (the kind).

Exactly once after a 2xx: the event row is locked (``select_for_update``)
for the whole attempt and marked delivered in the same transaction, so a
second worker holding the same message waits, then sees it delivered.
In order per installation: an event waits while an older event with the
same ``ordering_key`` is undelivered; delivering one sends the next.
"""

import datetime
import hashlib
import hmac
import json
import logging

import requests
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from ..conf import app_settings, public_base_url
from .models import OutboxEvent

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Aquatiris-Signature"
EVENT_ID_HEADER = "X-Aquatiris-Event-Id"
EVENT_KIND_HEADER = "X-Aquatiris-Event"
DOWNLOAD_SALT = "aquatiris_portal.sync.document_download"


class DeliveryFailed(Exception):
    """The receiver did not answer 2xx (or could not be reached): retry later."""


def sign(body, secret):
    """The value of the signature header for ``body`` (bytes)."""
    key = secret.encode() if isinstance(secret, str) else secret
    return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def verify(body, header, secret):
    """What the receiver does (also documented in docs/exchange-format.md)."""
    return hmac.compare_digest(sign(body, secret), header or "")


# -- download links for document_uploaded


def download_token(document_pk):
    return signing.dumps({"d": int(document_pk)}, salt=DOWNLOAD_SALT, compress=False)


def document_pk_from_token(token):
    """The document's pk, or None if the token is forged or older than its lifetime."""
    max_age = app_settings.OUTBOX_DOWNLOAD_URL_SECONDS
    try:
        return int(signing.loads(token, salt=DOWNLOAD_SALT, max_age=max_age)["d"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


base_url = public_base_url


def download_url(document_pk):
    return base_url() + reverse("aquatiris_portal:sync_document_download", args=[download_token(document_pk)])


# -- download links for the attachments of request_message_posted

ATTACHMENT_SALT = "aquatiris_portal.enquiries.attachment_download"


def attachment_token(attachment_pk):
    return signing.dumps({"a": int(attachment_pk)}, salt=ATTACHMENT_SALT, compress=False)


def attachment_pk_from_token(token):
    """The request attachment's pk, or None if forged or older than its lifetime."""
    try:
        return int(signing.loads(token, salt=ATTACHMENT_SALT, max_age=app_settings.OUTBOX_DOWNLOAD_URL_SECONDS)["a"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def attachment_download_url(attachment_pk):
    return base_url() + reverse("aquatiris_portal:request_attachment_download", args=[attachment_token(attachment_pk)])


def _document_pk(payload):
    document = payload.get("document")
    if isinstance(document, dict) and document.get("id") is not None:
        return document["id"]
    return payload.get("document_id")


def body_for(event):
    payload = dict(event.payload or {})
    # An owner's proof (proof_received) carries its document's fields like a SPANC's upload.
    if event.kind in (event.Kind.DOCUMENT_UPLOADED, "proof_received") and _document_pk(payload) is not None:
        # Made at each attempt: valid OUTBOX_DOWNLOAD_URL_SECONDS (an hour) from the delivery.
        payload["download_url"] = download_url(_document_pk(payload))
        payload["download_url_expires_at"] = (
            timezone.now() + datetime.timedelta(seconds=app_settings.OUTBOX_DOWNLOAD_URL_SECONDS)
        ).isoformat()
    if event.kind == "request_message_posted" and payload.get("attachments"):
        # Made at each attempt too, for each attachment of the message.
        expires_at = (timezone.now() + datetime.timedelta(seconds=app_settings.OUTBOX_DOWNLOAD_URL_SECONDS)).isoformat()
        payload["attachments"] = [
            {
                **attachment,
                "download_url": attachment_download_url(attachment["id"]),
                "download_url_expires_at": expires_at,
            }
            if attachment.get("id") is not None
            else attachment
            for attachment in payload["attachments"]
        ]
    body = {
        "event_id": str(event.pk),
        "kind": event.kind,
        "created_at": event.created_at.isoformat(),
        "ordering_key": event.ordering_key,
        "payload": payload,
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode("utf-8")


def _post(url, body, headers):
    try:
        response = requests.post(
            url, data=body, headers=headers, timeout=app_settings.OUTBOX_TIMEOUT_SECONDS, allow_redirects=False
        )
    except requests.RequestException as error:
        raise DeliveryFailed(f"{type(error).__name__}: {error}") from error
    if not 200 <= response.status_code < 300:
        raise DeliveryFailed(f"HTTP {response.status_code}: {response.text[:300]}")


def _older_undelivered(event):
    if not event.ordering_key:
        return False
    return (
        OutboxEvent.objects.filter(ordering_key=event.ordering_key)
        .exclude(status=OutboxEvent.Status.DELIVERED)
        .filter(Q(created_at__lt=event.created_at) | Q(created_at=event.created_at, pk__lt=event.pk))
        .exists()
    )


def deliver(event_id, on_delivered=None):
    """One attempt at delivering one event. Returns "delivered", "skipped"
    (already delivered or gone), "waiting" (an older event of the same
    installation goes first) or "unconfigured"; raises DeliveryFailed so
    that dramatiq retries with backoff. ``on_delivered(ordering_key)`` is
    called after the commit of a delivered event that has an ordering key
    (the actor sends the next event of the installation)."""

    url, secret = app_settings.OUTBOX_URL, app_settings.OUTBOX_SECRET
    failure = None
    with transaction.atomic():
        event = OutboxEvent.objects.select_for_update().filter(pk=event_id).first()
        if event is None or event.status == OutboxEvent.Status.DELIVERED:
            return "skipped"
        if not url or not secret:
            logger.warning("AQUATIRIS_PORTAL_OUTBOX_URL/SECRET not set: outbox event %s stays pending", event_id)
            return "unconfigured"
        if _older_undelivered(event):
            return "waiting"
        body = body_for(event)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            SIGNATURE_HEADER: sign(body, secret),
            EVENT_ID_HEADER: str(event.pk),
            EVENT_KIND_HEADER: event.kind,
            "User-Agent": "aquatiris-portal-outbox/1",
        }
        event.attempts += 1
        event.last_attempt_at = timezone.now()
        try:
            _post(url, body, headers)
        except DeliveryFailed as error:
            event.status = OutboxEvent.Status.FAILED
            event.last_error = str(error)[:2000]
            failure = error
            logger.warning("Outbox event %s not delivered (attempt %s): %s", event.pk, event.attempts, error)
        else:
            event.status = OutboxEvent.Status.DELIVERED
            event.delivered_at = timezone.now()
            event.last_error = ""
            if event.ordering_key and on_delivered is not None:
                key = event.ordering_key
                transaction.on_commit(lambda: on_delivered(key))
        event.save(update_fields=["status", "attempts", "last_attempt_at", "last_error", "delivered_at"])
    if failure is not None:
        raise failure  # after the commit: the failure is recorded, dramatiq retries
    return "delivered"


def next_undelivered(ordering_key):
    """The pk of the oldest undelivered event of an installation, or None."""
    return (
        OutboxEvent.objects.filter(ordering_key=ordering_key)
        .exclude(status=OutboxEvent.Status.DELIVERED)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
        .first()
    )


def stale_events(limit=500):
    """Pks of the events a lost message or exhausted retries left behind:
    pending for more than a minute, failed with no attempt for 15 minutes.
    Only the oldest undelivered event of each installation (the rest follow
    it in order). Empty while the outbox is not configured."""
    if not app_settings.OUTBOX_URL:
        return []
    now = timezone.now()
    minute, quarter = now - datetime.timedelta(minutes=1), now - datetime.timedelta(minutes=15)
    stale = (
        OutboxEvent.objects.filter(
            Q(status=OutboxEvent.Status.PENDING, created_at__lt=minute)
            & (Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lt=minute))
            | Q(status=OutboxEvent.Status.FAILED, last_attempt_at__lt=quarter)
        )
        .order_by("created_at", "pk")
        .values_list("pk", "ordering_key")[:limit]
    )
    seen, pks = set(), []
    for pk, key in stale:
        if key and key in seen:
            continue
        seen.add(key)
        pks.append(pk)
    return pks


def mark_pending(events):
    """Undelivered events among ``events`` set pending again; returns their pks."""
    pks = list(events.exclude(status=OutboxEvent.Status.DELIVERED).values_list("pk", flat=True))
    OutboxEvent.objects.filter(pk__in=pks).update(status=OutboxEvent.Status.PENDING)
    return pks
