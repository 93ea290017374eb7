#!/usr/bin/env python
"""Profile pages on the benchmark database (run bench/run.sh once first).

    .venv/bin/python bench/profile_page.py /espace-client/ --as client [--explain] [--pyinstrument]

Starts the cached PostgreSQL, renders each path in-process with Django's
test client and the production settings, and prints the SQL queries with
their times (slowest first), optionally EXPLAIN ANALYZE of the slowest and a
pyinstrument profile. ``{client_installation}``-style placeholders are filled
from bench/out/sessions.json.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT), str(ROOT / "example_site")]
from run import OUT, site_env  # noqa: E402
from stack import Postgres  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--as", dest="role", default="client", help="client, spanc, staff or anonymous")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the three slowest queries")
    parser.add_argument("--pyinstrument", action="store_true")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    pg = Postgres(OUT).start()
    try:
        os.environ.update(site_env(pg, None))
        import django

        django.setup()
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        ids = json.loads((OUT / "sessions.json").read_text())
        client = Client(SERVER_NAME="127.0.0.1", HTTP_X_FORWARDED_PROTO="https", HTTP_ACCEPT_LANGUAGE="fr")
        if args.role != "anonymous":
            name, key = ids["cookies"][args.role].split("=", 1)
            client.cookies[name] = key
        for template in args.paths:
            path = template.format(**ids)
            client.get(path)  # warm caches
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
            total_sql = sum(float(q["time"]) for q in queries.captured_queries) * 1000
            print(
                f"\n== {path}: HTTP {response.status_code}, {len(queries)} queries, SQL {total_sql:.1f} ms, "
                f"whole request min {min(times):.1f} ms / median {sorted(times)[len(times) // 2]:.1f} ms"
            )
            slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))
            for query in slowest[:12]:
                print(f"  {float(query['time']) * 1000:7.1f} ms  {query['sql'][:300]}")
            if args.explain:
                with connection.cursor() as cursor:
                    for query in slowest[:3]:
                        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                        print("\n  " + "\n  ".join(row[0] for row in cursor.fetchall()))
            if args.pyinstrument:
                from pyinstrument import Profiler

                profiler = Profiler(interval=0.0005)
                profiler.start()
                for _ in range(args.repeat):
                    client.get(path)
                profiler.stop()
                print(profiler.output_text(unicode=True, color=False, show_all=bool(os.environ.get("PROFILE_ALL"))))
    finally:
        from django.db import connections

        connections.close_all()
        pg.stop()


if __name__ == "__main__":
    main()
