"""The migrations between PortalAccount's own client/SPANC links and
memberships, run for real on the test database (the schema goes back and
comes forward again): 0033 made the memberships from the links, 0039 makes
any still missing and drops the links, and going back refills them."""

import datetime
import importlib

import pytest
from django.utils import timezone

from aquatiris_portal.models import Membership, PortalAccount
from tests import factories
from tests.unit._migrations import APP, migrate, migrate_to_latest

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_MEMBERSHIPS = (APP, "0032_memberships")
MEMBERSHIPS = (APP, "0033_memberships_from_accounts")
BEFORE_REMOVAL = (APP, "0038_outbox_proof_event_kinds")


def _memberships():
    return set(Membership.objects.values_list("person_id", "client_id", "spanc_id", "role", "removed_at"))


def test_0033_turns_every_account_link_into_its_owner_or_manager_membership_once():
    """Each account's client becomes an owner membership, its SPANC a manager
    one (an account with both gets both), since its activation; a second run
    adds nothing; going back removes exactly those."""
    client, spanc, both_client, both_spanc = (
        factories.client(),
        factories.spanc(),
        factories.client(),
        factories.spanc(),
    )
    owner, manager, both, lone, household = (factories.user() for _ in range(5))
    activated = timezone.now() - datetime.timedelta(days=30)
    try:
        old = migrate(BEFORE_MEMBERSHIPS)
        Account = old.get_model(APP, "PortalAccount")
        Account.objects.create(user_id=owner.pk, client_id=client.pk, activated_at=activated)
        Account.objects.create(user_id=manager.pk, spanc_id=spanc.pk, activated_at=activated)
        Account.objects.create(user_id=both.pk, client_id=both_client.pk, spanc_id=both_spanc.pk)
        Account.objects.create(user_id=lone.pk)
        Account.objects.create(user_id=household.pk)
        old.get_model(APP, "Membership").objects.create(person_id=household.pk, client_id=client.pk, role="household")

        new = migrate(MEMBERSHIPS)
        made = _memberships()
        assert made == {
            (owner.pk, client.pk, None, "owner", None),
            (manager.pk, None, spanc.pk, "manager", None),
            (both.pk, both_client.pk, None, "owner", None),
            (both.pk, None, both_spanc.pk, "manager", None),
            (household.pk, client.pk, None, "household", None),
        }
        # values_list: the model's later columns are not there yet at 0033.
        assert Membership.objects.filter(person=owner).values_list("created_at", flat=True).get() == activated

        importlib.import_module(f"{APP}.migrations.{MEMBERSHIPS[1]}").forwards(new, None)
        assert _memberships() == made

        migrate(BEFORE_MEMBERSHIPS)
        assert _memberships() == {(household.pk, client.pk, None, "household", None)}
        assert PortalAccount.objects.count() == 5  # the accounts themselves untouched
    finally:
        migrate_to_latest()


def test_0039_keeps_every_link_as_a_membership_and_going_back_refills_the_links():
    """An account whose client link was written after 0033, with no
    membership, gets its owner membership before the column goes; one that
    has it gets no second. Back to 0038, each account's link is its oldest
    active lead membership: a landlord's first client, nobody's household
    or removed membership."""
    linked_only, house, landlord_first, landlord_second, left = (factories.client() for _ in range(5))
    spanc = factories.spanc()
    newcomer, manager, partner, landlord, gone = (factories.user() for _ in range(5))
    activated = timezone.now() - datetime.timedelta(days=3)
    try:
        old = migrate(BEFORE_REMOVAL)
        Account = old.get_model(APP, "PortalAccount")
        OldMembership = old.get_model(APP, "Membership")
        Account.objects.create(user_id=newcomer.pk, client_id=linked_only.pk, activated_at=activated)
        Account.objects.create(user_id=manager.pk, spanc_id=spanc.pk, activated_at=activated)
        OldMembership.objects.create(person_id=manager.pk, spanc_id=spanc.pk, role="manager")
        Account.objects.create(user_id=partner.pk)
        OldMembership.objects.create(person_id=partner.pk, client_id=house.pk, role="household")

        migrate_to_latest()
        made = _memberships()
        assert made == {
            (newcomer.pk, linked_only.pk, None, "owner", None),
            (manager.pk, None, spanc.pk, "manager", None),
            (partner.pk, house.pk, None, "household", None),
        }
        assert Membership.objects.get(person=newcomer).created_at == activated
        assert not hasattr(PortalAccount, "client") and not hasattr(PortalAccount, "spanc")

        PortalAccount.objects.create(user=landlord)
        Membership.objects.create(person=landlord, client=landlord_first, role="owner")
        Membership.objects.create(person=landlord, client=landlord_second, role="owner")
        PortalAccount.objects.create(user=gone)
        Membership.objects.create(person=gone, client=left, role="owner", removed_at=timezone.now())
        made = _memberships()

        old = migrate(BEFORE_REMOVAL)
        rows = old.get_model(APP, "PortalAccount").objects.values_list("user_id", "client_id", "spanc_id")
        links = {user: (client, spanc_id) for user, client, spanc_id in rows}
        assert links == {
            newcomer.pk: (linked_only.pk, None),
            manager.pk: (None, spanc.pk),
            partner.pk: (None, None),
            landlord.pk: (landlord_first.pk, None),
            gone.pk: (None, None),
        }
        assert _memberships() == made  # going back removes no membership

        migrate_to_latest()
        assert _memberships() == made  # and forward again adds none
    finally:
        migrate_to_latest()
