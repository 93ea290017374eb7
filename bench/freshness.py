"""Freshness end to end: from "an export is ready" to the document on the client's page.

    .venv/bin/python bench/freshness.py             # 20 runs
    .venv/bin/python bench/freshness.py --runs 5
    bench/run.sh --freshness                        # the same, from the benchmark's entry point

On the production stack, all throw-away and on loopback: PostgreSQL,
Redis (dramatiq's broker and the cache), SeaweedFS as S3 (the private
documents and the exports, AQUATIRIS_PORTAL_SYNC_SOURCE = s3://…/exports/),
gunicorn (2 workers, example_site.production) and a dramatiq worker. The
demo's data (``portal_demo``) gives a client with an installation. Each
run writes an export holding one new document (a PDF) for that client's
installation, calls the signed push (docs/exchange-format.md: HMAC-SHA256 of
"<timestamp>.<body>"), then reads the installation's documents page as the
client (a logged-in session cookie) until the document's title is on it.
Prints each run's seconds and p50/p95; the last line is JSON.
"""

import argparse
import hashlib
import json
import math
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "example_site")]
VENV_BIN = ROOT / ".venv" / "bin"
BUCKET = "aquatiris-private"
PREFIX = "exports/"
ACCESS_KEY, SECRET_KEY = "portal-bench-key", "portal-bench-secret-0123456789"


def log(message):
    print(f"[freshness {time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}", flush=True)


def wait_until(check, timeout, what, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # the service is not up yet
            pass
        time.sleep(interval)
    raise RuntimeError(f"{what} did not come up within {timeout} s")


def start_seaweedfs(folder):
    """SeaweedFS with S3 on loopback (as tests/integration/conftest.py starts it); returns (endpoint, process)."""
    from bench.sync_bench import free_port

    (folder / "data").mkdir(parents=True)
    (folder / "logs").mkdir()
    config = folder / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "portal",
                        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3_port, s3_grpc = (free_port() for _ in range(8))
    weed = shutil.which("weed", path=str(VENV_BIN)) or shutil.which("weed")
    process = subprocess.Popen(
        [
            weed,
            f"-logdir={folder / 'logs'}",
            "server",
            f"-dir={folder / 'data'}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-master.telemetry=false",
            "-master.volumeSizeLimitMB=64",
            f"-master.port={master}",
            f"-master.port.grpc={master_grpc}",
            f"-volume.port={volume}",
            f"-volume.port.grpc={volume_grpc}",
            "-volume.max=16",
            f"-filer.port={filer}",
            f"-filer.port.grpc={filer_grpc}",
            f"-filer.localSocket={folder / 'filer.sock'}",
            "-s3",
            f"-s3.port={s3_port}",
            f"-s3.port.grpc={s3_grpc}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-s3.localSocket={folder / 's3.sock'}",
            f"-s3.config={config}",
        ],
        stdout=open(folder / "weed.out", "wb"),
        stderr=subprocess.STDOUT,
    )
    return f"http://127.0.0.1:{s3_port}", process


def s3_client(endpoint):
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}),
    )


def site_env(database_url, redis_url, endpoint, push_secret):
    return {
        **{key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "EMAIL_"))},
        "DJANGO_SETTINGS_MODULE": "bench.freshness_settings",
        "PYTHONPATH": f"{ROOT}:{ROOT / 'example_site'}",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CONN_MAX_AGE": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "AQUATIRIS_PORTAL_RUN_JOBS_IN_PROCESS": "0",
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_S3_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_S3_REGION_NAME": "us-east-1",
        "AQUATIRIS_PORTAL_SYNC_SOURCE": f"s3://{BUCKET}/{PREFIX}",
        "AQUATIRIS_PORTAL_PUSH_SECRET": push_secret,
        "PYTHONUNBUFFERED": "1",
    }


def client_target():
    """(session cookie, documents page path, installation id, theme slug) of the demo's first client
    with an installation: a fresh session as a login through the portal's form makes it."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from aquatiris_portal.accounts.models import Membership
    from aquatiris_portal.models import Installation
    from aquatiris_portal.pages.client_space import ClientSpacePage
    from aquatiris_portal.records.themes import DocumentTheme

    membership = (
        Membership.objects.filter(
            client__isnull=False, removed_at__isnull=True, role="owner", client__installations__isnull=False
        )
        .select_related("person", "client")
        .order_by("pk")
        .first()
    )
    user, installation = membership.person, Installation.objects.filter(client=membership.client).order_by("pk")[0]
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = "aquatiris_portal.accounts.backends.EmailBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    page = ClientSpacePage.objects.live().first()
    path = page.get_url_parts()[2] + page.reverse_subpage("documents", kwargs={"pk": installation.pk})
    # The page lists documents by theme, then newest first: the first theme's documents come first.
    theme = DocumentTheme.objects.order_by("sort_order", "name", "pk").first()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}", path, installation.external_id, theme.slug


def write_export(s3, sequence, document_id, installation_id, theme, title):
    """One export under the source's prefix: the file, the records, the manifest last (complete from then on)."""
    from tests.exports import FORMAT, make_pdf

    folder = f"{PREFIX}export-{sequence:06d}/"
    data = make_pdf(title)
    s3.put_object(Bucket=BUCKET, Key=f"{folder}files/{document_id}.pdf", Body=data)
    record = {
        "type": "document",
        "id": document_id,
        "installation": installation_id,
        "theme": theme,
        "title": title,
        "file": f"files/{document_id}.pdf",
        "sha256": hashlib.sha256(data).hexdigest(),
        "issued_on": time.strftime("%Y-%m-%d"),
        "visible_to": ["client"],
    }
    s3.put_object(Bucket=BUCKET, Key=f"{folder}records.jsonl", Body=(json.dumps(record) + "\n").encode())
    s3.put_object(
        Bucket=BUCKET, Key=f"{folder}manifest.json", Body=json.dumps({"format": FORMAT, "sequence": sequence}).encode()
    )
    return f"s3://{BUCKET}/{folder}"


