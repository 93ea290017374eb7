"""One login per person: the dashboard greets the person who logged in, not
the client record whose space it is. A household member is welcomed by her
own name; an owner who gave no name by the client's (the record is theirs);
a landlord in another client's space is never welcomed by that client's
name (by their own client's when they gave none); staff viewing as a client
see the client's name. A household member with one space is told whose
it is (no switcher: there is no other)."""

import re
from html import unescape

import pytest
from django.test import Client as HttpClient

from aquatiris_portal.accounts.memberships import add_membership, choose_record
from aquatiris_portal.models import Membership
from aquatiris_portal.pages.client_space import ClientSpacePage
from tests import factories
from tests.unit.accounts.test_view_as_client import editor, start

pytestmark = pytest.mark.django_db


@pytest.fixture
def space(wagtail_tree):
    return wagtail_tree.root_page.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))


def _heading(response):
    assert response.status_code == 200
    return " ".join(unescape(re.search(r"<h1>(.*?)</h1>", response.content.decode(), re.S).group(1)).split())


def _logged_in(user):
    http = HttpClient()
    http.force_login(user)
    return http


def test_a_household_member_is_welcomed_by_her_own_name(space):
    durand = factories.client(first_name="Anne", last_name="Durand")
    factories.installation(client=durand)
    claire = factories.member(durand, first_name="Claire", last_name="Martin")
    response = _logged_in(claire).get(space.url)
    assert _heading(response) == "Bienvenue, Claire Martin"
    whose = re.search(r'<p class="aqp-space-of">(.*?)</p>', response.content.decode(), re.S)
    assert whose and " ".join(unescape(whose.group(1)).split()) == "Espace de Anne Durand", whose


def test_an_owner_without_a_name_is_welcomed_by_the_client_s(space):
    durand = factories.client(first_name="Anne", last_name="Durand")
    factories.installation(client=durand)
    owner = factories.member(durand, role="owner")
    assert owner.get_full_name() == ""
    assert _heading(_logged_in(owner).get(space.url)) == "Bienvenue, Anne Durand"


def test_a_landlord_in_another_client_s_space_is_not_welcomed_by_that_client_s_name(space, rf):
    durand = factories.client(first_name="Anne", last_name="Durand")
    le_goff = factories.client(first_name="Maëlle", last_name="Le Goff")
    factories.installation(client=le_goff)
    landlord = factories.member(durand, role="owner")  # activated with Durand's code: no name of their own
    household = add_membership(landlord, le_goff, Membership.Role.HOUSEHOLD)
    http = _logged_in(landlord)
    session = http.session
    request = rf.get("/")
    request.user, request.session = landlord, session
    choose_record(request, household)
    session.save()
    heading = _heading(http.get(space.url))
    assert heading == "Bienvenue, Anne Durand", heading  # their own client's name, not Le Goff's


def test_staff_viewing_as_a_client_see_the_client_s_name(space, settings):
    client = factories.client(first_name="Camille", last_name="Testeur")
    settings.AQUATIRIS_PORTAL_VIEW_AS_TEST_CLIENTS = [client.external_id]
    factories.installation(client=client)
    _user, http = editor(first_name="Éric", last_name="Rédacteur")
    assert start(http, client).status_code == 302
    assert _heading(http.get(space.url)) == "Bienvenue, Camille Testeur"


def test_an_agent_with_one_spanc_is_told_whose_space_a_manager_is_not():
    from tests.unit._pro_space import pro_space_page

    pro_space = pro_space_page()
    spanc = factories.spanc(name="SPANC de Lannion")
    manager = factories.member(spanc, role="manager")
    agent = factories.member(spanc)
    for person, expected in ((agent, "Espace de SPANC de Lannion"), (manager, None)):
        http = HttpClient()
        factories.otp_login(http, person)
        response = http.get(pro_space.url)
        assert response.status_code == 200
        whose = re.search(r'<p class="aqp-space-of">(.*?)</p>', response.content.decode(), re.S)
        assert (" ".join(unescape(whose.group(1)).split()) if whose else None) == expected
