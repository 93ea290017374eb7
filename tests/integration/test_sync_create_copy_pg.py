"""On PostgreSQL the import writes the rows no table holds yet by one COPY
straight into the table (``rows.RowWriter.create``), the others by upsert
through a temporary table. The sample export gives there what it gives on
SQLite; and should a row "new" at look-up time be in the table after all,
the COPY's unique violation is Django's IntegrityError and the batch is
written again row by row by upsert: nothing lost, nothing quarantined."""

import pytest
from django.db import connection
from django.utils import translation

from aquatiris_portal.records.models import Client, Installation, PortalDocument
from aquatiris_portal.sync import importer
from aquatiris_portal.sync.importer import import_source
from aquatiris_portal.sync.models import ImportRun, QuarantinedRecord
from tests.exports import EXPECTED, sample_export, write_export

pytestmark = pytest.mark.integration


@pytest.mark.django_db
def test_sample_export_gives_on_postgresql_what_it_gives_on_sqlite(postgres, tmp_path, settings):
    settings.AQUATIRIS_PORTAL_PRIVATE_ROOT = str(tmp_path / "private")
    assert connection.vendor == "postgresql"
    sample_export(tmp_path / "exports", 1)
    with translation.override("en"):
        [run] = import_source(tmp_path / "exports").runs
    assert run.state == ImportRun.State.SUCCEEDED, run.error
    assert run.counts == EXPECTED
    i1 = Installation.objects.get(external_id="I-1")
    assert (i1.client.external_id, i1.franchisee.external_id, i1.spanc.external_id) == ("C-1", "F-1", "S-1")
    assert PortalDocument.objects.get(external_id="D-1").file.name


@pytest.mark.django_db
def test_a_new_row_found_in_the_table_after_all_is_upserted_not_lost(postgres, tmp_path, monkeypatch):
    client = {
        "type": "client",
        "id": "C-1",
        "code": "CLI-1",
        "first_name": "Anne",
        "last_name": "Durand",
        "email": "anne@example.org",
    }
    write_export(tmp_path / "exports", 1, [client, {**client, "id": "C-2", "code": "CLI-2"}])
    [first] = import_source(tmp_path / "exports").runs
    assert first.created_count == 2

    # The look-up of existing rows misses them (as if another writer added
    # them meanwhile): C-1 is "new", its COPY violates the unique external_id.
    def nothing_there(self, record_type, rows):
        self.existing = {}
        return rows

    monkeypatch.setattr(importer.Applier, "_skip_unchanged", nothing_there)
    write_export(tmp_path / "exports", 2, [{**client, "last_name": "Durand-Martin"}])
    [second] = import_source(tmp_path / "exports").runs
    assert second.state == ImportRun.State.SUCCEEDED, second.error
    assert (second.created_count, second.quarantined_count) == (1, 0)
    assert not QuarantinedRecord.objects.exists()
    assert Client.objects.get(external_id="C-1").last_name == "Durand-Martin"
    assert Client.objects.count() == 2
