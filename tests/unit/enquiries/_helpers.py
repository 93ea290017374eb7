"""What the request mail tests share: the Durand household, a request sent
as the form sends it, and a mail's greeting line."""

from typing import Any, NamedTuple

from aquatiris_portal.enquiries.services import submit_request
from aquatiris_portal.models import PortalRequest
from tests import factories


class Household(NamedTuple):
    client: Any  # Anne Durand on the client record, at its address
    owner: Any  # Paul Durand, who logs in with the client's address
    member: Any  # Claire Martin, a household member with her own login (None: no member)


def durand_household(*, member=True):
    durand = factories.client(first_name="Anne", last_name="Durand")
    paul = factories.client_user(durand, first_name="Paul", last_name="Durand")
    claire = factories.member(durand, first_name="Claire", last_name="Martin") if member else None
    return Household(durand, paul, claire)


# A question as the form sends one; send_request's keywords replace any of it.
QUESTION = {"kind": PortalRequest.Kind.QUESTION, "message": "Une question", "subject_label": "Question"}


def send_request(client, sender, **fields):
    """``sender`` (a person, or None) sends a request about a new installation of ``client``."""
    fields = {**QUESTION, "portal_settings": None, **fields}
    return submit_request(user=sender, client=client, installation=factories.installation(client=client), **fields)


def greeting(mail):
    """The first line of a mail's text: « Bonjour <name>, »."""
    return mail.body_text.splitlines()[0]
