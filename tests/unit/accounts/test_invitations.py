"""« Personnes »: an owner or a SPANC manager invites a person by email, the
person accepts through a single-use link (72 h), an existing account
confirms while logged in (never merged), the cap and the throttle, and only
the lead invites or removes (accounts/invitations.py, people_views.py)."""

import datetime
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Site

from aquatiris_portal import access
from aquatiris_portal.accounts import invitations, presence
from aquatiris_portal.accounts.models import Invitation, Membership
from aquatiris_portal.conf import app_settings
from aquatiris_portal.models import OutgoingMail, SecurityEvent
from aquatiris_portal.pages.client_space import ClientSpacePage
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_auth_delay")]
PASSWORD = "correct-Horse-battery-9"
CLIENT_PEOPLE = reverse("aquatiris_portal:people", args=["client"])
SPANC_PEOPLE = reverse("aquatiris_portal:people", args=["spanc"])
ACCEPT = reverse("aquatiris_portal:invitation_accept")


@pytest.fixture(autouse=True)
def _empty_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def space():
    root = Site.objects.get(is_default_site=True).root_page
    return ClientSpacePage.objects.first() or root.add_child(
        instance=ClientSpacePage(title="Espace client", slug="espace-client")
    )


def _logged_in(user, otp=False):
    http = HttpClient()
    if otp:
        factories.otp_login(http, user)
    else:
        http.force_login(user)
    return http


def _invite(http, email, url=CLIENT_PEOPLE):
    return http.post(url, {"action": "invite", "email": email})


def _invitation_mail(email):
    mail = OutgoingMail.objects.get(key__startswith="invitation:", to=[email])
    match = re.search(r"https?://testserver(/\S+/invitation/lien/[^/\s]+/)", mail.body_text)
    assert match, mail.body_text
    return mail, match.group(1)


def _generated(response):
    match = re.search(r'id="aqp-generated-password"[^>]*>([^<]+)<', response.content.decode())
    assert match
    return match.group(1)


def _accept_with_new_password(http, link):
    response = http.get(link)
    assert response.status_code == 302 and "lien" not in response["Location"]
    page = http.get(ACCEPT)
    return http.post(
        ACCEPT,
        {"choice": "generated", "generated_password": _generated(page), "first_name": "Claire", "last_name": "Martin"},
    )


# --- the lifecycle ---------------------------------------------------------------------


def test_an_owner_invites_a_household_member_who_accepts_and_sees_the_space(space):
    client = factories.client(last_name="Quarantotto")
    owner = factories.client_user(client)
    factories.installation(client=client)
    response = _invite(_logged_in(owner), "Claire.Martin@Example.org")
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.client) == ("claire.martin@example.org", "household", client)
    mail, link = _invitation_mail("claire.martin@example.org")
    assert link.split("/")[-2] not in invitation.token_hash  # only the hash is stored
    assert mail.sensitive
    notice = OutgoingMail.objects.get(key__startswith="people:invited:")
    assert notice.to == [client.email]
    assert SecurityEvent.objects.filter(kind="person_invited", user=owner).count() == 1

    invited = HttpClient()
    response = _accept_with_new_password(invited, link)
    assert response.status_code == 302
    person = get_user_model().objects.get(username="claire.martin@example.org")
    assert person.get_full_name() == "Claire Martin"
    membership = Membership.objects.get(person=person)
    assert (membership.client, membership.role, membership.invited_by) == (client, "household", owner)
    assert invited.get(space.url).status_code == 200 and b"Quarantotto" in invited.get(space.url).content
    assert SecurityEvent.objects.filter(kind="person_joined", user=person).count() == 1
    assert OutgoingMail.objects.filter(key__startswith="people:joined:", to=[client.email]).count() == 1

    # The link works once.
    assert HttpClient().get(link).status_code == 410


