"""Migration 0042, run for real on the test database (back to 0041 and
forward again): every membership starts from its person's account (previous
and last visit), so nobody gains or loses a « Nouveau » mark on deploy, and
going back leaves the accounts and memberships as they were."""

import importlib

import pytest
from django.utils import timezone

from aquatiris_portal.models import Membership, PortalAccount
from tests import factories
from tests.unit._migrations import APP, migrate, migrate_to_latest

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = (APP, "0041_installation_autovacuum")
MARKS = (APP, "0042_membership_visit_marks")


def _marks():
    return {
        (person, record): (previous, started)
        for person, record, previous, started in Membership.objects.values_list(
            "person_id", "pk", "previous_visit_at", "visit_started_at"
        )
    }


def test_0042_seeds_each_membership_from_its_person_s_account_and_goes_back_cleanly():
    now = timezone.now()
    previous, last = now - timezone.timedelta(days=9), now - timezone.timedelta(hours=2)
    landlord, agent, newcomer, no_account = (factories.user() for _ in range(4))
    first_home, second_home = factories.client(), factories.client()
    spanc = factories.spanc()
    try:
        old = migrate(BEFORE)
        Account = old.get_model(APP, "PortalAccount")
        OldMembership = old.get_model(APP, "Membership")
        Account.objects.create(user_id=landlord.pk, previous_visit_at=previous, last_visit_at=last)
        Account.objects.create(user_id=agent.pk, previous_visit_at=None, last_visit_at=last)
        Account.objects.create(user_id=newcomer.pk)  # activated, never logged in
        rows = [
            (landlord, {"client_id": first_home.pk}, "owner"),
            (landlord, {"client_id": second_home.pk}, "owner"),
            (agent, {"spanc_id": spanc.pk}, "agent"),
            (newcomer, {"client_id": second_home.pk}, "household"),
            (no_account, {"client_id": first_home.pk}, "household"),
        ]
        for person, record, role in rows:
            OldMembership.objects.create(person_id=person.pk, role=role, **record)
        accounts_before = set(Account.objects.values_list("user_id", "previous_visit_at", "last_visit_at"))

        new = migrate(MARKS)
        marks = _marks()
        by_person = {}
        for (person, _pk), mark in marks.items():
            by_person.setdefault(person, set()).add(mark)
        assert by_person == {
            landlord.pk: {(previous, last)},  # both of the landlord's records
            agent.pk: {(None, last)},
            newcomer.pk: {(None, None)},
            no_account.pk: {(None, None)},
        }
        assert Membership.objects.count() == 5

        # The data step again: the same seeds (it reads the accounts only).
        importlib.import_module(f"{APP}.migrations.{MARKS[1]}").seed_from_accounts(new, None)
        assert _marks() == marks

        old = migrate(BEFORE)
        assert (
            set(
                old.get_model(APP, "PortalAccount").objects.values_list("user_id", "previous_visit_at", "last_visit_at")
            )
            == accounts_before
        )
        assert old.get_model(APP, "Membership").objects.count() == 5
        assert "visit_started_at" not in {f.name for f in old.get_model(APP, "Membership")._meta.get_fields()}

        migrate_to_latest()
        assert _marks() == marks  # forward again: the same seeds
        assert PortalAccount.objects.count() == 3
    finally:
        migrate_to_latest()
