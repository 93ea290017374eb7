"""Compare benchmark runs of two versions, as Markdown tables.

    .venv/bin/python bench/compare.py before-1.json after-1.json before-2.json after-2.json ...
    .venv/bin/python bench/compare.py --pages folders_p1,folders_overdue after-1.json after-2.json


Each argument is a ``bench/out/results.json`` of one ``bench/run.sh`` run,
its name starting with ``before`` or ``after``. The machine is shared and
noisy, so runs of the two versions are interleaved and each page is read as
its ratio to the baseline measured in the same run; the tables give, per
page present in both versions, the median over the runs of each version of
p50 and p95 (ms), of the ratio to the same run's baseline (p50), of the fastest of the 30 in-process
renderings one at a time (service_time.py: the page's own work, least disturbed by a busy machine), and
the SQL queries, then the load of each run. The ratio to the home page (p50, an anonymous Wagtail page
measured in the same run) is given beside the one to the baseline when the runs measured it.
``--pages`` prints instead those pages run by run (pages measured in the same run side by side).
"""

import json
import statistics
import sys
from pathlib import Path


def median(values):
    values = [value for value in values if value is not None]
    return statistics.median(values) if values else None


def fmt(value, digits=1):
    return "–" if value is None else f"{value:.{digits}f}"


def pages_of(run):
    return {row["key"]: row for row in run["pages"] if "p50_us" in row}


def home_ratio(run, row):
    """p50 of the page over the home page's p50 in the same run (None without a home row)."""
    home = pages_of(run).get("home")
    return row["p50_us"] / home["p50_us"] if home else None


def summary(runs, key):
    pairs = [(run, pages_of(run).get(key)) for run in runs]
    pairs = [(run, row) for run, row in pairs if row]
    rows = [row for _run, row in pairs]
    queries = sorted({row.get("service_queries") for row in rows if row.get("service_queries") is not None})
    return {
        "p50": median([row["p50_us"] / 1000 for row in rows]),
        "p95": median([row["p95_us"] / 1000 for row in rows]),
        "ratio": median([row.get("ratio_p50") for row in rows]),
        "home": median([home_ratio(run, row) for run, row in pairs]),
        "alone": median([row.get("service_min_ms") for row in rows]),
        "queries": "/".join(str(q) for q in queries) or "–",
    }


def same_run(keys, paths):
    print("| run | page | p50 ms | p95 ms | × baseline (p50 / p95) | × home page (p50) | SQL queries | 1-min load |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for path in paths:
        run = json.loads(Path(path).read_text())
        pages = pages_of(run)
        for key in keys:
            row = pages.get(key)
            if row:
                print(
                    f"| {Path(path).stem} | {row['label']} | {fmt(row['p50_us'] / 1000)} | {fmt(row['p95_us'] / 1000)} "
                    f"| {fmt(row.get('ratio_p50'))} / {fmt(row.get('ratio_p95'))} | {fmt(home_ratio(run, row), 2)} "
                    f"| {row.get('service_queries', '–')} "
                    f"| {row.get('load_before', '–').split(' ')[0]} |"
                )


def main(paths):
    if paths and paths[0] == "--pages":
        return same_run(paths[1].split(","), paths[2:])
    runs = {"before": [], "after": []}
    for path in paths:
        side = "before" if Path(path).name.startswith("before") else "after"
        runs[side].append((path, json.loads(Path(path).read_text())))
    before = [run for _path, run in runs["before"]]
    after = [run for _path, run in runs["after"]]
    labels = {row["key"]: row["label"] for run in after for row in run["pages"]}
    # A page measured in at least one run of each side (a run may have missed one: its row says so).
    keys = list(dict.fromkeys(key for run in after for key in pages_of(run)))
    keys = [key for key in keys if any(key in pages_of(run) for run in before)]
    print(f"Medians over {len(before)} run(s) before and {len(after)} after.\n")
    print(
        "| page | p50 ms before → after | p95 ms before → after | × baseline p50 before → after "
        "| × home page p50 before → after | ratio after / before | in-process min ms before → after "
        "| SQL queries before → after |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for key in keys:
        b, a = summary(before, key), summary(after, key)
        change = a["ratio"] / b["ratio"] if a["ratio"] and b["ratio"] else None
        print(
            f"| {labels.get(key, key)} | {fmt(b['p50'])} → {fmt(a['p50'])} | {fmt(b['p95'])} → {fmt(a['p95'])} "
            f"| {fmt(b['ratio'])} → {fmt(a['ratio'])} | {fmt(b['home'], 2)} → {fmt(a['home'], 2)} "
            f"| {fmt(change, 2)} | {fmt(b['alone'])} → {fmt(a['alone'])} | {b['queries']} → {a['queries']} |"
        )
    print(
        "\n| run | started (UTC) | 1-min load at the baseline's start | 1-min load at the end | baseline p50 / p95 ms |"
    )
    print("|---|---|---:|---:|---:|")
    for side in ("before", "after"):
        for path, run in runs[side]:
            baseline = pages_of(run).get("baseline", {})
            print(
                f"| {Path(path).stem} | {run['started_at'][11:19]} | {baseline.get('load_before', '–').split(' ')[0]} "
                f"| {run['load_average_end'].split(' ')[0]} "
                f"| {fmt(baseline.get('p50_us', 0) / 1000)} / {fmt(baseline.get('p95_us', 0) / 1000)} |"
            )


if __name__ == "__main__":
    main(sys.argv[1:])
