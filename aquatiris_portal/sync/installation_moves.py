"""An installation moved to another client by an import (a house sold: the
internal system answered ``handover_requested``). Access follows the
installation's client, so the seller's household loses it with the batch's
commit; here the seller is told, by one mail per move (its key), written in
the batch's transaction: the mail exists if and only if the move does."""

import logging

from django.utils import translation

from ..notifications.mail import queue_mail
from ..records.models import Client, Installation

logger = logging.getLogger(__name__)


def moved_installations(prepared, existing, written):
    """[(installation pk, old client pk, new client pk)] of the rows written."""
    return [
        (current["pk"], current["client_id"], values["client_id"])
        for item, values in prepared
        if item.rid in written
        and (current := existing.get(item.rid)) is not None
        and current["client_id"] != values["client_id"]
    ]


def tell_sellers(moves):
    installations = Installation.objects.in_bulk([pk for pk, _old, _new in moves])
    clients = Client.objects.in_bulk([old for _pk, old, _new in moves])
    with translation.override("fr"):
        for pk, old, new in moves:
            client, installation = clients.get(old), installations.get(pk)
            if client is None or installation is None:
                continue
            queue_mail(
                key=f"installation-moved:{pk}:{old}:{new}",
                to=[client.email],
                template="aquatiris_portal/mail/handover_done",
                context={"client": client, "installation": installation},
            )
            logger.info("Installation %s moved from client %s to client %s", pk, old, new)
