"""``access.current_membership`` is asked a dozen times a page and answered
once per request and kind: a choice made in the request (« Choisir
l'espace ») or memberships read again are seen at once."""

import pytest
from django.utils import timezone

from aquatiris_portal import access
from aquatiris_portal.accounts.models import Membership
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_current_record_follows_the_choice_and_the_memberships_within_a_request():
    landlord = factories.client_user()
    first = Membership.objects.get(person=landlord)
    second = Membership.objects.create(person=landlord, role=Membership.Role.OWNER, client=factories.client())
    assert access.current_membership(landlord, "client") is None and access.needs_choice(landlord, "client")
    assert access.current_membership(landlord, "spanc") is None

    access.remember_choice(landlord, {"client": second.pk})
    assert access.current_membership(landlord, "client").pk == second.pk
    assert access.client_for(landlord) == second.client
    access.remember_choice(landlord, {"client": first.pk})
    assert access.current_membership(landlord, "client").pk == first.pk

    Membership.objects.filter(pk=first.pk).update(removed_at=timezone.now())
    access.forget_memberships(landlord)
    assert access.current_membership(landlord, "client").pk == second.pk  # the only one left


def test_asked_again_it_costs_no_query(django_assert_num_queries):
    person = factories.client_user()
    client = factories.client_of(person)
    with django_assert_num_queries(1):  # the memberships' one read
        answers = {access.current_membership(person, "client").client_id for _ in range(20)}
        assert access.current_membership(person, "spanc") is None
    assert answers == {client.pk}
