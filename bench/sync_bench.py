"""Benchmark of the exchange-format import on PostgreSQL.

    .venv/bin/python bench/sync_bench.py                      # 100k clients, 150k installations, 500k documents
    .venv/bin/python bench/sync_bench.py --scale 0.1          # a tenth of it
    .venv/bin/python bench/sync_bench.py --database-url postgres://user@host:5432/db   # an existing database (emptied!)
    .venv/bin/python bench/sync_bench.py --no-reimport --before /tmp/old-clone --pairs 2   # old vs this, interleaved

Without --database-url a throw-away PostgreSQL cluster is started (Debian's
binaries, as in tests/integration/conftest.py) and removed at the end.
Reports records/s of the first import (file-less records), the peak memory
(RSS sampled during the import) and the time of re-importing the same
records as a new export (all unchanged). ``--profile`` prints where each
import spends its time (cProfile). Between the two, an export of 10 changed
records is imported into the whole base and timed against an empty export
of the same run (the reference: what any import costs); on the throw-away
cluster a second one runs with every plan logged (auto_explain) and the
sequential scans of those plans are listed: none may read the large tables
(clients, installations, documents).

Last full run (2026-11-25, 2 cores, load average 1.0-1.1): 750,250 records,
first import 58.6 s = 12,811 records/s, RSS 150 MB before and 173-193 MB
throughout (flat), re-import 9.5 s = 6.2x faster. (An earlier version of this
code, under a load average of 4 from other processes: 8,336 records/s.)
The first import also reports the CPU seconds of the importer and of its
PostgreSQL backend, and the 1-minute load average before and after it: on
a loaded machine the wall clock swings 2x between two runs of the same code,
the CPU time is the work (bench/RESULTS.md,
2026-12-07: 42.7 -> 35.9 CPU-s for 750,250 records). ``--before`` runs another
checkout's importer (a clone at an older commit, ``--code``) and this one in
turn, each in its own process and cluster, and prints one table of both.
"""

