#!/usr/bin/env python
"""The portal's speed benchmark, in one command: ``bench/run.sh``.

1. PostgreSQL (+ Redis) on loopback, data folder kept in bench/out/pgdata;
2. migrate, collectstatic, portal_demo, portal_bench_data (100,000 clients,
   150,000 installations, 1,000,000 documents...; skipped when present,
   ``--fresh`` starts from an empty database and times the generation), then
   bench_visits.py (a maintenance history for the big SPANC's 5,000 folders),
   then VACUUM ANALYZE (a fresh visibility map and fresh statistics);
3. the example site under gunicorn with the production settings (DEBUG off);
4. wrk with logged-in sessions against every page and a trivial
   authenticated view (the baseline), N requests each;
5. Lighthouse (Debian Chromium) on the client dashboard and the folder list;
6. bench/out/results.json and bench/RESULTS.md.

Load tool: wrk (Debian package). It is a compiled event-loop client, so its
own cost per request is tiny next to Django's, and its Lua hooks give the
cookie header, a request count, status checks and any percentile.
"""

import argparse
import datetime
import hashlib
import json
import math
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
PYTHON = ROOT / ".venv" / "bin" / "python"
MANAGE = [str(PYTHON), str(ROOT / "example_site" / "manage.py")]
SECRET_KEY = "bench-only-secret-key-not-for-production-0123456789abcdef"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run --disable-quic"
)

sys.path.insert(0, str(HERE))
from stack import DB_NAME, DB_USER, PG_BIN, Postgres, Redis, free_port  # noqa: E402

# (key, label, path template, session, kind). kind: simple (100 ms, 3x) or
# complex (150 ms, 4x); "baseline" is the reference; "bulk" has no budget.
PAGES = [
    ("baseline", "Baseline: trivial authenticated view", "/bench/baseline/", "client", "baseline"),
    ("home", "Home page (a Wagtail page, anonymous): second reference", "/", None, "reference"),
    ("login", "Login page (anonymous)", "/portail/connexion/", None, "simple"),
    ("dashboard", "Client dashboard", "/espace-client/", "client", "complex"),
    (
        "installation",
        "Client installation page (with its visits: next visit, maintenance log)",
        "/espace-client/installations/{client_installation}/",
        "client",
        "simple",
    ),
    (
        "installation_no_visits",
        "Client installation page, an installation without visits (as before visits existed)",
        "/espace-client/installations/{client_installation_without_visits}/",
        "client",
        "simple",
    ),
    (
        "documents",
        "Installation documents",
        "/espace-client/installations/{client_installation}/documents/",
        "client",
        "simple",
    ),
    ("warranty", "Warranty form", "/espace-client/installations/{client_installation}/garantie/", "client", "simple"),
    ("download", "Document download (PDF)", "/portail/documents/{client_document}/", "client", "simple"),
    ("folders_p1", "SPANC folder list, page 1 (5,000 folders)", "/espace-pro/", "spanc", "complex"),
    ("folders_p100", "SPANC folder list, page 100", "/espace-pro/?page=100", "spanc", "complex"),
    (
        "folders_small",
        "SPANC folder list of a SPANC with 5 folders (comparison)",
        "/espace-pro/",
        "spanc_small",
        "complex",
    ),
    ("folder_search", "SPANC folder search", "/espace-pro/?q={spanc_search}", "spanc", "complex"),
    # The maintenance filter: "no maintenance for more than 24 months" (the setting's default), on the
    # visits bench_visits.py adds, in the folder list's order and sorted by that date.
    (
        "folders_overdue",
        "SPANC folder list, no maintenance for more than 24 months",
        "/espace-pro/?overdue=24",
        "spanc",
        "complex",
    ),
    (
        "folders_overdue_sorted",
        "SPANC folder list, no maintenance for more than 24 months, sorted by last maintenance",
        "/espace-pro/?overdue=24&sort=maintenance",
        "spanc",
        "complex",
    ),
    ("folder", "SPANC folder page", "/espace-pro/dossiers/{spanc_folder}/", "spanc", "simple"),
    (
        "export_month",
        "Admin requests XLSX export: the request (job queued, redirect), last 30 days",
        "/admin/portail/demandes/?export=xlsx&created_at_from={month_ago}&created_at_to={today}",
        "staff",
        "complex",
    ),
]
BUDGETS = {"simple": (100, 3), "complex": (150, 4)}
# Pages that must run the same number of SQL queries (whatever the territory's
# size, search, filter or sort): the run fails after writing the report if not.
SAME_QUERIES = [
    (
        "SPANC folder list",
        ("folders_p1", "folders_p100", "folders_small", "folder_search", "folders_overdue", "folders_overdue_sorted"),
    ),
]
# Pages whose right answer is not 200: the export button answers with a
# redirect to the export's status page (the file is built by a job).
EXPECT = {"export_month": 302}
# The export jobs timed in-process after the load (bench/export_job.py):
# (key, label, the listing's query string).
EXPORT_JOBS = [
    ("month", "XLSX of the last 30 days", "created_at_from={month_ago}&created_at_to={today}"),
    ("all", "XLSX of every request", ""),
]
LIGHTHOUSE_PAGES = [("dashboard", "client"), ("folders_p1", "spanc")]


