"""The copy of a request mailed to the client greets the person who logs in
with the address it goes to (one login per person); an address nobody logs
in with keeps the names the request holds."""

import pytest

from aquatiris_portal.enquiries.services import submit_request
from aquatiris_portal.models import OutgoingMail, PortalRequest
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("portal_public_url")]


def _copy(client, sender):
    portal_request = submit_request(
        user=sender,
        client=client,
        installation=factories.installation(client=client),
        kind=PortalRequest.Kind.QUESTION,
        message="Une question",
        subject_label="Question",
        portal_settings=None,
    )
    return OutgoingMail.objects.get(key=f"request:{portal_request.reference}:client_copy")


def _greeting(mail):
    return mail.body_text.splitlines()[0]


def test_a_copy_sent_by_a_household_member_greets_her_at_her_own_address():
    durand = factories.client(first_name="Anne", last_name="Durand")
    factories.client_user(durand, first_name="Paul", last_name="Durand")
    claire = factories.member(durand, first_name="Claire", last_name="Martin")

    mail = _copy(durand, claire)

    assert mail.to == [claire.email]  # the copy goes to whoever sent it (test_request_copy_to_sender.py)
    assert _greeting(mail).endswith(" Claire Martin,")  # not the names the request was sent with


def test_an_owner_without_names_is_greeted_by_the_client_s():
    leroy = factories.client(first_name="Jeanne", last_name="Leroy")
    nameless = factories.client_user(leroy)

    assert _greeting(_copy(leroy, nameless)).endswith(" Jeanne Leroy,")


def test_an_address_nobody_logs_in_with_keeps_the_names_of_the_request():
    client = factories.client(first_name="Louis", last_name="Petit")

    mail = _copy(client, factories.user(is_staff=True))

    assert mail.to == [client.email]
    assert _greeting(mail).endswith(" Louis Petit,")