def push(base, secret, source, sequence):
    """The internal system's signed call (docs/exchange-format.md)."""
    from aquatiris_portal.sync.push import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

    body = json.dumps({"source": source, "sequence": sequence}).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(timestamp, body, secret),
    }
    request = urllib.request.Request(f"{base}/portail/sync/exports/ready/", data=body, method="POST", headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 202, response.status


def page_shows(base, path, cookie, title):
    request = urllib.request.Request(f"{base}{path}", headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=10) as response:
        if response.status != 200 or response.url != f"{base}{path}":
            raise RuntimeError(f"{path} answered {response.status} at {response.url}: not logged in as the client?")
        return title in response.read().decode()


def percentile(values, q):
    """Nearest rank: the smallest value at least ``q`` of the values do not exceed."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=120, help="seconds a run may wait for its document")
    args = parser.parse_args()

    from bench.stack import Redis
    from bench.sync_bench import free_port, start_postgres

    work = Path(tempfile.mkdtemp(prefix="aqp-freshness-"))
    work.chmod(0o755)
    stops, processes = [], []
    try:
        (work / "pg").mkdir()
        database_url, stop_pg = start_postgres(work / "pg")
        stops.append(stop_pg)
        redis = Redis().start()
        stops.append(redis.stop)
        endpoint, weed = start_seaweedfs(work / "seaweedfs")
        processes.append(weed)
        s3 = s3_client(endpoint)
        wait_until(lambda: s3.create_bucket(Bucket=BUCKET), 90, "SeaweedFS S3", interval=0.5)
        push_secret = secrets.token_urlsafe(32)
        env = site_env(database_url, redis.url, endpoint, push_secret)
        manage = [str(VENV_BIN / "python"), str(ROOT / "example_site" / "manage.py")]
        log("migrate + collectstatic + portal_demo")
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True, cwd=ROOT)
        subprocess.run(
            [*manage, "collectstatic", "--noinput", "-v0"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL
        )
        subprocess.run(
            [*manage, "portal_demo", "--allow-without-debug"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL
        )
        os.environ.update(env)
        import django

        django.setup()
        cookie, path, installation_id, theme = client_target()

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        processes.append(
            subprocess.Popen(
                [
                    str(VENV_BIN / "gunicorn"),
                    "example_site.wsgi",
                    "--chdir",
                    str(ROOT / "example_site"),
                    "--workers",
                    "2",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--error-logfile",
                    str(work / "gunicorn.log"),
                ],
                env=env,
                cwd=ROOT,
            )
        )
        worker_log = work / "worker.log"
        processes.append(
            subprocess.Popen(
                [*manage, "rundramatiq", "--processes", "1", "--threads", "2", "--worker-shutdown-timeout", "5000"],
                env=env,
                cwd=ROOT,
                stdout=open(worker_log, "wb"),
                stderr=subprocess.STDOUT,
            )
        )
        wait_until(lambda: urllib.request.urlopen(f"{base}/portail/connexion/", timeout=2), 60, "gunicorn")
        page_shows(base, path, cookie, "")  # the client's page, as the client: fails loudly otherwise
        wait_until(lambda: "ready for action" in worker_log.read_text(errors="replace"), 60, "dramatiq worker")
        log(f"stack up: gunicorn {base}, worker, PostgreSQL, Redis, SeaweedFS; page {path}")

        seconds = []
        token = secrets.token_hex(3)
        for run in range(1, args.runs + 1):
            title = f"Freshness {token} run {run}"
            source = write_export(s3, run, f"D-FRESH-{token}-{run}", installation_id, theme, title)
            load = os.getloadavg()[0]
            started = time.monotonic()
            push(base, push_secret, source, run)
            wait_until(
                lambda title=title: page_shows(base, path, cookie, title),
                args.timeout,
                f"document of run {run} on the page",
                interval=0.05,
            )
            seconds.append(time.monotonic() - started)
            log(f"run {run}: {seconds[-1]:.2f} s (1-min load {load:.1f})")
        p50, p95 = statistics.median(seconds), percentile(seconds, 0.95)
        log(f"{len(seconds)} runs: p50 {p50:.2f} s, p95 {p95:.2f} s, min {min(seconds):.2f}, max {max(seconds):.2f}")
        print(
            json.dumps(
                {
                    "runs": len(seconds),
                    "p50_s": round(p50, 2),
                    "p95_s": round(p95, 2),
                    "min_s": round(min(seconds), 2),
                    "max_s": round(max(seconds), 2),
                    "seconds": [round(s, 2) for s in seconds],
                }
            )
        )
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        for stop in reversed(stops):
            stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    main()
