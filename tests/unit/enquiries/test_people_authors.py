"""Each of a record's people signs what they send: their own name in the
thread (« Claire Martin », not the record's name), and ``sent_by`` (name,
email) on the outbox events of a request and of each message
(enquiries/authors.py, threads.post_message)."""

import pytest
from django.test import Client as HttpClient
from wagtail.models import Site

from aquatiris_portal.enquiries import threads
from aquatiris_portal.enquiries.services import submit_request
from aquatiris_portal.models import OutboxEvent, PortalRequest, RequestSubject
from aquatiris_portal.pages.client_space import ClientSpacePage
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def space():
    root = Site.objects.get(is_default_site=True).root_page
    return ClientSpacePage.objects.first() or root.add_child(
        instance=ClientSpacePage(title="Espace client", slug="espace-client")
    )


def _request(client, user):
    installation = factories.installation(client=client)
    subject = RequestSubject.objects.create(name="Panne", is_after_sales=True)
    return submit_request(
        user=user,
        client=client,
        installation=installation,
        kind=PortalRequest.Kind.AFTER_SALES,
        message="Le voyant clignote",
        subject=subject,
        portal_settings=None,
    )


def test_two_people_of_one_client_sign_their_own_messages_in_the_thread_and_the_outbox(space):
    client = factories.client(first_name="Anne", last_name="Durand")
    owner = factories.client_user(client)  # activated without a name of their own: the client's name
    claire = factories.member(client, first_name="Claire", last_name="Martin")
    nameless = factories.member(client)
    portal_request = _request(client, owner)
    posted = [
        threads.post_message(
            portal_request, role="client", channel="client_space", body=body, user=user, author_name=client.full_name
        )
        for body, user in (("Alors ?", owner), ("Toujours rien", claire), ("Et moi", nameless))
    ]
    # The record's name is the owner's only: never on a household member's message.
    assert [m.author_name for m in posted] == [client.full_name, "Claire Martin", nameless.email]

    events = OutboxEvent.objects.filter(kind="request_message_posted").order_by("pk")
    assert [event.payload["sent_by"] for event in events] == [
        {"name": client.full_name, "email": owner.email},
        {"name": "Claire Martin", "email": claire.email},
        {"name": nameless.email, "email": nameless.email},
    ]
    assert OutboxEvent.objects.get(kind="request_submitted").payload["sent_by"] == {
        "name": client.full_name,
        "email": owner.email,
    }

    # In the thread, each person reads « You » on their own messages and the other's name on the others'.
    http = HttpClient()
    http.force_login(claire)
    page = http.get(space.url + space.reverse_subpage("request_detail", args=[portal_request.reference]))
    html = page.content.decode()
    assert page.status_code == 200
    assert f"<strong>{client.full_name} (" in html
    assert "Claire Martin" not in html  # hers: « You »
    assert f"<strong>{nameless.email} (" in html
