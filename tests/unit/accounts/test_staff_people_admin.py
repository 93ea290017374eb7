"""« Personnes » in the Wagtail admin: customer service invites and removes
the people of a client or a SPANC through the owner's rules (cap, throttle,
single-use link, security log, notice to the owner or manager signed « un
conseiller Aquatiris »); editors and staff without the permission get no
link and 403; the lead is never removed there (accounts/staff_people_views.py)."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.shortcuts import resolve_url
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import Site

from aquatiris_portal.accounts.models import Invitation, Membership
from aquatiris_portal.accounts.staff_people_views import URL_NAME
from aquatiris_portal.backoffice.groups import CUSTOMER_SERVICE, EDITORS, ensure_groups
from aquatiris_portal.conf import app_settings
from aquatiris_portal.models import OutgoingMail, SecurityEvent
from aquatiris_portal.pages.client_space import ClientSpacePage
from tests import factories
from tests.unit.accounts.test_invitations import _accept_with_new_password, _invitation_mail

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_auth_delay")]
CLIENTS_INDEX = "aquatiris_portal_client_modeladmin_index"
SPANCS_INDEX = "aquatiris_portal_spanc_modeladmin_index"


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


@pytest.fixture
def household():
    """A client with its owner (the record's email) and one household member."""
    client = factories.client(last_name="Quarantotto")
    factories.installation(client=client)
    owner = factories.member(client, role=Membership.Role.OWNER, email=client.email, first_name="Anne")
    member = factories.member(client, first_name="Paul", last_name="Durand")
    return client, owner, member


def staff(group=CUSTOMER_SERVICE, otp=True):
    """A staff member of ``group`` (None: the admin only), logged in past the second factor."""
    ensure_groups()
    user = factories.user(is_staff=True, first_name="Sylvie", last_name="Conseil", email="sylvie.conseil@example.org")
    if group:
        user.groups.add(Group.objects.get(name=group))
    else:
        user.user_permissions.add(
            Permission.objects.get(codename="access_admin"), Permission.objects.get(codename="view_client")
        )
    http = HttpClient()
    if otp:
        factories.otp_login(http, user)
    else:
        http.force_login(user)
    return user, http


def url(record):
    return reverse(URL_NAME, args=["client" if hasattr(record, "first_name") else "spanc", record.pk])


def invite(http, record, email):
    return http.post(url(record), {"action": "invite", "email": email})


def stored():
    """What an invitation or a removal leaves behind."""
    return (
        Invitation.objects.count(),
        OutgoingMail.objects.count(),
        SecurityEvent.objects.filter(kind__startswith="person_").count(),
        Membership.objects.filter(removed_at__isnull=False).count(),
    )


def assert_names_no_staff(mail):
    for text in (mail.subject, mail.body_text, mail.body_html):
        assert "Sylvie" not in text and "Conseil " not in text and "sylvie.conseil" not in text


# --- invite ----------------------------------------------------------------------------


def test_staff_invites_a_household_member_who_accepts_and_sees_the_space(space, household):
    client, owner, _member = household
    user, http = staff()
    page = http.get(url(client))
    assert page.status_code == 200 and b"Quarantotto" in page.content
    response = invite(http, client, "Claire.Martin@Example.org")
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.client, invitation.invited_by) == (
        "claire.martin@example.org",
        "household",
        client,
        user,
    )
    mail, link = _invitation_mail("claire.martin@example.org")
    assert "Un conseiller Aquatiris" in mail.body_text
    assert_names_no_staff(mail)
    notice = OutgoingMail.objects.get(key__startswith="people:invited:")
    assert notice.to == [client.email]
    assert "Un conseiller Aquatiris a invité claire.martin@example.org" in notice.body_text
    assert_names_no_staff(notice)
    event = SecurityEvent.objects.get(kind="person_invited")
    assert (event.user, event.details["by"], event.details["record"]) == (user, "staff", client.external_id)

    invited = HttpClient()
    accepted = _accept_with_new_password(invited, link)
    assert accepted.status_code == 302
    membership = Membership.objects.get(person__username="claire.martin@example.org")
    assert (membership.client, membership.role) == (client, "household")
    shown = invited.get(space.url)
    assert shown.status_code == 200 and b"Quarantotto" in shown.content


