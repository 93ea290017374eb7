"""An import's cost grows with the change, not with the base: the same small
export runs the same number of SQL queries whatever the number of rows the
portal already holds (no per-record look-up, no work over the whole table)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aquatiris_portal.models import Client, Franchisee, Installation, PortalDocument, Spanc
from aquatiris_portal.sync.importer import import_source
from aquatiris_portal.sync.models import ImportedExport, ImportRun
from tests.exports import _address, write_export

pytestmark = pytest.mark.django_db


def base_records(size):
    """``size`` records: one franchisee, one SPANC, then clients, installations
    and documents in the proportions of a real base (1 : 1.5 : 5)."""
    clients, installations = max(3, size // 8), max(2, size * 3 // 16)
    documents = size - 2 - clients - installations  # at least the three the change touches
    yield {"type": "franchisee", "id": "F-1", "company": "Aquatiris 1", "email": "f1@example.org"}
    yield {
        "type": "spanc",
        "id": "S-1",
        "code": "PRO-1",
        "name": "SPANC 1",
        "email": "spanc1@example.org",
        "address": _address("1 place de la Mairie", "35000", "Rennes"),
    }
    for n in range(1, clients + 1):
        yield client(n)
    for n in range(1, installations + 1):
        yield installation(n, (n - 1) % clients + 1)
    for n in range(1, documents + 1):
        yield document(n, (n - 1) % installations + 1)


def client(n, last_name=None):
    return {
        "type": "client",
        "id": f"C-{n}",
        "code": f"CLI-{n}",
        "first_name": "Anne",
        "last_name": last_name or f"Durand {n}",
        "email": f"client{n}@example.org",
        "address": _address(f"{n} rue des Roseaux", "35400", "Saint-Malo"),
    }


def installation(n, client_n, label="Filtre planté de roseaux 5 EH"):
    return {
        "type": "installation",
        "id": f"I-{n}",
        "client": f"C-{client_n}",
        "franchisee": "F-1",
        "spanc": "S-1",
        "reference": f"AQ-{n}",
        "label": label,
        "installed_on": "2019-05-14",
        "address": _address("La Ville", "35430", "Saint-Père"),
        "stage": "commissioned",
    }


def document(n, installation_n, title=None):
    return {
        "type": "document",
        "id": f"D-{n}",
        "installation": f"I-{installation_n}",
        "theme": "plans",
        "title": title or f"Document {n}",
        "file": None,
        "issued_on": "2020-01-01",
        "visible_to": ["client", "spanc"],
    }


def change(k=1):
    """``10 * k`` records: clients renamed, others' emails changed, new clients
    with their installations, installations relabelled, documents retitled,
    new documents, documents deleted."""
    return [
        *(client(n, last_name=f"Durand-Martin {n}") for n in range(1, k + 1)),
        *({**client(n), "email": f"nouvelle.adresse{n}@example.org"} for n in range(k + 1, 2 * k + 1)),
        *(client(90_000 + n) for n in range(1, k + 1)),
        *(installation(90_000 + n, 90_000 + n) for n in range(1, k + 1)),
        *(installation(n, n, label="Filtre compact 6 EH") for n in range(1, k + 1)),
        *(document(n, n, title=f"Plan révisé {n}") for n in range(1, 2 * k + 1)),
        *(document(90_000 + n, n) for n in range(1, 2 * k + 1)),
        *({"type": "delete", "of": "document", "id": f"D-{n}"} for n in range(2 * k + 1, 3 * k + 1)),
    ]


def import_change(tmp_path, size, k=1):
    """Import a base of ``size`` records, then the change of ``10 * k``
    records; the change's SQL statements and the rows it touched."""
    for model in (PortalDocument, Installation, Client, Spanc, Franchisee, ImportedExport, ImportRun):
        model.objects.all().delete()  # each base starts from an empty portal
    root = tmp_path / f"exports-{size}-{k}"
    write_export(root, 1, list(base_records(size)))
    [run] = import_source(root).runs
    assert run.state == ImportRun.State.SUCCEEDED, run.error
    assert run.created_count == size
    write_export(root, 2, change(k))
    with CaptureQueriesContext(connection) as queries:
        [run] = import_source(root).runs
    assert run.state == ImportRun.State.SUCCEEDED, run.error
    assert (run.created_count, run.updated_count, run.deleted_count, run.quarantined_count) == (4 * k, 5 * k, k, 0)
    state = {
        "client": list(
            Client.objects.filter(external_id__in=["C-1", "C-2", "C-90001"])
            .order_by("external_id")
            .values_list("external_id", "last_name", "email")
        ),
        "installation": list(
            Installation.objects.filter(external_id__in=["I-1", "I-90001"])
            .order_by("external_id")
            .values_list("external_id", "label", "client_sort_name")
        ),
        "document": [
            (rid, title, deleted_at is None)
            for rid, title, deleted_at in PortalDocument.objects.filter(
                external_id__in=["D-1", "D-2", "D-3", "D-90001", "D-90002"]
            )
            .order_by("external_id")
            .values_list("external_id", "title", "deleted_at")
        ],
    }
    return [query["sql"] for query in queries.captured_queries], state


def test_a_small_export_runs_as_many_queries_into_a_base_of_2000_records_as_into_one_of_10(tmp_path):
    small, small_state = import_change(tmp_path, 10)
    large, large_state = import_change(tmp_path, 2000)

    assert len(large) == len(small), "\n".join(sql for sql in large if sql not in small)
    assert large_state == small_state  # the same rows, whatever the base
    assert small_state["client"][0][1:] == ("Durand-Martin 1", "client1@example.org")
    assert small_state["installation"][0][1] == "Filtre compact 6 EH"
    assert small_state["document"][:3] == [
        ("D-1", "Plan révisé 1", True),
        ("D-2", "Plan révisé 2", True),
        ("D-3", "Document 3", False),
    ]


def test_twice_the_change_runs_as_many_queries_no_query_per_record(tmp_path):
    ten, _state = import_change(tmp_path, 2000)
    twenty, _state = import_change(tmp_path, 2000, k=2)

    assert len(twenty) == len(ten), "\n".join(sql for sql in twenty if sql not in ten)
