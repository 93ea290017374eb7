"""``lookup.account_of(record)`` with several people: the account of the
record's lead (its oldest active owner or manager), never a household
member's or an agent's however old, never a removed one's."""

import pytest

from aquatiris_portal.accounts.lookup import account_of
from aquatiris_portal.accounts.memberships import add_membership, remove_membership
from aquatiris_portal.models import Membership
from tests import factories

pytestmark = pytest.mark.django_db


def _lead(record):
    account = account_of(record)
    return account.user if account is not None else None


def test_a_client_with_an_owner_two_household_members_and_a_removed_one_gives_the_owners():
    client = factories.client()
    older_partner = factories.member(client)  # a member since before the owner's activation
    owner = factories.client_user(client)
    factories.member(client)
    gone = factories.member(client, role=Membership.Role.OWNER)
    remove_membership(Membership.objects.get(person=gone))
    assert older_partner.portal_memberships.get().pk < owner.portal_memberships.get().pk
    assert _lead(client) == owner


def test_with_its_owner_removed_a_client_has_no_lead_even_with_household_members():
    client = factories.client()
    owner = factories.client_user(client)
    factories.member(client)
    remove_membership(Membership.objects.get(person=owner))
    assert account_of(client) is None


def test_two_owners_give_the_oldest():
    client = factories.client()
    first = factories.client_user(client)
    second = factories.member(client, role=Membership.Role.OWNER)
    assert _lead(client) == first
    remove_membership(Membership.objects.get(person=first))
    assert _lead(client) == second


def test_a_spanc_gives_its_manager_never_an_agent():
    spanc = factories.spanc()
    agent = factories.member(spanc)
    manager = factories.spanc_user(spanc)
    assert _lead(spanc) == manager
    remove_membership(Membership.objects.get(person=manager))
    assert account_of(spanc) is None
    add_membership(agent, factories.spanc())  # an agent's other SPANC changes nothing here
    assert account_of(spanc) is None
