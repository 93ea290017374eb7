"""The copy of a request mailed to the client greets the person who logs in
with the address it goes to (one login per person); an address nobody logs
in with keeps the names the request holds."""

import pytest

from aquatiris_portal.models import OutgoingMail
from tests import factories
from tests.unit.enquiries._helpers import durand_household, greeting, send_request

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("portal_public_url")]


def _copy(client, sender):
    portal_request = send_request(client, sender)
    return OutgoingMail.objects.get(key=f"request:{portal_request.reference}:client_copy")


def test_a_copy_sent_by_a_household_member_greets_her_at_her_own_address():
    durand, _paul, claire = durand_household()

    mail = _copy(durand, claire)

    assert mail.to == [claire.email]  # the copy goes to whoever sent it (test_request_copy_to_sender.py)
    assert greeting(mail).endswith(" Claire Martin,")  # not the names the request was sent with


def test_an_owner_without_names_is_greeted_by_the_client_s():
    leroy = factories.client(first_name="Jeanne", last_name="Leroy")
    nameless = factories.client_user(leroy)

    assert greeting(_copy(leroy, nameless)).endswith(" Jeanne Leroy,")


def test_an_address_nobody_logs_in_with_keeps_the_names_of_the_request():
    client = factories.client(first_name="Louis", last_name="Petit")

    mail = _copy(client, factories.user(is_staff=True))

    assert mail.to == [client.email]
    assert greeting(mail).endswith(" Louis Petit,")