def test_the_link_works_for_72_hours_not_73():
    client = factories.client()
    owner = factories.client_user(client)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _invite(_logged_in(owner), "late@example.org")
    _mail, link = _invitation_mail("late@example.org")
    with time_machine.travel(start + datetime.timedelta(hours=73), tick=False):
        assert HttpClient().get(link).status_code == 410
    with time_machine.travel(start + datetime.timedelta(hours=71, minutes=59), tick=False):
        assert HttpClient().get(link).status_code == 302


def test_the_cap_counts_people_and_waiting_invitations(settings):
    settings.AQUATIRIS_PORTAL_PEOPLE_PER_CLIENT = 3
    client = factories.client()
    owner = factories.client_user(client)
    factories.member(client)  # owner + one member: 2 of 3
    http = _logged_in(owner)
    assert _invite(http, "third@example.org").status_code == 302  # waiting: 3 of 3
    refused = _invite(http, "fourth@example.org")
    assert refused.status_code == 400
    assert not Invitation.objects.filter(email="fourth@example.org").exists()
    assert not OutgoingMail.objects.filter(to=["fourth@example.org"]).exists()
    # Cancelling the waiting invitation frees its place.
    http.post(CLIENT_PEOPLE, {"action": "cancel", "invitation": Invitation.objects.get().pk})
    assert _invite(http, "fourth@example.org").status_code == 302


def test_invitations_to_one_address_are_throttled_and_only_the_newest_link_works(settings):
    settings.AQUATIRIS_PORTAL_THROTTLE_RATES = {
        **app_settings.THROTTLE_RATES,
        "invitation": {"account": 2, "ip": 30, "minutes": 60},
    }
    client = factories.client()
    http = _logged_in(factories.client_user(client))
    assert _invite(http, "again@example.org").status_code == 302
    assert _invite(http, "again@example.org").status_code == 302
    assert _invite(http, "again@example.org").status_code == 400
    assert Invitation.objects.filter(email="again@example.org").count() == 2
    assert [i.pending() for i in Invitation.objects.order_by("pk")] == [False, True]


def test_an_existing_account_joins_only_after_confirming_logged_in_as_itself():
    landlord_client, client = factories.client(), factories.client()
    existing = factories.client_user(landlord_client)  # has an account and a space already
    owner = factories.client_user(client)
    _invite(_logged_in(owner), existing.email)
    mail, link = _invitation_mail(existing.email)
    assert "log in" in mail.body_text or "connect" in mail.body_text

    anonymous = HttpClient()
    anonymous.get(link)
    response = anonymous.get(ACCEPT)
    assert response.status_code == 302 and reverse("aquatiris_portal:login") in response["Location"]
    assert (
        anonymous.post(ACCEPT, {"choice": "generated", "generated_password": "Zz-9-long-enough-pass"}).status_code
        == 302
    )  # no password set for it, no account made
    assert not Membership.objects.filter(person=existing, client=client).exists()

    other = _logged_in(factories.client_user())
    other.get(link)
    assert other.post(ACCEPT).status_code == 403  # another account's session never accepts it
    assert not Membership.objects.filter(client=client, role="household").exists()

    mine = _logged_in(existing)
    mine.get(link)
    assert mine.get(ACCEPT).status_code == 200
    assert mine.post(ACCEPT).status_code == 302
    assert Membership.objects.get(person=existing, client=client).role == "household"
    assert get_user_model().objects.filter(username=existing.email).count() == 1


def test_a_household_member_or_an_agent_cannot_invite():
    client, spanc = factories.client(), factories.spanc()
    household, agent = factories.member(client), factories.member(spanc)
    http = _logged_in(household)
    assert http.get(CLIENT_PEOPLE).status_code == 403
    assert _invite(http, "friend@example.org").status_code == 403
    http = _logged_in(agent, otp=True)
    assert http.get(SPANC_PEOPLE).status_code == 403
    assert _invite(http, "friend@example.org", SPANC_PEOPLE).status_code == 403
    assert not Invitation.objects.exists()