def test_staff_invites_an_agent_for_a_spanc():
    spanc = factories.spanc(name="SPANC de Brocéliande")
    factories.member(spanc, role=Membership.Role.MANAGER, email=spanc.email)
    user, http = staff()
    assert invite(http, spanc, "agent@example.org").status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.role, invitation.spanc, invitation.client) == ("agent", spanc, None)
    notice = OutgoingMail.objects.get(key__startswith="people:invited:")
    assert notice.to == [spanc.email] and "Un conseiller Aquatiris" in notice.body_text
    assert SecurityEvent.objects.get(kind="person_invited").details["by"] == "staff"


def test_the_cap_refuses_with_a_clear_error_and_stores_nothing(settings, household):
    settings.AQUATIRIS_PORTAL_PEOPLE_PER_CLIENT = 3
    client, _owner, _member = household
    _user, http = staff()
    assert invite(http, client, "third@example.org").status_code == 302  # 3 of 3 with the waiting one
    before = stored()
    refused = invite(http, client, "fourth@example.org")
    assert refused.status_code == 400
    assert "déjà 3 personnes" in refused.content.decode()
    assert stored() == before


def test_the_throttle_refuses_with_a_clear_error(settings, household):
    settings.AQUATIRIS_PORTAL_THROTTLE_RATES = {
        **app_settings.THROTTLE_RATES,
        "invitation": {"account": 2, "ip": 30, "minutes": 60},
    }
    client, _owner, _member = household
    _user, http = staff()
    assert invite(http, client, "again@example.org").status_code == 302
    assert invite(http, client, "again@example.org").status_code == 302
    before = stored()
    refused = invite(http, client, "again@example.org")
    assert refused.status_code == 400 and "Trop d’invitations" in refused.content.decode()
    assert stored() == before


@pytest.mark.parametrize(
    ("typed", "message"),
    [("not an address", "adresse"), ("PAUL.member@example.org", "déjà accès")],
)
def test_a_bad_or_member_address_is_refused_and_nothing_stored(household, typed, message):
    client, _owner, member = household
    _user, http = staff()
    if "member" in typed:
        typed = member.email.upper()
    before = stored()
    refused = invite(http, client, typed)
    assert refused.status_code == 400
    assert message in refused.content.decode()
    assert stored() == before


def test_a_waiting_invitation_is_cancelled():
    client = factories.client()
    _user, http = staff()
    invite(http, client, "later@example.org")
    invitation = Invitation.objects.get()
    page = http.get(url(client)).content.decode()
    assert "later@example.org" in page and f'name="invitation" value="{invitation.pk}"' in page
    assert http.post(url(client), {"action": "cancel", "invitation": invitation.pk}).status_code == 302
    invitation.refresh_from_db()
    assert not invitation.pending()


# --- remove ----------------------------------------------------------------------------


def test_staff_removes_a_person_whose_open_session_stops_at_once(space, household):
    client, _owner, member = household
    person = HttpClient()
    person.force_login(member)
    assert person.get(space.url).status_code == 200
    user, http = staff()
    membership = Membership.objects.get(person=member)
    assert http.post(url(client), {"action": "remove", "membership": membership.pk}).status_code == 302

    membership.refresh_from_db()
    assert membership.removed_at is not None
    after = person.get(space.url)
    assert after.status_code in (302, 403) and b"Quarantotto" not in after.content
    assert not any(s.get_decoded().get("_auth_user_id") == str(member.pk) for s in Session.objects.all())
    event = SecurityEvent.objects.get(kind="person_removed")
    assert (event.user, event.details["by"], event.details["person"]) == (user, "staff", member.pk)
    notice = OutgoingMail.objects.get(key__startswith="people:removed:")
    assert notice.to == [client.email] and "Un conseiller Aquatiris a retiré" in notice.body_text
    assert_names_no_staff(notice)
    # A second click changes nothing more.
    http.post(url(client), {"action": "remove", "membership": membership.pk})
    assert SecurityEvent.objects.filter(kind="person_removed").count() == 1
    assert OutgoingMail.objects.filter(key__startswith="people:removed:").count() == 1


def test_the_lead_has_no_remove_button_and_a_post_is_refused(household):
    client, owner, member = household
    _user, http = staff()
    lead = Membership.objects.get(person=owner)
    page = http.get(url(client)).content.decode()
    assert f'name="membership" value="{lead.pk}"' not in page
    assert f'name="membership" value="{Membership.objects.get(person=member).pk}"' in page
    before = stored()
    response = http.post(url(client), {"action": "remove", "membership": lead.pk}, follow=True)
    assert "ne peut pas" in response.content.decode() or "pas retiré" in response.content.decode()
    lead.refresh_from_db()
    assert lead.removed_at is None and stored() == before


