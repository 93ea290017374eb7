"""On PostgreSQL the rows a batch COPYs straight into their table have their
foreign keys checked as the COPY ends (``rows.RowWriter.create``), while
the importer prepares the next batch, not at the commit where it would
wait idle; the transaction defers its checks again afterwards, as Django
declares them, and a savepoint rolled back restores that too."""

import pytest
from django.db import IntegrityError, connection, transaction

from aquatiris_portal.records.models import Client, Installation
from aquatiris_portal.sync.mapping import FIELDS
from aquatiris_portal.sync.rows import RowWriter

pytestmark = pytest.mark.integration


def _installation_row(rid, client_pk):
    return {
        "external_id": rid,
        "sync_hash": "h",
        "client_id": client_pk,
        "franchisee_id": None,
        "spanc_id": None,
        "reference": rid,
        "label": "",
        "installed_on": None,
        "stage": "study",
        "serial_number": "",
        "address_line1": "",
        "address_line2": "",
        "postcode": "",
        "city": "",
        "client_sort_name": "",
        "search_words": "",
        "maintenance_contract_status": "",
        "maintenance_contract_until": None,
        "maintenance_contract_every_months": None,
    }


def _deferred_violations_raise_at_the_end():
    """True if a row naming no client is accepted until the checks run (deferred mode)."""
    with connection.cursor() as cursor:
        cursor.execute("SAVEPOINT probe")
        try:
            cursor.execute("UPDATE aquatiris_portal_installation SET client_id = -1 WHERE external_id = %s", ["I-ok"])
        except IntegrityError:
            cursor.execute("ROLLBACK TO SAVEPOINT probe")
            return False
        try:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        except IntegrityError:
            cursor.execute("ROLLBACK TO SAVEPOINT probe")
            return True
        raise AssertionError("the row naming no client was never refused")


@pytest.mark.django_db
def test_the_copy_checks_its_foreign_keys_itself(postgres):
    assert connection.vendor == "postgresql"
    writer = RowWriter(Installation, FIELDS["installation"], lambda: None)
    with pytest.raises(IntegrityError), transaction.atomic():
        writer.create([_installation_row("I-orphan", -1)])  # no client -1: refused by the COPY, not later
    assert not Installation.objects.filter(external_id="I-orphan").exists()


@pytest.mark.django_db
def test_after_the_copy_checks_wait_for_the_commit_again(postgres):
    client = Client.objects.create(external_id="C-1", code="CLI-1", last_name="Durand", email="a@example.org")
    writer = RowWriter(Installation, FIELDS["installation"], lambda: None)
    with transaction.atomic():
        writer.create([_installation_row("I-ok", client.pk)])
    assert Installation.objects.get(external_id="I-ok").client_id == client.pk
    assert _deferred_violations_raise_at_the_end()


@pytest.mark.django_db
def test_a_refused_copy_leaves_the_checks_deferred(postgres):
    client = Client.objects.create(external_id="C-1", code="CLI-1", last_name="Durand", email="a@example.org")
    writer = RowWriter(Installation, FIELDS["installation"], lambda: None)
    with transaction.atomic():
        writer.create([_installation_row("I-ok", client.pk)])
    with pytest.raises(IntegrityError), transaction.atomic():
        writer.create([_installation_row("I-orphan", -1)])
    assert _deferred_violations_raise_at_the_end()
