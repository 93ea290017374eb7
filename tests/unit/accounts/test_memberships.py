"""People, not records, log in: memberships (accounts/models.Membership).

The rules of the model (the migrations of the accounts' links into
memberships: test_account_links_migration.py), a removal that ends access
at the next request, a person with several clients
(« Choisir l'espace »), the sync's email moves (the owner follows, the others
not) and a house sold (nobody of the old client keeps it). The sharing rule
route by route is tests/unit/site/test_sharing_sweep.py.
"""

import pytest
from django.db import IntegrityError, transaction
from django.test import Client as HttpClient
from django.urls import reverse
from wagtail.models import Site

from aquatiris_portal import access
from aquatiris_portal.accounts import memberships
from aquatiris_portal.accounts.second_factor import requires_second_factor
from aquatiris_portal.models import Membership
from aquatiris_portal.pages.client_space import ClientSpacePage
from aquatiris_portal.records.signals import email_changed
from tests import factories

pytestmark = pytest.mark.django_db
LOGIN = reverse("aquatiris_portal:login")
CHOOSE = reverse("aquatiris_portal:choose_space")


@pytest.fixture
def space():
    root = Site.objects.get(is_default_site=True).root_page
    return root.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))


def _logged_in(user):
    http = HttpClient()
    http.force_login(user)
    return http


# --- the model's rules --------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"role": "owner"},  # no record
        {"role": "household", "both": True},  # a client and a SPANC
        {"role": "agent", "kind": "client"},  # a SPANC role on a client
        {"role": "owner", "kind": "spanc"},  # a client role on a SPANC
    ],
)
def test_a_membership_is_one_record_with_a_role_of_its_kind(fields):
    person, client, spanc = factories.user(), factories.client(), factories.spanc()
    records = {}
    if fields.get("both"):
        records = {"client": client, "spanc": spanc}
    elif fields.get("kind") == "client":
        records = {"client": client}
    elif fields.get("kind") == "spanc":
        records = {"spanc": spanc}
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(person=person, role=fields["role"], **records)


def test_one_active_membership_per_person_and_record_and_a_removed_one_stays():
    client = factories.client()
    person = factories.member(client)
    first = Membership.objects.get(person=person)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(person=person, client=client, role="household")
    assert memberships.add_membership(person, client) == first  # the helper gives the one there is
    assert memberships.remove_membership(first)
    again = memberships.add_membership(person, client, "household")
    assert again.pk != first.pk
    assert Membership.objects.filter(person=person).count() == 2  # the removed row kept for the trace


# --- access reads memberships ---------------------------------------------------------


def test_household_member_and_agent_reach_the_record_but_only_owner_registers_and_only_leads_manage():
    client, spanc = factories.client(), factories.spanc()
    owner, household = factories.client_user(client), factories.member(client)
    manager, agent = factories.spanc_user(spanc), factories.member(spanc)
    for user in (owner, household):
        assert access.client_for(user) == client
    for user in (manager, agent):
        factories.verified(user)
        assert access.spanc_for(user) == spanc
    assert access.may_register_warranty(owner) and not access.may_register_warranty(household)
    assert access.may_manage_people(owner, "client") and not access.may_manage_people(household, "client")
    assert access.may_manage_people(manager, "spanc") and not access.may_manage_people(agent, "spanc")


def test_an_agent_owes_the_second_factor_like_the_manager():
    spanc = factories.spanc()
    agent = factories.member(spanc)
    assert requires_second_factor(agent)
    assert access.spanc_for(agent) is None  # not verified yet: nothing


def test_a_removal_ends_access_at_the_next_request(space):
    client = factories.client(last_name="Quarantotto")
    installation = factories.installation(client=client)
    household = factories.member(client)
    http = _logged_in(household)
    url = space.url + space.reverse_subpage("installation", args=[installation.pk])
    assert http.get(url).status_code == 200
    memberships.remove_membership(Membership.objects.get(person=household))
    response = http.get(url)  # the same session, the very next request
    assert response.status_code != 200 or b"Quarantotto" not in response.content
    assert b"Quarantotto" not in response.content
    assert access.client_for(household) is None


