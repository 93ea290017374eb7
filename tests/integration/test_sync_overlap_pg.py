"""On PostgreSQL the importer prepares the next batch (read, check, build)
while the server inserts the rows of the current one's COPY
(``importer.Ahead``, ``rows.RowWriter.meanwhile``). The rows reach the
table exactly as they were, whatever they hold; the batches end as a
sequential import ends them; an error preparing the next batch fails the
run after the current batch is committed, as it would have sequentially."""

import pytest
from django.db import DataError, transaction

from aquatiris_portal.sync import importer, runs
from aquatiris_portal.sync.models import ImportRun
from tests.exports import large_export, write_export

pytestmark = pytest.mark.integration

# Everything a COPY's text format escapes or could split on, and text of every script.
SPECIAL = "\t\n\r\\\b\f\v\x1b\x7f\u2028 .,;'\"{}[]éÉœçÆß€😀\u0301"


@pytest.mark.django_db
def test_copied_text_comes_back_exactly(postgres):
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hypothesis_settings
    from hypothesis import strategies as st

    from aquatiris_portal.records.models import Franchisee
    from aquatiris_portal.sync.mapping import FIELDS
    from aquatiris_portal.sync.rows import RowWriter

    called = []
    writer = RowWriter(Franchisee, FIELDS["franchisee"], lambda: called.append(1))
    texts = st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"], exclude_characters="\x00")
        | st.sampled_from(SPECIAL),
        max_size=60,
    )

    @hypothesis_settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(st.tuples(texts, texts, texts), min_size=1, max_size=5))
    def check(people):
        rows = [
            {
                "external_id": f"F-{n}",
                "sync_hash": "",
                "company": company,
                "first_name": first,
                "last_name": last,
                "email": "",
                "phone": "",
            }
            for n, (company, first, last) in enumerate(people)
        ]
        with transaction.atomic():
            writer.create(rows)
            stored = {
                rid: (company, first, last)
                for rid, company, first, last in Franchisee.objects.values_list(
                    "external_id", "company", "first_name", "last_name"
                )
            }
            assert stored == {row["external_id"]: (row["company"], row["first_name"], row["last_name"]) for row in rows}
            transaction.set_rollback(True)

    check()
    assert called  # the rows were sent, then the client's other work ran, then the COPY ended


@pytest.mark.django_db
def test_huge_text_spanning_many_blocks_comes_back_exactly_and_nul_is_refused(postgres):
    from aquatiris_portal.records.visits import Visit
    from aquatiris_portal.sync.mapping import FIELDS
    from aquatiris_portal.sync.rows import RowWriter
    from tests import factories

    installation = factories.installation()
    writer = RowWriter(Visit, FIELDS["visit"], lambda: None)
    huge = (SPECIAL * 12_000)[:300_000]  # ~10 of psycopg's 32 KB blocks
    row = {
        "external_id": "V-1",
        "sync_hash": "",
        "installation_id": installation.pk,
        "kind": "maintenance",
        "planned_for": None,
        "slot": "",
        "done_on": None,
        "technician": "Zoé\tL'Hôte",
        "summary": huge,
        "report_document_id": None,
        "visible_to_client": True,
        "visible_to_spanc": False,
        "cancelled_at": None,
    }
    writer.create([row, {**row, "external_id": "V-2", "summary": "\\N"}])
    assert Visit.objects.get(external_id="V-1").summary == huge
    assert Visit.objects.get(external_id="V-2").summary == "\\N"  # the text, not NULL

    with pytest.raises(DataError), transaction.atomic():
        writer.create([{**row, "external_id": "V-3", "summary": "a\x00b"}])
    assert not Visit.objects.filter(external_id="V-3").exists()


@pytest.mark.django_db
def test_the_next_batch_is_prepared_during_the_copy_and_the_import_ends_the_same(postgres, tmp_path, monkeypatch):
    events = []
    prepare, committed = importer.Applier.prepare, runs.batch_committed

    def logged_prepare(self, batch):
        events.append(("prepare", batch[0]))
        return prepare(self, batch)

    def logged_commit(run, step):
        events.append(("commit", step))
        return committed(run, step)

    monkeypatch.setattr(importer.Applier, "prepare", logged_prepare)
    monkeypatch.setattr(runs, "batch_committed", logged_commit)
    large_export(tmp_path / "exports", 1, clients=40, installations=60, documents=200)
    [run] = importer.import_source(tmp_path / "exports", batch_size=25).runs
    assert run.state == ImportRun.State.SUCCEEDED, run.error
    assert (run.created_count, run.quarantined_count) == (50 + 200 + 40 + 60 + 200, 0)
    steps = sum(1 for kind, _phase in events if kind == "commit")
    assert run.steps_done == steps == 2 + 8 + 2 + 3 + 8  # franchisees, SPANCs, clients, installations, documents
    # Each batch but the last was prepared before the one ahead of it committed.
    prepared_before = [
        sum(1 for kind, _ in events[:i] if kind == "prepare") for i, e in enumerate(events) if e[0] == "commit"
    ]
    assert prepared_before == [n + 1 for n in range(1, steps)] + [steps]


@pytest.mark.django_db
def test_an_error_preparing_the_next_batch_fails_the_run_after_the_current_one(postgres, tmp_path, monkeypatch):
    clients = [
        {"type": "client", "id": f"C-{n}", "code": f"CLI-{n}", "last_name": f"Durand {n}", "email": f"c{n}@example.org"}
        for n in range(1, 11)
    ]
    write_export(tmp_path / "exports", 1, clients)
    check_line = importer.check_line

    def failing(raw):
        if b'"C-8"' in raw:
            raise RuntimeError("the checker broke")
        return check_line(raw)

    monkeypatch.setattr(importer, "check_line", failing)
    [failed] = importer.import_source(tmp_path / "exports", batch_size=3).runs
    assert failed.state == ImportRun.State.FAILED
    # Batch 3 (C-7 to C-9) was prepared while batch 2's COPY ran: batch 2 is committed all the same.
    assert (failed.steps_done, failed.created_count) == (2, 6)

    monkeypatch.setattr(importer, "check_line", check_line)
    [resumed] = importer.import_source(tmp_path / "exports", batch_size=3).runs
    assert resumed.pk == failed.pk
    assert resumed.state == ImportRun.State.SUCCEEDED, resumed.error
    assert (resumed.steps_done, resumed.created_count) == (4, 10)
