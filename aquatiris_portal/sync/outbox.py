"""Write events for the internal system (docs/exchange-format.md, outbox).

Call ``record_event`` inside the transaction of the change it reports: the
event exists if and only if the change was committed.
"""

import logging

from django.db import transaction

from .models import OutboxEvent

logger = logging.getLogger(__name__)


def record_event(kind, payload, *, installation=None):
    event = OutboxEvent.objects.create(
        kind=kind,
        payload=payload,
        ordering_key=f"installation:{installation.external_id}" if installation is not None else "",
    )
    transaction.on_commit(lambda: _enqueue(event.pk))
    return event


def _enqueue(pk):
    try:
        # Late: declaring the actors needs the broker, set up after the apps load (this module is imported earlier).
        from .tasks import deliver_outbox_event

        deliver_outbox_event.send(pk)
    except Exception:  # broker down: the periodic sweep delivers it later
        logger.exception("Could not enqueue outbox event %s; it stays pending", pk)