def test_a_spanc_manager_invites_an_agent_who_owes_the_second_factor():
    spanc = factories.spanc(name="SPANC de Lannion")
    manager = factories.spanc_user(spanc)
    http = _logged_in(manager, otp=True)
    assert http.get(SPANC_PEOPLE).status_code == 200
    _invite(http, "agent@example.org", SPANC_PEOPLE)
    assert Invitation.objects.get().role == "agent"
    _mail, link = _invitation_mail("agent@example.org")
    response = _accept_with_new_password(HttpClient(), link)
    assert reverse("aquatiris_portal:otp_verify") in response["Location"]  # their own second factor first
    agent = get_user_model().objects.get(username="agent@example.org")
    assert Membership.objects.get(person=agent).role == "agent"
    assert access.spanc_for(agent) is None  # nothing before the second factor


# --- removal --------------------------------------------------------------------------


def test_a_removal_ends_access_at_once_and_the_last_record_s_sessions(space):
    client = factories.client(last_name="Quarantotto")
    owner = factories.client_user(client)
    household = factories.member(client)
    theirs = _logged_in(household)
    assert theirs.get(space.url).status_code == 200
    session_key = theirs.session.session_key
    page = _logged_in(owner).get(CLIENT_PEOPLE).content.decode()
    membership = Membership.objects.get(person=household)
    assert f'value="{membership.pk}"' in page
    response = _logged_in(owner).post(CLIENT_PEOPLE, {"action": "remove", "membership": membership.pk})
    assert response.status_code == 302
    assert b"Quarantotto" not in theirs.get(space.url).content
    assert not Session.objects.filter(session_key=session_key).exists()  # no other record: the session ends
    assert SecurityEvent.objects.filter(kind="person_removed", user=owner).count() == 1
    assert OutgoingMail.objects.filter(key__startswith="people:removed:", to=[client.email]).count() == 1


def test_a_removal_keeps_the_session_of_a_person_with_another_record():
    client, other = factories.client(), factories.client()
    owner = factories.client_user(client)
    household = factories.member(client)
    Membership.objects.create(person=household, client=other, role="household")
    theirs = _logged_in(household)
    theirs.get(reverse("aquatiris_portal:choose_space"))
    session_key = theirs.session.session_key
    invitations.remove(Membership.objects.get(person=household, client=client), by=owner)
    assert Session.objects.filter(session_key=session_key).exists()
    assert [m.client for m in access.memberships_for(get_user_model().objects.get(pk=household.pk))] == [other]


def test_the_lead_and_oneself_are_not_removed():
    client = factories.client()
    owner = factories.client_user(client)
    lead = Membership.objects.get(person=owner)
    with pytest.raises(invitations.InvitationRefused):
        invitations.remove(lead, by=owner)
    household = factories.member(client)
    with pytest.raises(invitations.InvitationRefused):
        invitations.remove(Membership.objects.get(person=household), by=household)
    assert Membership.objects.filter(client=client, removed_at__isnull=True).count() == 2


# --- « last came » -----------------------------------------------------------------------


def test_last_came_is_written_at_most_once_per_window(settings, space):
    settings.AQUATIRIS_PORTAL_LAST_SEEN_MINUTES = 15
    client = factories.client()
    household = factories.member(client)
    http = _logged_in(household)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        http.get(space.url)
    membership = Membership.objects.get(person=household)
    assert membership.last_seen_at == start
    with time_machine.travel(start + datetime.timedelta(minutes=10), tick=False):
        http.get(space.url)
    membership.refresh_from_db()
    assert membership.last_seen_at == start  # within the window: not written
    with time_machine.travel(start + datetime.timedelta(minutes=16), tick=False):
        http.get(space.url)
    membership.refresh_from_db()
    assert membership.last_seen_at == start + datetime.timedelta(minutes=16)
    assert presence.SESSION_KEY in http.session
