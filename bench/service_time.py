"""Service time of each page without concurrency, and its SQL query count.

Called by run.py with the site's environment (the benchmark database):
reads ``[[key, path, cookie, expected status], ...]`` as JSON on stdin, renders each path
in-process with Django's test client, one request at a time, and prints
``{key: {"median_ms", "min_ms", "queries"}}``. Next to wrk's figures it
tells how much of a latency is the page's own work and how much is waiting
for a CPU (2 workers, PostgreSQL, wrk and anything else on 2 cores).
"""

import json
import sys
import time

import django


def main():
    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    pages = json.load(sys.stdin)
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    results = {}
    for key, path, cookie, *expect in pages:
        expected = expect[0] if expect else 200
        client = Client(SERVER_NAME="127.0.0.1", HTTP_X_FORWARDED_PROTO="https", HTTP_ACCEPT_LANGUAGE="fr")
        if cookie:
            name, value = cookie.split("=", 1)
            client.cookies[name] = value

        def get(client=client, path=path):
            response = client.get(path)
            if getattr(response, "streaming", False):
                for _ in response.streaming_content:
                    pass
            response.close()
            return response.status_code

        if get() != expected:
            continue
        count = repeat
        times = []
        for _ in range(count):
            started = time.perf_counter()
            get()
            times.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            get()
        times.sort()
        results[key] = {
            "median_ms": round(times[len(times) // 2], 1),
            "min_ms": round(times[0], 1),
            "queries": len(queries),
            "samples": count,
        }
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