def test_activation_makes_the_owner_membership():
    from aquatiris_portal.accounts import activation, tokens
    from aquatiris_portal.accounts.models import AccountToken

    client = factories.client()
    token, _raw = tokens.issue(AccountToken.Purpose.ACTIVATION, email=client.email, hours=1, client=client)
    user = activation.complete_activation(token, "correct-Horse-battery-9")
    membership = Membership.objects.get(person=user)
    assert (membership.client, membership.role, membership.removed_at) == (client, "owner", None)


# --- a landlord: several clients ------------------------------------------------------


def test_a_person_of_two_clients_chooses_the_space_and_pages_say_whose(space):
    martin = factories.client(last_name="Martin")
    durand = factories.client(last_name="Durand")
    martin_installation = factories.installation(client=martin, reference="AQ-MARTIN")
    durand_installation = factories.installation(client=durand, reference="AQ-DURAND")
    landlord = factories.client_user(martin)
    factories.member(durand, role="owner", email="other@example.org")
    Membership.objects.create(person=landlord, client=durand, role="owner")
    http = _logged_in(landlord)

    response = http.get(space.url)
    assert response.status_code == 302 and response["Location"].startswith(CHOOSE)
    page = http.get(CHOOSE)
    assert page.status_code == 200 and b"Martin" in page.content and b"Durand" in page.content

    durand_membership = Membership.objects.get(person=landlord, client=durand)
    chosen = http.post(CHOOSE, {"membership": durand_membership.pk, "next": space.url})
    assert chosen.status_code == 302 and chosen["Location"] == space.url
    dashboard = http.get(space.url)
    assert dashboard.status_code == 200
    assert b"AQ-DURAND" in dashboard.content and b"AQ-MARTIN" not in dashboard.content
    assert "Espace de " in dashboard.content.decode() and durand.full_name in dashboard.content.decode()
    installation_url = space.url + space.reverse_subpage("installation", args=[martin_installation.pk])
    assert http.get(installation_url).status_code == 404  # Martin's, while in Durand's space

    other_person_membership = Membership.objects.exclude(person=landlord).get(client=durand)
    assert http.post(CHOOSE, {"membership": other_person_membership.pk}).status_code == 400  # not theirs
    martin_membership = Membership.objects.get(person=landlord, client=martin)
    http.post(CHOOSE, {"membership": martin_membership.pk})
    assert http.get(space.url + space.reverse_subpage("installation", args=[martin_installation.pk])).status_code == 200
    assert http.get(space.url + space.reverse_subpage("installation", args=[durand_installation.pk])).status_code == 404


def test_a_person_with_one_space_is_not_told_whose_it_is(space):
    client = factories.client(last_name="Seul")
    factories.installation(client=client)
    response = _logged_in(factories.client_user(client)).get(space.url)
    assert response.status_code == 200 and "Espace de " not in response.content.decode()


# --- the sync: the record's email, a house sold ---------------------------------------


def test_an_email_change_moves_the_owner_login_and_leaves_the_household_alone():
    client = factories.client()
    owner = factories.client_user(client)
    household = factories.member(client, email="claire@example.org")
    old = client.email
    client.email = "nouvelle.adresse@example.org"
    client.save()
    email_changed.send(sender=type(client), record=client, old_email=old, new_email=client.email)
    owner.refresh_from_db()
    household.refresh_from_db()
    assert owner.email == owner.username == "nouvelle.adresse@example.org"
    assert household.email == household.username == "claire@example.org"
    assert set(Membership.objects.filter(client=client).values_list("person_id", "role")) == {
        (owner.pk, "owner"),
        (household.pk, "household"),
    }


def test_a_sold_house_leaves_the_old_clients_people(space):
    seller, buyer = factories.client(last_name="Vendeur"), factories.client(last_name="Acheteur")
    installation = factories.installation(client=seller)
    document = factories.document(installation, title="Plan Confidentiel", visible_to_client=True)
    seller_owner, seller_household = factories.client_user(seller), factories.member(seller)
    buyer_owner = factories.client_user(buyer)
    installation.client = buyer  # what the sync does when the house is sold
    installation.save()
    url = space.url + space.reverse_subpage("installation", args=[installation.pk])
    download = reverse("aquatiris_portal:document_download", args=[document.pk])
    for person in (seller_owner, seller_household):
        http = _logged_in(person)
        assert http.get(url).status_code == 404
        assert http.get(download).status_code == 404
    assert _logged_in(buyer_owner).get(url).status_code == 200
