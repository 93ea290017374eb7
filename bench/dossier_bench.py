"""The ``dossier`` benchmark: « Dossier de l'installation » of an installation
with 200 documents of 1 MB (the body of the ``build_personal_archive``
actor, run in-process: every document read from the private storage in
chunks into the ZIP, the summary PDF, the ZIP stored on the private
storage), on the local folder and on S3 (SeaweedFS on loopback, as the
integration tests start it): seconds until the ZIP is stored, and memory.

    .venv/bin/python bench/dossier_bench.py [--documents 200] [--mb 1] [--storages local,s3] [--json out.json]

Its own SQLite database in a temporary folder, never the demo's. Each
measurement runs in a fresh process: peak RSS is the job's rise over the
process's RSS before it (/proc VmHWM, reset before the job), Python memory
is tracemalloc's peak over a second build of the same dossier.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from bench.export_requests import _cpu_seconds, _reset_peak, _status_mb  # noqa: E402


def _setup(database_url, private_root):
    sys.path[:0] = [str(ROOT / "example_site")]
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("AQUATIRIS_PORTAL_PRIVATE_ROOT", private_root)
    os.environ["DJANGO_SETTINGS_MODULE"] = "example_site.settings"
    os.environ.setdefault("DEMO", "1")  # a throw-away database: the demo key will do

    import django

    django.setup()


def fill(documents, megabytes):
    """One client, one installation, ``documents`` PDFs of ``megabytes`` MB on the private storage."""
    from django.core.files.base import ContentFile

    from aquatiris_portal.records.models import Client, Installation, PortalDocument
    from aquatiris_portal.records.themes import DocumentTheme

    client = Client.objects.create(
        external_id="C-D1", code="CLI-D1", last_name="Durand", first_name="Anne", email="anne@example.org"
    )
    installation = Installation.objects.create(
        external_id="I-D1", reference="AQ-D-1", client=client, serial_number="EPU-000001", stage="commissioned"
    )
    theme = DocumentTheme.objects.create(slug="etude-de-sol", name="Étude de sol", sort_order=10)
    body = b"%PDF-1.4\n" + os.urandom(megabytes * 1024 * 1024 - 9)
    for n in range(documents):
        document = PortalDocument(
            external_id=f"D-D{n}",
            installation=installation,
            theme=theme,
            title=f"Document {n}",
            filename=f"document-{n}.pdf",
            content_type="application/pdf",
            size=len(body),
        )
        document.file.save(document.filename, ContentFile(body), save=False)
        document.save()
    return installation


def build_once(installation):
    from django.contrib.auth import get_user_model

    from aquatiris_portal.enquiries import archives

    user = get_user_model().objects.filter(username="bench").first() or get_user_model().objects.create_user(
        "bench", "anne@example.org", "bench-Password-2026"
    )
    archive, _created = archives.start("dossier", user, client=installation.client, installation=installation)
    archive = archives.build(archive.pk)
    assert archive.status == "done", archive.error
    size, count = archive.size, archive.file_count
    archive.delete()  # and its file
    return size, count


def measure(storage, documents, megabytes):
    installation = fill(documents, megabytes)
    rss_before = _status_mb("VmRSS")
    _reset_peak()
    cpu, started = _cpu_seconds(), time.perf_counter()
    size, count = build_once(installation)
    seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    rss_peak = _status_mb("VmHWM")
    tracemalloc.start()
    build_once(installation)
    _, python_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "key": "dossier",
        "storage": storage,
        "documents": documents,
        "files": count,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "load": round(os.getloadavg()[0], 2),
        "mb": round(size / 1e6, 1),
        "rss_before_mb": round(rss_before, 1),
        "rss_mb": round(rss_peak - rss_before, 1),
        "python_mb": round(python_peak / 1e6, 1),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=200)
    parser.add_argument("--mb", type=int, default=1)
    parser.add_argument("--storages", default="local,s3")
    parser.add_argument("--json", default=None)
    parser.add_argument("--measure", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        tmp = tempfile.mkdtemp(prefix="aqp-dossier-")
        _setup(f"sqlite:///{tmp}/bench.sqlite3", f"{tmp}/private")
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        json.dump(measure(args.measure, args.documents, args.mb), sys.stdout)
        return
    results = []
    for storage in args.storages.split(","):
        env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
        weed = None
        if storage == "s3":
            from bench.freshness import ACCESS_KEY, BUCKET, SECRET_KEY, s3_client, start_seaweedfs, wait_until

            folder = Path(tempfile.mkdtemp(prefix="aqp-dossier-s3-"))
            endpoint, weed = start_seaweedfs(folder)
            client = s3_client(endpoint)
            wait_until(lambda client=client: client.create_bucket(Bucket=BUCKET), 90, "SeaweedFS S3", interval=0.5)
            env.update(
                AWS_STORAGE_BUCKET_NAME=BUCKET,
                AWS_S3_ENDPOINT_URL=endpoint,
                AWS_ACCESS_KEY_ID=ACCESS_KEY,
                AWS_SECRET_ACCESS_KEY=SECRET_KEY,
                AWS_S3_REGION_NAME="us-east-1",
            )
        try:
            command = [
                sys.executable,
                __file__,
                "--measure",
                storage,
                "--documents",
                str(args.documents),
                "--mb",
                str(args.mb),
            ]
            row = json.loads(subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout)
        finally:
            if weed is not None:
                weed.terminate()
                weed.wait(30)
        results.append(row)
        print(
            f"dossier {storage}: {row['files']} files, {row['mb']:.1f} MB ZIP in {row['seconds']:.1f} s "
            f"({row['cpu_seconds']:.1f} s CPU, load {row['load']}); peak RSS +{row['rss_mb']:.1f} MB over "
            f"{row['rss_before_mb']:.1f} MB; peak Python memory {row['python_mb']:.1f} MB (tracemalloc)",
            flush=True,
        )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
