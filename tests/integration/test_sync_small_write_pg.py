"""On PostgreSQL a few rows to upsert (a push's changes) go by one INSERT of
their values (``rows.SMALL_WRITE``), without the temporary table a large
batch is copied into: they reach the table exactly as the COPY path writes
them, and no temporary table is created for them."""

import datetime

import pytest
from django.db import connection, transaction

from aquatiris_portal.records.models import Client, Franchisee, Installation
from aquatiris_portal.sync import rows
from aquatiris_portal.sync.mapping import FIELDS
from aquatiris_portal.sync.rows import RowWriter

pytestmark = pytest.mark.integration

SPECIAL = "\t\n\r\\\b\f\v\x1b\x7f\u2028 .,;'\"{}[]%s%%éÉœçÆß€😀\u0301"


def _temp_tables():
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relname LIKE 'aqp_sync_%%' AND relpersistence = 't'")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db
def test_a_few_rows_are_upserted_without_a_temporary_table(postgres):
    writer = RowWriter(Franchisee, FIELDS["franchisee"])
    row = {"external_id": "F-1", "sync_hash": "a", "company": "A", "first_name": "", "last_name": "", "email": ""}
    with transaction.atomic():
        writer.write([row, {**row, "external_id": "F-2"}])
        writer.write([{**row, "company": "B"}])  # the upsert: F-1 updated
    assert _temp_tables() == []
    assert dict(Franchisee.objects.values_list("external_id", "company")) == {"F-1": "B", "F-2": "A"}


@pytest.mark.django_db
def test_a_few_rows_reach_the_table_as_the_copy_path_writes_them(postgres, monkeypatch):
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hypothesis_settings
    from hypothesis import strategies as st

    client = Client.objects.create(external_id="C-1", code="CLI-1", last_name="Durand", email="a@example.org")
    writer = RowWriter(Installation, FIELDS["installation"])
    texts = st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"], exclude_characters="\x00")
        | st.sampled_from(SPECIAL),
        max_size=40,
    )
    dates = st.none() | st.dates(datetime.date(1900, 1, 1), datetime.date(2100, 12, 31))
    months = st.none() | st.integers(1, 120)
    names = [f.attname for f in writer.fields]

    def written(ids):
        found = {row[0]: row for row in Installation.objects.filter(external_id__in=ids).values_list(*names)}
        return [found[rid][1:] for rid in ids]

    @hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(st.tuples(texts, texts, dates, months), min_size=1, max_size=4), st.booleans())
    def check(drawn, update):
        def row(rid, label, city, installed_on, every):
            return {
                "external_id": rid,
                "sync_hash": "h",
                "client_id": client.pk,
                "franchisee_id": None,
                "spanc_id": None,
                "reference": rid,
                "label": label[:200],
                "installed_on": installed_on,
                "stage": "study",
                "serial_number": "",
                "address_line1": label,
                "address_line2": "",
                "postcode": "",
                "city": city[:120],
                "client_sort_name": city[:200],
                "search_words": label,
                "maintenance_contract_status": "",
                "maintenance_contract_until": installed_on,
                "maintenance_contract_every_months": every,
            }

        small = [row(f"S-{n}", *values) for n, values in enumerate(drawn)]
        large = [row(f"L-{n}", *values) for n, values in enumerate(drawn)]
        with transaction.atomic():
            if update:  # the rows exist: the upsert's update
                writer.write([{**r, "label": "old"} for r in small])
                monkeypatch.setattr(rows, "SMALL_WRITE", 0)
                writer.write([{**r, "label": "old"} for r in large])
                monkeypatch.setattr(rows, "SMALL_WRITE", 50)
            writer.write(small)
            monkeypatch.setattr(rows, "SMALL_WRITE", 0)  # the COPY into the temporary table
            writer.write(large)
            monkeypatch.setattr(rows, "SMALL_WRITE", 50)
            # Same columns but the id, the reference (the id) and the timestamps (now).
            moving = ("reference", "synced_at", "updated_at", "created_at")
            skip = {names.index(name) - 1 for name in moving if name in names}

            def comparable(values):
                return [tuple(v for i, v in enumerate(one) if i not in skip) for one in values]

            assert comparable(written([r["external_id"] for r in small])) == comparable(
                written([r["external_id"] for r in large])
            )
            transaction.set_rollback(True)

    check()
