"""Cancelling a waiting invitation is logged in the security log: by the
owner from « Personnes », by staff from the admin's « Personnes »; a
second cancel of the same invitation logs nothing more."""

import pytest
from django.core.cache import cache

from aquatiris_portal.accounts import invitations
from aquatiris_portal.accounts.models import Invitation
from aquatiris_portal.models import SecurityEvent
from aquatiris_portal.security_log import Kind
from tests import factories
from tests.unit.accounts.test_invitations import CLIENT_PEOPLE, _invite, _logged_in
from tests.unit.accounts.test_staff_people_admin import invite, staff, url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_auth_delay")]


@pytest.fixture(autouse=True)
def _empty_throttle():
    cache.clear()
    yield
    cache.clear()


def _cancellations():
    return list(SecurityEvent.objects.filter(kind=Kind.INVITATION_CANCELLED))


def test_the_owner_cancelling_an_invitation_is_logged():
    client = factories.client()
    owner = factories.client_user(client)
    http = _logged_in(owner)
    assert _invite(http, "later@example.org").status_code == 302
    invitation = Invitation.objects.get()

    assert http.post(CLIENT_PEOPLE, {"action": "cancel", "invitation": invitation.pk}).status_code == 302

    [event] = _cancellations()
    assert event.user == owner
    assert event.details["record"] == client.external_id and event.details["invitation"] == invitation.pk
    assert event.details["by"] == "member"
    assert not invitations.revoke(invitation, by=owner)  # already cancelled: nothing more logged
    assert len(_cancellations()) == 1


def test_staff_cancelling_an_invitation_is_logged():
    client = factories.client()
    user, http = staff()
    invite(http, client, "later@example.org")
    invitation = Invitation.objects.get()

    assert http.post(url(client), {"action": "cancel", "invitation": invitation.pk}).status_code == 302

    [event] = _cancellations()
    assert event.user == user and event.details["by"] == "staff"
    assert event.details["record_type"] == "client" and event.details["record"] == client.external_id