def log(message):
    print(f"[bench {datetime.datetime.now():%H:%M:%S}] {message}", flush=True)


def run(command, env=None, **kwargs):
    return subprocess.run(command, env=env, check=True, cwd=ROOT, **kwargs)


def ensure_tools(skip_lighthouse):
    if shutil.which("wrk") is None:
        log("installing wrk (Debian package)")
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        run([*sudo, "apt-get", "update", "-qq"])
        run([*sudo, "apt-get", "install", "-y", "-qq", "wrk"], env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    if not skip_lighthouse and not (ROOT / "node_modules" / ".bin" / "lighthouse").exists():
        log("installing Lighthouse (npm ci)")
        run(["npm", "ci", "--no-audit", "--no-fund"], env={**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1"})


def site_env(pg, redis):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "example_site.production",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": pg.url,
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "AQUATIRIS_PORTAL_PRIVATE_ROOT": str(OUT / "private"),
        "AQUATIRIS_PORTAL_RUN_JOBS_IN_PROCESS": "0",
        "PYTHONPATH": f"{ROOT}:{ROOT / 'example_site'}",
    }
    if redis is not None:
        env["REDIS_URL"] = redis.url
    return env


def prepare_data(env, fresh_generation, pg):
    log("migrate + collectstatic + portal_demo")
    run([*MANAGE, "migrate", "--noinput", "-v0"], env=env)
    run([*MANAGE, "collectstatic", "--noinput", "-v0"], env=env)
    # Production settings (DEBUG off): the demo and bench commands refuse
    # without this flag, and then set no published password.
    run([*MANAGE, "portal_demo", "--allow-without-debug"], env=env, stdout=subprocess.DEVNULL)
    log("portal_bench_data")
    started = time.perf_counter()
    out = subprocess.run(
        [*MANAGE, "portal_bench_data", "--allow-without-debug", "--sessions", str(OUT / "sessions.json")],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout
    elapsed = time.perf_counter() - started
    print(out, end="")
    timings = dict(re.findall(r"^\s+(\w+)\s+([\d.]+) s$", out, re.M))
    generation = {
        "generated_in_this_run": "already present" not in out,
        "command_seconds": round(elapsed, 1),
        "steps": {name: float(value) for name, value in timings.items()},
        "counts": re.search(r"clients: .*", out).group(0) if re.search(r"clients: .*", out) else "",
        "news": re.search(r"news: .*", out).group(0) if re.search(r"  news: .*", out) else "created",
    }
    if fresh_generation and not generation["generated_in_this_run"]:
        raise SystemExit("--fresh but the dataset was already there?")
    log("bench_visits (maintenance history of the big SPANC's folders)")
    generation["visits"] = json.loads(
        subprocess.run(
            [str(PYTHON), str(HERE / "bench_visits.py")], env=env, cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout
    )
    log(f"  {generation['visits']}")
    generation["vacuum_analyze_seconds"] = vacuum_analyze(pg)
    return generation


def vacuum_analyze(pg):
    """VACUUM ANALYZE the whole database once its rows are written: with a
    stale visibility map an index-only scan reads the table too (counting
    the 5,000 folders read 5,212 table pages), and autovacuum may not have
    passed yet after a bulk load. Returns its seconds."""
    log("VACUUM ANALYZE")
    started = time.perf_counter()
    server = ["-h", "127.0.0.1", "-p", str(pg.port), "-U", DB_USER]
    run([str(PG_BIN / "vacuumdb"), "--analyze", "--quiet", *server, DB_NAME])
    return round(time.perf_counter() - started, 1)


class Gunicorn:
    def __init__(self, env, workers):
        self.port = free_port()
        self.env = env
        self.workers = workers
        self.process = None

    def start(self):
        log_path = OUT / "gunicorn.log"
        self.process = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "example_site.wsgi",
                "--chdir",
                str(ROOT / "example_site"),
                "--workers",
                str(self.workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "300",
                "--graceful-timeout",
                "5",
                "--error-logfile",
                str(log_path),
            ],
            env=self.env,
            cwd=ROOT,
        )
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{self.base}/portail/connexion/", timeout=2)
                return self
            except urllib.error.HTTPError:
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer; see bench/out/gunicorn.log")

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def preflight(base, path, cookie):
    """One request by hand: the page must answer its expected status (200, or
    302 to the export's status page) to this session, not a redirect to the
    login, or it is reported missing."""
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(
        base + path,
        headers={"Accept-Language": "fr", "X-Forwarded-Proto": "https", **({"Cookie": cookie} if cookie else {})},
    )
    try:
        with opener.open(request, timeout=120) as response:
            body = response.read()
            return response.status, response.headers.get("Content-Type", ""), len(body), body
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", ""), 0, b""


def wrk(base, path, cookie, connections, seconds, expect=200):
    env = {**os.environ, "BENCH_COOKIE": cookie or "", "BENCH_EXPECT": str(expect)}
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "60s",
        "-s",
        str(HERE / "wrk_page.lua"),
        base + path,
    ]
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("BENCH_JSON "))
    return json.loads(line[len("BENCH_JSON ") :]), " ".join(command).replace(base, "").replace(f"{ROOT}/", "")


def lighthouse(base, path, cookie, preset):
    report = OUT / f"lighthouse-{path.strip('/').replace('/', '_') or 'root'}-{preset}.json"
    command = [
        str(ROOT / "node_modules" / ".bin" / "lighthouse"),
        base + path,
        "--quiet",
        "--only-categories=performance,accessibility",
        "--output=json",
        f"--output-path={report}",
        f"--chrome-flags={CHROME_FLAGS}",
        f"--extra-headers={json.dumps({'Cookie': cookie})}",
        "--locale=fr",
    ]
    if preset == "desktop":
        command.append("--preset=desktop")
    # One retry: Chromium under load sometimes misses Lighthouse's protocol
    # deadline; a second failure is reported with Lighthouse's own message.
    for attempt in (1, 2):
        done = subprocess.run(
            command,
            env={**os.environ, "CHROME_PATH": CHROME},
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            timeout=300,
        )
        if done.returncode == 0:
            break
        log(f"  lighthouse attempt {attempt} failed: {done.stderr.strip()[-500:]}")
    else:
        raise RuntimeError(f"Lighthouse failed twice on {path} ({preset})")
    data = json.loads(report.read_text())
    if data.get("finalDisplayedUrl") != base + path:  # a redirect to the login would score the wrong page
        raise ValueError(f"Lighthouse ended on {data.get('finalDisplayedUrl')}")
    scores = {
        name: round(category["score"] * 100) if category["score"] is not None else None
        for name, category in data["categories"].items()
    }
    audits = data["audits"]
    failing = sorted(
        audit_id
        for audit_id, audit in audits.items()
        if audit.get("score") is not None
        and audit["score"] < 0.9
        and audit.get("scoreDisplayMode") in {"binary", "numeric"}
    )
    metrics = {
        key: audits[key]["displayValue"]
        for key in (
            "first-contentful-paint",
            "largest-contentful-paint",
            "total-blocking-time",
            "cumulative-layout-shift",
        )
        if key in audits and "displayValue" in audits[key]
    }
    return {"scores": scores, "metrics": metrics, "below_90": failing, "report": str(report.relative_to(ROOT))}


def machine():
    def sh(command):
        try:
            return subprocess.run(  # noqa: S602  the bench's own fixed pipelines (machine description)
                command, shell=True, capture_output=True, text=True, timeout=20
            ).stdout.strip()
        except Exception:
            return ""

    cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip()
    return {
        "nproc": sh("nproc"),
        "cpu": cpu,
        "memory": sh("free -h | awk '/^Mem:/ {print $2}'"),
        "kernel": platform.release(),
        "os": sh(". /etc/os-release && echo $PRETTY_NAME"),
        "python": sh(f"{PYTHON} --version"),
        "django": sh(f"{PYTHON} -c 'import django; print(django.__version__)'"),
        "wagtail": sh(f"{PYTHON} -c 'import wagtail; print(wagtail.__version__)'"),
        "gunicorn": sh(f"{ROOT}/.venv/bin/gunicorn --version"),
        "postgresql": sh("/usr/lib/postgresql/15/bin/postgres --version"),
        "redis": sh("redis-server --version | cut -d' ' -f3"),
        "wrk": sh("wrk -v 2>&1 | head -1"),
        "chromium": sh(f"{CHROME} --version 2>/dev/null"),
        "lighthouse": sh(f"{ROOT}/node_modules/.bin/lighthouse --version"),
        "node": sh("node --version"),
    }


def load_average():
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def other_processes():
    """The busiest processes over the last 2 seconds (the benchmark is idle by then):
    tells whether others were using the CPU."""
    out = subprocess.run(
        ["top", "-b", "-n", "2", "-d", "2", "-o", "%CPU", "-w", "200"], capture_output=True, text=True
    ).stdout
    last = out.split("\n\n\n")[-1] if "\n\n\n" in out else out
    rows = [line.split() for line in last.splitlines() if line.strip() and line.split()[0].isdigit()]
    return [f"{row[8]}% {row[11]}" for row in rows[:6] if len(row) > 11]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fresh", action="store_true", help="drop the cached database and generate the dataset again")
    parser.add_argument(
        "--requests",
        type=int,
        default=300,
        help="answers to get per page: each run lasts long enough for about this many (default 300)",
    )
    parser.add_argument("--bulk-requests", type=int, default=6, help="requests for a page of the 'bulk' kind")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2, one per core)")
    parser.add_argument("--connections", type=int, default=2, help="concurrent wrk connections (default 2)")
    parser.add_argument("--max-seconds", type=int, default=240, help="time limit of one page's load")
    parser.add_argument(
        "--pages",
        help="comma-separated page keys (default: all); 'export_jobs' times the export "
        "jobs alone (they also run with 'export_month')",
    )
    parser.add_argument("--no-lighthouse", action="store_true")
    parser.add_argument("--no-report", action="store_true", help="do not rewrite bench/RESULTS.md")
    args = parser.parse_args()

    # A SIGTERM (timeout, CI) unwinds through the finally below: no server left running.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(f"stopped by signal {signum}"))
    started_at = datetime.datetime.now(datetime.UTC)
    OUT.mkdir(exist_ok=True)
    ensure_tools(args.no_lighthouse)
    # The project regenerates 0002_work.py in place while it grows: a cached
    # database built from another version of the migrations is rebuilt.
    digest = hashlib.sha256(
        b"".join(path.read_bytes() for path in sorted((ROOT / "aquatiris_portal" / "migrations").glob("0*.py")))
    ).hexdigest()
    stamp = OUT / "migrations.sha256"
    if (OUT / "pgdata").exists() and (args.fresh or not stamp.exists() or stamp.read_text() != digest):
        log("removing the cached database (--fresh, or the migrations changed)")
        shutil.rmtree(OUT / "pgdata")
    pg = Postgres(OUT).start()
    redis = Redis().start() if shutil.which("redis-server") else None
    server = None
    try:
        env = site_env(pg, redis)
        generation = prepare_data(env, args.fresh, pg)
        stamp.write_text(digest)
        ids = json.loads((OUT / "sessions.json").read_text())
        ids["client_installation_without_visits"] = generation["visits"]["client_installation_without_visits"]
        today = datetime.date.today()
        ids.update(today=today.isoformat(), month_ago=(today - datetime.timedelta(days=30)).isoformat())
        server = Gunicorn(env, args.workers).start()
        log(f"gunicorn on {server.base} with {args.workers} workers; load average {load_average()}")
        wanted = set(args.pages.split(",")) if args.pages else None
        results = []
        for key, label, template, role, kind in PAGES:
            if wanted and key not in wanted and key != "baseline":
                continue
            path = template.format(**ids)
            cookie = ids["cookies"][role] if role else None
            expect = EXPECT.get(key, 200)
            status, info, size, body = preflight(server.base, path, cookie)
            row = {
                "key": key,
                "label": label,
                "path": path,
                "session": role or "anonymous",
                "kind": kind,
                "status": status,
                "expect": expect,
            }
            if status != expect or (expect == 302 and "/exports/" not in info):
                row["missing"] = f"HTTP {status} {info}".strip()
                log(f"{key}: {path} answered {status} {info}: not measured")
                results.append(row)
                continue
            if expect == 302:
                row.update(location=info, bytes=size)
            else:
                row.update(content_type=info.split(";")[0], bytes=size)
            count = args.bulk_requests if kind == "bulk" else args.requests
            # wrk runs for a duration: a short warm-up (not counted) gives the
            # rate, and the measured run lasts long enough for ``count`` answers.
            warm, _ = wrk(server.base, path, cookie, args.connections, 20 if kind == "bulk" else 3, expect)
            rate = max(warm["requests"], 1) / max(warm["duration_us"] / 1e6, 0.001)
            seconds = min(args.max_seconds, max(3, math.ceil(count / rate * 1.6)))
            load_before = load_average()
            stats, command = wrk(server.base, path, cookie, args.connections, seconds, expect)
            row.update(stats, command=command, load_before=load_before)
            log(
                f"{key}: n={stats['requests']} p50={stats['p50_us'] / 1000:.1f} ms "
                f"p95={stats['p95_us'] / 1000:.1f} ms unexpected={stats['unexpected_status']}"
            )
            results.append(row)
        log("service time of each page, one request at a time, in-process")
        measured = [
            [r["key"], r["path"], ids["cookies"].get(r["session"]), r["expect"]] for r in results if "p95_us" in r
        ]
        service = json.loads(
            subprocess.run(
                [str(PYTHON), str(HERE / "service_time.py"), "30"],
                input=json.dumps(measured),
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        for row in results:
            row.update({f"service_{name}": value for name, value in service.get(row["key"], {}).items()})
        query_checks = []
        for label, keys in SAME_QUERIES:
            counts = {r["key"]: r["service_queries"] for r in results if r["key"] in keys and "service_queries" in r}
            query_checks.append({"label": label, "counts": counts, "equal": len(set(counts.values())) <= 1})
            log(f"queries, {label}: {counts} ({'equal' if query_checks[-1]['equal'] else 'NOT EQUAL'})")
        export_jobs = []
        if not wanted or wanted & {"export_month", "export_jobs"}:
            # The export requests above queued jobs nobody ran (no worker in
            # the benchmark): they are dropped, then each job is run in-process
            # on this database, as a worker would.
            log("export jobs, in-process (bench/export_job.py)")
            jobs = [[key, label, query.format(**ids)] for key, label, query in EXPORT_JOBS]
            export_jobs = json.loads(
                subprocess.run(
                    [str(PYTHON), str(HERE / "export_job.py"), ids["emails"]["staff"]],
                    input=json.dumps(jobs),
                    env=env,
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
            )
            for job in export_jobs:
                log(
                    f"export job {job['key']}: {job['rows']} rows in {job['seconds']:.1f} s "
                    f"({job['bytes'] / 1e6:.1f} MB, {job['status']})"
                )
        baseline = next((r for r in results if r["key"] == "baseline" and "p95_us" in r), None)
        for row in results:
            if "p95_us" in row and baseline:
                row["ratio_p50"] = row["p50_us"] / baseline["p50_us"]
                row["ratio_p95"] = row["p95_us"] / baseline["p95_us"]
            if row["kind"] in BUDGETS and "p95_us" in row:
                limit_ms, limit_ratio = BUDGETS[row["kind"]]
                row["goal"] = f"≤ {limit_ms} ms, ≤ {limit_ratio}×"
                row["meets_goal"] = (
                    row["p95_us"] / 1000 <= limit_ms
                    and row.get("ratio_p95", 0) <= limit_ratio
                    and row["unexpected_status"] == 0
                    and row["requests"] >= 200
                )
        lighthouse_results = []
        if not args.no_lighthouse:
            for key, role in LIGHTHOUSE_PAGES:
                path = next(template for k, _, template, _, _ in PAGES if k == key).format(**ids)
                for preset in ("mobile", "desktop"):
                    log(f"lighthouse {preset} {path}")
                    try:
                        result = lighthouse(server.base, path, ids["cookies"][role], preset)
                    except (subprocess.SubprocessError, OSError, ValueError, KeyError) as error:
                        result = {"error": f"{type(error).__name__}: {error}"}
                    lighthouse_results.append({"key": key, "path": path, "preset": preset, **result})
                    log(f"  {result.get('scores', result.get('error'))}")
        report = {
            "started_at": started_at.isoformat(timespec="seconds"),
            "finished_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "command": "bench/run.sh " + " ".join(sys.argv[1:]),
            "machine": machine(),
            "load_average_end": load_average(),
            "busiest_processes_end": other_processes(),
            "settings": {
                "workers": args.workers,
                "connections": args.connections,
                "requests": args.requests,
                "bulk_requests": args.bulk_requests,
            },
            "dataset": generation,
            "pages": results,
            "query_checks": query_checks,
            "export_jobs": export_jobs,
            "lighthouse": lighthouse_results,
        }
        (OUT / "results.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
        if not args.no_report:
            from report import write_report

            write_report(report, HERE / "RESULTS.md")
            log("bench/RESULTS.md written")
        unequal = [check["label"] for check in query_checks if not check["equal"]]
        if unequal:
            raise SystemExit(f"query counts differ between pages that must run the same: {unequal}")
    finally:
        if server:
            server.stop()
        if redis:
            redis.stop()
        pg.stop()


if __name__ == "__main__":
    main()