# --- who may ---------------------------------------------------------------------------


def test_customer_service_sees_the_people_button_on_rows_and_inspect_pages(household):
    client, _owner, _member = household
    spanc = factories.spanc()
    _user, http = staff()
    assert url(client) in http.get(reverse(CLIENTS_INDEX)).content.decode()
    inspect = reverse("aquatiris_portal_client_modeladmin_inspect", args=[client.pk])
    assert url(client) in http.get(inspect).content.decode()
    assert url(spanc) in http.get(reverse(SPANCS_INDEX)).content.decode()


def test_the_groups_give_the_permission_to_customer_service_only():
    editors, service = ensure_groups()
    assert service.permissions.filter(codename="manage_record_people").exists()
    assert not editors.permissions.filter(codename="manage_record_people").exists()


@pytest.mark.parametrize("group", [EDITORS, None])
def test_without_the_permission_no_link_and_403(household, group):
    client, _owner, member = household
    _user, http = staff(group)
    index = http.get(reverse(CLIENTS_INDEX))  # editors may not even list clients
    assert url(client) not in index.content.decode()
    assert http.get(url(client)).status_code == 403
    before = stored()
    assert invite(http, client, "someone@example.org").status_code == 403
    membership = Membership.objects.get(person=member)
    assert http.post(url(client), {"action": "remove", "membership": membership.pk}).status_code == 403
    assert stored() == before


def test_anonymous_goes_to_the_admin_login(household, settings):
    client, _owner, _member = household
    response = HttpClient().get(url(client))
    login = resolve_url(getattr(settings, "WAGTAILADMIN_LOGIN_URL", "wagtailadmin_login"))  # the admin's login door
    assert response.status_code == 302 and response["Location"].startswith(login + "?next=")
    assert HttpClient().post(url(client), {"action": "invite", "email": "x@example.org"}).status_code == 302
    assert not Invitation.objects.exists()


def test_staff_before_the_second_factor_get_nothing(household):
    client, _owner, _member = household
    _user, http = staff(otp=False)
    response = http.get(url(client))
    assert response.status_code != 200 and b"Quarantotto" not in response.content
    before = stored()
    assert invite(http, client, "x@example.org").status_code != 200
    assert stored() == before


@pytest.mark.parametrize("typed", ["9" * 30, "-1", "abc", "", "1e3"])
def test_a_forged_row_id_is_a_404_and_changes_nothing(household, typed):
    client, _owner, _member = household
    _user, http = staff()
    before = stored()
    assert http.post(url(client), {"action": "remove", "membership": typed}).status_code == 404
    assert http.post(url(client), {"action": "cancel", "invitation": typed}).status_code == 404
    assert stored() == before


def test_a_get_changes_nothing(household):
    client, _owner, member = household
    _user, http = staff()
    membership = Membership.objects.get(person=member)
    before = stored()
    http.get(url(client), {"action": "remove", "membership": membership.pk})
    http.get(url(client), {"action": "invite", "email": "x@example.org"})
    assert stored() == before


def test_the_page_runs_the_same_queries_for_one_or_many_people(settings):
    settings.AQUATIRIS_PORTAL_PEOPLE_PER_CLIENT = 30
    client = factories.client()
    factories.member(client, role=Membership.Role.OWNER, email=client.email)
    _user, http = staff()
    http.get(url(client))
    with CaptureQueriesContext(connection) as few:
        http.get(url(client))
    for index in range(10):
        factories.member(client)
        invite(http, client, f"waiting{index}@example.org")
    with CaptureQueriesContext(connection) as many:
        assert http.get(url(client)).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_mails_are_in_the_site_language_whatever_the_staff_admin_language(household):
    from wagtail.users.models import UserProfile

    client, _owner, _member = household
    user, http = staff()
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"  # Wagtail renders this staff member's admin in English
    profile.save()
    assert invite(http, client, "claire@example.org").status_code == 302
    notice = OutgoingMail.objects.get(key__startswith="people:invited:")
    assert "Un conseiller Aquatiris a invité claire@example.org" in notice.body_text
    assert "Bonjour" in OutgoingMail.objects.get(to=["claire@example.org"]).body_text