import argparse
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def small_change(folder, sequence, clients, installations, documents):
    """An export of 10 records into the base ``large_export`` made: a client
    renamed, one's email changed, a new client with its installation, an
    installation relabelled, two documents retitled, two new, one deleted."""
    folder.mkdir()
    address = {"line1": "La Ville", "line2": "", "postcode": "35430", "city": "Saint-Père"}
    new_client, new_installation = clients + 1, installations + 1

    def client(n, **changes):
        return {
            "type": "client",
            "id": f"C-{n}",
            "code": f"CLI-{n}",
            "first_name": "Anne",
            "last_name": f"Durand {n}",
            "email": f"client{n}@example.org",
            "address": address,
            **changes,
        }

    def installation(n, client_n, **changes):
        return {
            "type": "installation",
            "id": f"I-{n}",
            "client": f"C-{client_n}",
            "franchisee": "F-1",
            "spanc": "S-1",
            "reference": f"AQ-{n}",
            "label": "Filtre planté de roseaux 5 EH",
            "address": address,
            "installed_on": "2019-05-14",
            "stage": "commissioned",
            **changes,
        }

    def document(n, installation_n, **changes):
        return {
            "type": "document",
            "id": f"D-{n}",
            "installation": f"I-{installation_n}",
            "theme": "plans",
            "title": f"Document {n}",
            "file": None,
            "issued_on": "2020-01-01",
            "visible_to": ["client"],
            **changes,
        }

    middle = installations // 2
    records = [
        client(clients // 2, last_name="Durand-Martin"),
        client(clients // 3, email="nouvelle.adresse@example.org"),
        client(new_client),
        installation(new_installation, new_client),
        installation(middle, (middle - 1) % clients + 1, label="Filtre compact 6 EH"),
        document(documents // 2, (documents // 2 - 1) % installations + 1, title="Plan révisé"),
        document(documents // 3, (documents // 3 - 1) % installations + 1, title="Étude révisée"),
        document(documents + 1, new_installation),
        document(documents + 2, middle),
        {"type": "delete", "of": "document", "id": f"D-{documents // 4}"},
    ]
    (folder / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")
    (folder / "manifest.json").write_text(json.dumps({"format": "aquatiris-exchange/1", "sequence": sequence}))
    return len(records)


def explained_import(source, log):
    """Import ``source`` with PostgreSQL's auto_explain logging every plan
    (nested statements too) into the server's ``log``; returns the run, the
    seconds (without the plans' cost: a second, unlogged timing is taken by
    the caller) and the plans' scans of whole tables: [(table, rows)]."""
    import re

    from django.db import connection

    offset = log.stat().st_size
    with connection.cursor() as cursor:
        cursor.execute("LOAD 'auto_explain'")
        cursor.execute("SET auto_explain.log_min_duration = 0")
        cursor.execute("SET auto_explain.log_nested_statements = on")
        cursor.execute("SET auto_explain.log_analyze = on")
    try:
        run, elapsed, *_rest = timed_import(source)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET auto_explain.log_min_duration = -1")
    with open(log, encoding="utf-8", errors="replace") as handle:
        handle.seek(offset)
        text = handle.read()
    plans = text.count("duration:")
    # Rows each sequential scan read: those it returned and those its filter
    # removed, per loop (an EXISTS or LIMIT 1 stops at the first row).
    scans = [
        (table, round((float(rows) + float(removed or 0)) * float(loops)))
        for table, rows, loops, removed in re.findall(
            r"Seq Scan on (\w+)[^\n]*actual time=[\d.]+\.\.[\d.]+ rows=([\d.]+) loops=(\d+)\)"
            r"(?:\n\s*Filter: [^\n]*\n\s*Rows Removed by Filter: ([\d.]+))?",
            text,
        )
    ]
    timed = re.findall(r"duration: ([\d.]+) ms\s+plan:\s*Query Text: ([^\n]{0,160})", text)
    for ms, query in sorted(timed, key=lambda pair: -float(pair[0]))[:8]:
        print(f"  {float(ms):8.1f} ms  {query}", flush=True)
    return run, elapsed, plans, scans


def start_postgres(base, durable=False):
    bin_dir = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))[-1]).parent
    as_postgres = []
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    data = base / "data"
    subprocess.run(
        [
            *as_postgres,
            bin_dir / "initdb",
            "-D",
            data,
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
    )
    port = free_port()
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1"
    if not durable:  # a throw-away cluster: nothing waits for the disk
        options += " -c fsync=off -c synchronous_commit=off"
    pg_ctl = [*as_postgres, bin_dir / "pg_ctl", "-D", data]
    subprocess.run(
        [*pg_ctl, "-o", options, "-l", base / "server.log", "-w", "-t", "60", "start"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        [*as_postgres, bin_dir / "createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "bench"], check=True
    )
    return f"postgres://postgres@127.0.0.1:{port}/bench", lambda: subprocess.run(
        [*pg_ctl, "-m", "immediate", "-w", "stop"], capture_output=True
    )


def rss_mb():
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


class RssSampler(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        self.samples, self.running = [], True

    def run(self):
        while self.running:
            self.samples.append((time.monotonic(), rss_mb()))
            time.sleep(0.5)

    def stop(self):
        self.running = False
        self.join()
        return self.samples


def server_cpu_s():
    """CPU seconds of this connection's PostgreSQL backend so far (a local
    server: /proc), or None. With the client's own CPU time it tells, on a
    loaded machine, whose work an import is (the wall clock also counts the
    waits for a core)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wal_syncs():
    """How many times the server has flushed its WAL to disk (pg_stat_wal,
    PostgreSQL 14 to 17; 0 elsewhere): the commits that waited for the disk."""
    from django.db import DatabaseError, connection, transaction

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT wal_sync FROM pg_stat_wal")
            return cursor.fetchone()[0]
    except DatabaseError:
        return 0


def autovacuum_workers():
    """How many autovacuum workers the server runs now (they vacuum and analyse the tables an import filled)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'")
        return cursor.fetchone()[0]


LAST_CPU = {}


def timed_import(source):
    from aquatiris_portal.sync.importer import import_source

    sampler = RssSampler()
    before = rss_mb()
    server_before = server_cpu_s()
    syncs_before = wal_syncs()
    sampler.start()
    started, cpu_started = time.monotonic(), time.process_time()
    result = import_source(source)
    elapsed = time.monotonic() - started
    LAST_CPU["client"] = time.process_time() - cpu_started
    server_after = server_cpu_s()
    LAST_CPU["server"] = None if server_before is None or server_after is None else server_after - server_before
    LAST_CPU["wal_syncs"] = wal_syncs() - syncs_before
    samples = sampler.stop()
    [run] = result.runs
    assert run.state == run.State.SUCCEEDED, run.error
    values = [value for _t, value in samples] or [before]
    # RSS at each quarter of the import: flat means these do not climb.
    quarters = [round(values[min(len(values) - 1, int(len(values) * q))], 1) for q in (0.1, 0.25, 0.5, 0.75, 0.99)]
    return run, elapsed, before, max(values), quarters


def git_head(tree):
    found = subprocess.run(["git", "-C", str(tree), "log", "-1", "--format=%h"], capture_output=True, text=True)
    return found.stdout.strip() or "?"


def compare(args):
    """Interleaved runs: before, after, before, after... (the machine's load
    moves between runs; CPU seconds depend little on it). One table at the end."""
    results = []
    for pair in range(1, args.pairs + 1):
        for label, tree in (("before", args.before), ("after", args.code)):
            command = [sys.executable, __file__, "--scale", str(args.scale), "--no-reimport", "--code", str(tree)]
            command += ["--small-runs", str(args.small_runs)]
            if args.batch_size:
                command += ["--batch-size", str(args.batch_size)]
            if args.durable:
                command.append("--durable")
            started = time.strftime("%H:%M:%S", time.gmtime())
            done = subprocess.run(command, capture_output=True, text=True)
            lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
            print(
                f"pair {pair} {label} ({tree}, {git_head(tree)}) started {started} UTC: exit {done.returncode}",
                flush=True,
            )
            for line in done.stdout.splitlines():
                if line.startswith(("code:", "first import", "empty export")):
                    print(f"    {line[:300]}", flush=True)
            if done.returncode or not lines:
                print(done.stderr[-2000:], flush=True)
                continue
            results.append((pair, label, json.loads(lines[-1])))
    print(
        "\n| pair | code | load before → after | first import s | records/s | importer CPU s "
        "| PostgreSQL CPU s | WAL flushes | small export ms |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    for pair, label, r in results:
        load = " → ".join(f"{x:.1f}" for x in r["load_before_after"])
        print(
            f"| {pair} | {label} | {load} | {r['first_import_s']} | {r['records_per_s']:,} | {r['importer_cpu_s']} "
            f"| {r['server_cpu_s']} | {r.get('wal_syncs', '?')} | {r['small_import_ms']} |"
        )
    for label in ("before", "after"):
        mine = [r for _p, name, r in results if name == label]
        if mine:
            mean = {
                k: sum(r[k] or 0 for r in mine) / len(mine) for k in ("records_per_s", "importer_cpu_s", "server_cpu_s")
            }
            print(
                f"{label}: mean {mean['records_per_s']:,.0f} records/s, importer CPU {mean['importer_cpu_s']:.1f} s, "
                f"PostgreSQL CPU {mean['server_cpu_s']:.1f} s over {len(mine)} run(s)"
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--database-url")
    parser.add_argument("--batch-size", type=int, default=None, help="records per transaction (default: the setting's)")
    parser.add_argument("--profile", action="store_true", help="print where the first import spends its time")
    parser.add_argument("--profile-out", help="also save the first import's profile there (pstats file)")
    parser.add_argument("--no-reimport", action="store_true", help="skip the re-import of the unchanged export")
    parser.add_argument(
        "--code", type=Path, default=ROOT, help="the checkout whose importer is measured (default: this one)"
    )
    parser.add_argument(
        "--before",
        type=Path,
        help="another checkout (e.g. a clone at an older commit): run it and this one in turn, --pairs times, "
        "each in its own process and throw-away cluster, and print the table of both",
    )
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument(
        "--small-runs", type=int, default=5, help="10-record imports into the base; their median is the figure"
    )
    parser.add_argument(
        "--durable", action="store_true", help="the throw-away cluster flushes its WAL at each commit, as in production"
    )
    args = parser.parse_args()
    if args.before:
        return compare(args)
    clients, installations, documents = (int(n * args.scale) for n in (100_000, 150_000, 500_000))

    work = Path(tempfile.mkdtemp(prefix="aqp-bench-"))
    work.chmod(0o755)
    stop = None
    try:
        url = args.database_url
        if not url:
            (work / "pg").mkdir()
            url, stop = start_postgres(work / "pg", durable=args.durable)
        os.environ.update(
            DATABASE_URL=url, DEBUG="0", CONN_MAX_AGE="0", AQUATIRIS_PORTAL_PRIVATE_ROOT=str(work / "private")
        )
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_site.settings")
        os.environ.setdefault("DEMO", "1")  # a throw-away database: the demo key will do
        code = args.code.resolve()
        sys.path[:0] = [str(code), str(code / "example_site")]
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        if args.batch_size:
            settings.AQUATIRIS_PORTAL_SYNC_BATCH_SIZE = args.batch_size
        call_command("migrate", verbosity=0)
        import aquatiris_portal

        print(f"code: {Path(aquatiris_portal.__file__).parent.parent} ({git_head(code)})", flush=True)
        from tests.exports import large_export

        started = time.monotonic()
        first = large_export(work / "exports", 1, clients=clients, installations=installations, documents=documents)
        generated = time.monotonic() - started
        records = 50 + 200 + clients + installations + documents
        size_mb = (first / "records.jsonl").stat().st_size / 1024 / 1024
        print(f"export: {records:,} records, {size_mb:.0f} MB, written in {generated:.1f} s", flush=True)

        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
        load_before = os.getloadavg()[0]
        run1, t1, rss0, peak1, quarters1 = timed_import(work / "exports")
        load_after = os.getloadavg()[0]
        if args.profile:
            profiler.disable()
            if args.profile_out:
                profiler.dump_stats(args.profile_out)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats("aquatiris_portal", 30)
        cpu1 = dict(LAST_CPU)
        print(
            f"first import: {t1:.1f} s, {records / t1:,.0f} "
            f"records/s, created {run1.created_count:,}; "
            f"CPU: importer {cpu1['client']:.1f} s, PostgreSQL {cpu1['server'] or 0:.1f} s; "
            f"WAL flushes {cpu1['wal_syncs']}; "
            f"load average {load_before:.1f} before, {load_after:.1f} after; "
            f"RSS {rss0:.0f} MB before, peak {peak1:.0f} MB, through the import {quarters1}",
            flush=True,
        )

        # 10 changed records into the whole base: what a push imports. Timed
        # once bare (the figure), then once more (another 10 changes) with
        # every statement's plan logged, to show no plan scans a table.
        # The reference of the same run: an export without records (what any
        # import costs: listing the exports, the run's rows, the staging file).
        empty = work / "exports" / "export-000003"
        empty.mkdir()
        (empty / "records.jsonl").write_text("")
        (empty / "manifest.json").write_text(json.dumps({"format": "aquatiris-exchange/1", "sequence": 3}))
        _run0, t0, *_rest = timed_import(work / "exports")
        # One 10-record import moves by +-20 ms from run to run (the server's
        # autovacuum of the tables just filled, the other processes): the
        # figure is the median of --small-runs of them, each of new changes.
        smalls, vacuuming, sequence = [], [], 4
        for repeat in range(args.small_runs):
            small_change(
                work / "exports" / f"export-{sequence:06d}",
                sequence,
                clients + repeat,
                installations + repeat,
                documents + 2 * repeat,
            )
            vacuuming.append(autovacuum_workers())
            run3, t, *_rest = timed_import(work / "exports")
            smalls.append(t)
            sequence += 1
        t3 = sorted(smalls)[len(smalls) // 2]
        plans, scans = None, []
        if stop:
            repeat = args.small_runs
            small_change(
                work / "exports" / f"export-{sequence:06d}",
                sequence,
                clients + repeat,
                installations + repeat,
                documents + 2 * repeat,
            )
            sequence += 1
            _run4, _t4, plans, scans = explained_import(work / "exports", work / "pg" / "server.log")
        large = {"aquatiris_portal_client", "aquatiris_portal_installation", "aquatiris_portal_portaldocument"}
        # More than a handful of rows read: a whole table scanned.
        if any(table in large and rows > 100 for table, rows in scans):
            raise SystemExit(f"a 10-record import scanned a whole large table: {scans}")
        print(
            f"empty export (reference): {t0 * 1000:.0f} ms; small export (10 records) into the base: "
            f"{t3 * 1000:.0f} ms (median of {', '.join(f'{t * 1000:.0f}' for t in smalls)}; "
            f"autovacuum workers as each began: {vacuuming}) "
            f"= {t3 / t0:.2f}x the empty one, created {run3.created_count}, "
            f"updated {run3.updated_count}, deleted {run3.deleted_count}, quarantined {run3.quarantined_count}; "
            f"plans logged {plans}, sequential scans {scans}",
            flush=True,
        )
        if args.no_reimport:
            print(
                json.dumps(
                    {
                        "records": records,
                        "first_import_s": round(t1, 1),
                        "records_per_s": round(records / t1),
                        "importer_cpu_s": round(cpu1["client"], 1),
                        "server_cpu_s": cpu1["server"] and round(cpu1["server"], 1),
                        "wal_syncs": cpu1["wal_syncs"],
                        "load_before_after": [round(load_before, 2), round(load_after, 2)],
                        "empty_import_ms": round(t0 * 1000),
                        "small_import_ms": round(t3 * 1000),
                        "small_import_runs_ms": [round(t * 1000) for t in smalls],
                        "small_import_autovacuum_workers": vacuuming,
                        "small_import_seq_scans": scans,
                    }
                )
            )
            return

        second = work / "exports" / f"export-{sequence:06d}"
        second.mkdir()
        os.link(first / "records.jsonl", second / "records.jsonl")
        (second / "manifest.json").write_text(json.dumps({"format": "aquatiris-exchange/1", "sequence": sequence}))
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
        run2, t2, _rss, peak2, quarters2 = timed_import(work / "exports")
        if args.profile:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        print(
            f"re-import (unchanged): {t2:.1f} s, {records / t2:,.0f} records/s, unchanged {run2.unchanged_count:,}, "
            f"written {run2.created_count + run2.updated_count}; peak {peak2:.0f} MB {quarters2}; "
            f"{t1 / t2:.1f}x faster than the first import",
            flush=True,
        )
        print(
            json.dumps(
                {
                    "records": records,
                    "first_import_s": round(t1, 1),
                    "records_per_s": round(records / t1),
                    "importer_cpu_s": round(cpu1["client"], 1),
                    "server_cpu_s": cpu1["server"] and round(cpu1["server"], 1),
                    "reimport_s": round(t2, 1),
                    "reimport_speedup": round(t1 / t2, 1),
                    "rss_before_mb": round(rss0),
                    "rss_peak_first_mb": round(peak1),
                    "rss_peak_reimport_mb": round(peak2),
                    "rss_quarters_first_mb": quarters1,
                    "empty_import_ms": round(t0 * 1000),
                    "small_import_ms": round(t3 * 1000),
                    "small_import_seq_scans": scans,
                }
            )
        )
    finally:
        if stop:
            stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    main()
