#!/usr/bin/env python
"""The SQL queries of benchmark pages, one line each, to name what differs between two versions.

    .venv/bin/python bench/page_queries.py [--tree /tmp/bench-before] dashboard installation folder > before.txt
    diff before.txt after.txt

Starts the cached PostgreSQL of ``<tree>/bench/out`` (after a ``bench/run.sh`` there; no run may be using
it), renders each page (a key of bench/run.py's PAGES) once in-process with the ``--tree``'s code and the
production settings, as that page's benchmark user, then prints every query of a second rendering in
order (each rendering with the page's session cookie only, as wrk sends it): the tables it reads and the
start of its SQL, the literal values replaced by ``?`` so that two
versions' lists can be compared with ``diff``. The header line also gives the Python function calls of one
rendering (cProfile): unlike the time, they do not depend on the machine's load.
"""

import argparse
import cProfile
import json
import os
import pstats
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def shape(sql):
    """The query without its values: tables read, then its first 160 characters with numbers and strings as ?."""
    tables = sorted(set(re.findall(r'(?:FROM|JOIN)\s+"(\w+)"', sql)))
    text = re.sub(r"'(?:[^']|'')*'", "?", sql)
    text = re.sub(r"\b\d+(?:\.\d+)?\b", "?", text)
    text = re.sub(r"\?(?:, \?)+", "?…", text)
    return f"[{', '.join(tables)}] {text[:160]}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("keys", nargs="+", help="page keys of bench/run.py's PAGES")
    parser.add_argument("--tree", type=Path, default=HERE.parent, help="the checkout whose code and database are used")
    args = parser.parse_args()
    tree = args.tree.resolve()
    sys.path[:0] = [str(HERE), str(tree), str(tree / "example_site")]
    import run  # the page list and the site's environment (bench/run.py beside this file)
    from stack import Postgres

    run.OUT = tree / "bench" / "out"
    pg = Postgres(run.OUT).start()
    try:
        env = run.site_env(pg, None)
        env["PYTHONPATH"] = f"{tree}:{tree / 'example_site'}"
        env["AQUATIRIS_PORTAL_PRIVATE_ROOT"] = str(run.OUT / "private")
        os.environ.update(env)
        import django

        django.setup()
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        import aquatiris_portal

        if not aquatiris_portal.__file__.startswith(str(tree)):
            raise SystemExit(f"imported {aquatiris_portal.__file__}, not {tree}'s code")
        ids = json.loads((run.OUT / "sessions.json").read_text())
        pages = {key: (template, role) for key, _label, template, role, _kind in run.PAGES}
        for key in args.keys:
            template, role = pages[key]

            client = Client(SERVER_NAME="127.0.0.1", HTTP_X_FORWARDED_PROTO="https", HTTP_ACCEPT_LANGUAGE="fr")

            def get(path, client=client, role=role):
                """What wrk sends: the role's session cookie and nothing else (no cookie a page set before)."""
                client.cookies.clear()
                if role:
                    name, value = ids["cookies"][role].split("=", 1)
                    client.cookies[name] = value
                return client.get(path)

            path = template.format(**ids)
            get(path)  # caches warm, as in the benchmark
            with CaptureQueriesContext(connection) as queries:
                response = get(path)
            captured = list(queries.captured_queries)  # the next request's request_started empties the log
            profile = cProfile.Profile()
            profile.runcall(get, path)
            calls = pstats.Stats(profile).total_calls
            print(f"== {key} {path}: HTTP {response.status_code}, {len(captured)} queries, {calls:,} function calls")
            for number, query in enumerate(captured, 1):
                print(f"  {number:2d}. {shape(query['sql'])}")
    finally:
        from django.db import connections

        connections.close_all()
        pg.stop()


if __name__ == "__main__":
    main()
