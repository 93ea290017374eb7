"""The ``export`` benchmark: the admin's requests export job (the body of the
``build_request_export`` actor, run in-process: it reads the rows the
listing selected, stored on the export, and writes the file to the private
storage) on 10,000 and 50,000 requests, CSV and XLSX: seconds until the file
is stored, and the memory it took, to show it does not grow with the rows.

    .venv/bin/python bench/export_requests.py [--rows 10000,50000] [--formats csv,xlsx]
        [--database-url sqlite:////tmp/x.sqlite3] [--code /path/to/another/checkout] [--json out.json]

Uses its own database (a temporary SQLite file by default; pass a
PostgreSQL DATABASE_URL to measure there), never the demo's; the database
is filled once with the largest count, an export of N rows exports the
listing's first N. Each measurement runs in a fresh process, so that its
peak RSS (``resource``: the process's high-water mark, minus what Django
and the data set-up took before the job) and its peak Python memory
(``tracemalloc``, a second run of the same job) are its own. ``--code``
runs the jobs with another checkout's package (the "before" of a change)
on the same database.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _setup(database_url, private_root, code=None):
    code_root = Path(code).resolve() if code else ROOT
    sys.path[:0] = [str(code_root), str(code_root / "example_site")]
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("AQUATIRIS_PORTAL_PRIVATE_ROOT", private_root)
    os.environ["DJANGO_SETTINGS_MODULE"] = "example_site.settings"
    os.environ.setdefault("DEMO", "1")  # a throw-away database: the demo key will do

    import django

    django.setup()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", default="10000,50000", help="comma-separated row counts")
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--code", default=None, help="checkout whose aquatiris_portal runs the jobs")
    parser.add_argument("--json", default=None, help="also write the rows to this file")
    parser.add_argument("--measure", nargs=2, metavar=("FORMAT", "ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="aqp-bench-")
    database_url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
    private_root = f"{tmp}/private"  # each process its own: every file is deleted after its measure
    if args.measure:
        _setup(database_url, private_root, args.code)
        json.dump(measure(args.measure[0], int(args.measure[1])), sys.stdout)
        return
    counts = [int(count) for count in args.rows.split(",")]
    _setup(database_url, private_root, args.code)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    build(max(counts))
    results = []
    for export_format in args.formats.split(","):
        for count in counts:
            command = [sys.executable, __file__, "--measure", export_format, str(count), "--database-url", database_url]
            if args.code:
                command += ["--code", args.code]
            row = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
            results.append(row)
            print(
                f"export {export_format} {row['rows']} rows: {row['seconds']:.1f} s ({row['cpu_seconds']:.1f} s CPU, "
                f"load {row['load']}), {row['mb']:.1f} MB file; peak RSS +{row['rss_mb']:.1f} MB over "
                f"{row['rss_before_mb']:.1f} MB; peak Python memory {row['python_mb']:.1f} MB (tracemalloc)",
                flush=True,
            )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


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
        Client(
            external_id=f"C-B{n}",
            code=f"CLI-B{n}",
            last_name=f"Nom{n}",
            first_name="Prénom",
            email=f"c{n}@example.org",
            phone="06 00 00 00 00",
            address_line1=f"{n} rue des Roseaux",
            postcode="35000",
            city="Rennes",
        )
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
        batch.append(
            PortalRequest(
                kind=kinds[n % 3],
                status="new",
                client=client,
                installation=inst,
                franchisee=inst.franchisee,
                subject_label="Dysfonctionnement / SAV",
                after_sales_reason="Odeurs",
                message="Bonjour, une odeur persiste près du regard depuis une semaine. " * 3,
                client_last_name=client.last_name,
                client_first_name=client.first_name,
                client_address=f"{client.address_line1}\n{client.postcode} {client.city}",
                client_phone=client.phone,
                client_email=client.email,
                client_code=client.code,
                installation_reference=inst.reference,
                created_at=now - datetime.timedelta(minutes=n),
            )
        )
        if len(batch) == 5000:
            PortalRequest.objects.bulk_create(batch)
            batch = []
    PortalRequest.objects.bulk_create(batch)
    print(f"built {rows} requests in {time.perf_counter() - started:.1f} s", flush=True)


def run_export(export_format, ids):
    from django.contrib.auth import get_user_model

    from aquatiris_portal.enquiries.exports import build_export
    from aquatiris_portal.enquiries.models import RequestExport

    user = get_user_model().objects.filter(username="bench").first() or get_user_model().objects.create_superuser(
        "bench", "bench@example.org", "bench-Password-2026"
    )
    export = RequestExport.objects.create(requested_by=user, format=export_format, language="fr", request_ids=ids)
    export = build_export(export.pk)
    assert export.status == RequestExport.Status.DONE, export.error
    rows, size = export.row_count, export.file.size
    export.delete()  # and its file
    return rows, size


def _status_mb(key):
    """VmRSS or VmHWM (the peak) of this process, from /proc (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    raise LookupError(key)


def _reset_peak():
    # Linux: "5" resets VmHWM to the current RSS, so the peak is the job's.
    # (getrusage's ru_maxrss cannot be reset, and survives fork and exec.)
    Path("/proc/self/clear_refs").write_text("5")


def _cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(export_format, count):
    """One ``export`` row: the job on the listing's first ``count`` requests."""
    from django.contrib.auth import get_user_model

    from aquatiris_portal.enquiries.viewsets import listing_rows

    user = get_user_model().objects.filter(username="bench").first() or get_user_model().objects.create_superuser(
        "bench", "bench@example.org", "bench-Password-2026"
    )
    # What asking does: the listing's rows, stored on the export (outside the job's time and memory).
    ids = list(listing_rows(user, "").values_list("pk", flat=True)[:count])
    rss_before = _status_mb("VmRSS")
    _reset_peak()
    cpu, started = _cpu_seconds(), time.perf_counter()
    rows, size = run_export(export_format, ids)
    seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    rss_peak = _status_mb("VmHWM")
    tracemalloc.start()
    run_export(export_format, ids)
    _, python_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "key": "export",
        "format": export_format,
        "rows": rows,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "load": round(os.getloadavg()[0], 2),
        "mb": round(size / 1e6, 1),
        "rss_before_mb": round(rss_before, 1),
        "rss_mb": round(rss_peak - rss_before, 1),
        "python_mb": round(python_peak / 1e6, 1),
    }


if __name__ == "__main__":
    main()
