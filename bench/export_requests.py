"""Export 50,000 requests to XLSX and CSV with the admin's export job (the
body of the ``build_request_export`` actor, run in-process: it reads the
rows the listing selected, stored on the export, and writes the file to the
private storage) and report time and peak Python memory (tracemalloc).

    .venv/bin/python bench/export_requests.py [--rows 50000] [--database-url sqlite:////tmp/x.sqlite3]

Uses its own database (a temporary SQLite file by default; pass a
PostgreSQL DATABASE_URL to measure there), never the demo's.
"""

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "example_site")]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="aqp-bench-")
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.setdefault("AQUATIRIS_PORTAL_PRIVATE_ROOT", f"{tmp}/private")
    os.environ["DJANGO_SETTINGS_MODULE"] = "example_site.settings"
    os.environ.setdefault("DEMO", "1")  # a throw-away database: the demo key will do

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    build(args.rows)
    for export_format in ("csv", "xlsx"):
        measure(export_format, args.rows)


def build(rows):
    import datetime

    from django.utils import timezone

    from aquatiris_portal.enquiries.models import PortalRequest
    from aquatiris_portal.records.models import Client, Franchisee, Installation

    if PortalRequest.objects.count() >= rows:
        return
    started = time.perf_counter()
    franchisees = [Franchisee.objects.create(external_id=f"F-B{n}", company=f"Aquatiris {n}") for n in range(10)]
    clients = Client.objects.bulk_create(
        Client(external_id=f"C-B{n}", code=f"CLI-B{n}", last_name=f"Nom{n}", first_name="Prénom",
               email=f"c{n}@example.org", phone="06 00 00 00 00", address_line1=f"{n} rue des Roseaux",
               postcode="35000", city="Rennes")
        for n in range(2000)
    )
    installations = Installation.objects.bulk_create(
        Installation(external_id=f"I-B{n}", reference=f"AQ-B-{n}", client=client, franchisee=franchisees[n % 10])
        for n, client in enumerate(clients)
    )
    now = timezone.now()
    kinds = ["question", "after_sales", "maintenance_contract"]
    batch = []
    for n in range(rows):
        inst = installations[n % len(installations)]
        client = inst.client
        batch.append(PortalRequest(
            kind=kinds[n % 3], status="new", client=client, installation=inst, franchisee=inst.franchisee,
            subject_label="Dysfonctionnement / SAV", after_sales_reason="Odeurs",
            message="Bonjour, une odeur persiste près du regard depuis une semaine. " * 3,
            client_last_name=client.last_name, client_first_name=client.first_name,
            client_address=f"{client.address_line1}\n{client.postcode} {client.city}", client_phone=client.phone,
            client_email=client.email, client_code=client.code, installation_reference=inst.reference,
            created_at=now - datetime.timedelta(minutes=n),
        ))
        if len(batch) == 5000:
            PortalRequest.objects.bulk_create(batch)
            batch = []
    PortalRequest.objects.bulk_create(batch)
    print(f"built {rows} requests in {time.perf_counter() - started:.1f} s")


def run_export(export_format):
    from django.contrib.auth import get_user_model

    from aquatiris_portal.enquiries.exports import build_export
    from aquatiris_portal.enquiries.models import RequestExport
    from aquatiris_portal.enquiries.viewsets import listing_rows

    user = get_user_model().objects.filter(username="bench").first() or get_user_model().objects.create_superuser(
        "bench", "bench@example.org", "bench-Password-2026")
    rows = list(listing_rows(user, "").values_list("pk", flat=True))  # every request, the listing's order
    export = RequestExport.objects.create(requested_by=user, format=export_format, language="fr", request_ids=rows)
    export = build_export(export.pk)
    assert export.status == RequestExport.Status.DONE, export.error
    size = export.file.size
    export.delete()  # and its file
    return size


def measure(export_format, rows):
    started = time.perf_counter()
    size = run_export(export_format)
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    run_export(export_format)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{export_format}: {rows} rows, {size / 1e6:.1f} MB in {elapsed:.1f} s; "
          f"peak Python memory {peak / 1e6:.1f} MB (tracemalloc)")


if __name__ == "__main__":
    main()
