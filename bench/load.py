"""Load held: 50 people for 5 minutes on the production stack, through a Redis restart and a killed web worker.

    .venv/bin/python bench/load.py                  # 50 sessions, 300 s
    .venv/bin/python bench/load.py --seconds 30     # a quick try
    bench/run.sh --load                             # the same, from the benchmark's entry point

The stack is freshness.py's, all throw-away and on loopback: PostgreSQL,
Redis (dramatiq's broker and Django's cache), SeaweedFS as S3 (the private
documents), gunicorn (2 sync workers, example_site.production), a dramatiq
worker and the periodiq scheduler (the mail sweep every minute), with an
SMTP sink (aiosmtpd) as the mail server. Data: the demo's (``portal_demo``)
plus 35 client people spread over its 20 clients and 15 SPANC agents over
its two SPANCs (memberships, as invitations make them).

Each virtual person logs in through the real login form (SPANC agents
then type the code mailed to them, read from the sink), their arrivals
spread over 30 s; once all are in, each loops over what they do with 2-8 s
of think time (seeded): a client reads the dashboard, an installation, its
documents, downloads a PDF (the portal's redirect, then the presigned S3
URL), the requests and a thread, the news or the maintenance page, and now
and then sends a request; a SPANC agent reads the folder list, searches it,
opens a folder, downloads a shared PDF and now and then uploads a report.
Forms are read for their CSRF token as a browser does; the proxy's headers
are sent (X-Forwarded-Proto: https, one X-Forwarded-For per person). Each
request and upload carries a marker; once the worker has drained the
outgoing mail table, every mail queued for a marker must have reached the
sink exactly once.

At a third of the run (from the next hh:mm:57 when that is before two
thirds, so that the scheduler's minute tick falls in the outage) Redis is stopped for 5 s and started
again on its port, empty (no persistence: its queued and delayed messages
are lost); at two thirds one gunicorn worker gets SIGKILL (the arbiter
starts another). Prints errors by status and when they happened, p50/p95
per page, throughput, each process's RSS (VmRSS) every 30 s, the mails;
the last line is JSON.
"""

import argparse
import http.cookies
import json
import os
import random
import re
import resource
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "example_site")]

from bench.freshness import (  # noqa: E402
    BUCKET,
    VENV_BIN,
    percentile,
    s3_client,
    site_env,
    start_seaweedfs,
    wait_until,
)

PASSWORD = "load-Bench-2026!"
CLIENT_PEOPLE, SPANC_PEOPLE = 35, 15
SENDS_PER_PERSON = 8  # under SEND_LIMIT_PER_HOUR (10): a refused form would be no mail
EVENT_GRACE_SECONDS = 15  # a 5xx this close after an event is "within the restart"


def log(message):
    print(f"[load {time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}", flush=True)


# -- processes and their memory -------------------------------------------------------------


def children(pid):
    """Pids whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    # The name (2nd field) may hold spaces: the parent pid is after its closing parenthesis.
                    if int(handle.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    return sorted(found)


def descendants(pid):
    found = []
    for child in children(pid):
        found += [child, *descendants(child)]
    return found


def cpu_seconds():
    """CPU seconds of this process (the load generator's own share of the 2 cores)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def sample(stack, started, samples, done, every=30):
    """(seconds since the start, 1-minute load, memory()) now and every ``every`` s until ``done``, then once more."""
    while True:
        samples.append((round(time.time() - started), round(os.getloadavg()[0], 1), memory(stack)))
        if done.wait(every):
            samples.append((round(time.time() - started), round(os.getloadavg()[0], 1), memory(stack)))
            return


def waiting_mail():
    """Mails stored and not yet sent: {"due": ..., "delayed": ...} (delayed: a reply window still open)."""
    from django.utils import timezone

    from aquatiris_portal.notifications.models import OutgoingMail

    unsent = OutgoingMail.objects.exclude(status=OutgoingMail.Status.SENT)
    delayed = unsent.filter(not_before__gt=timezone.now()).count()
    return {"due": unsent.count() - delayed, "delayed": delayed}


def postmaster_pid(database_url, pg_root):
    return int((pg_root / "data" / "postmaster.pid").read_text().split()[0])


def memory(stack):
    """{process: MB}: the gunicorn arbiter and each worker, the dramatiq processes, periodiq,
    PostgreSQL's postmaster and its other processes together, Redis, SeaweedFS."""
    rows = {"gunicorn arbiter": rss_mb(stack["gunicorn"].pid)}
    for pid in children(stack["gunicorn"].pid):
        rows[f"gunicorn worker {pid}"] = rss_mb(pid)
    dramatiq = [stack["worker"].pid, *descendants(stack["worker"].pid)]
    for pid in dramatiq:
        rows[f"dramatiq {pid}"] = rss_mb(pid)
    if "periodiq" in stack:
        rows["periodiq"] = rss_mb(stack["periodiq"].pid)
    postmaster = stack["postmaster"]
    rows["postgres postmaster"] = rss_mb(postmaster)
    rows["postgres others (sum)"] = sum(filter(None, (rss_mb(pid) for pid in descendants(postmaster))))
    rows[f"redis {stack['redis'].process.pid}"] = rss_mb(stack["redis"].process.pid)
    rows["seaweedfs"] = rss_mb(stack["weed"].pid)
    return {name: round(value, 1) for name, value in rows.items() if value is not None}


# -- the people -------------------------------------------------------------------------------


def make_people(seed):
    """35 client people and 15 SPANC agents in the demo's records; returns [(kind, email)]."""
    from django_otp.plugins.otp_email.models import EmailDevice

    from aquatiris_portal.models import Client, Membership, Spanc
    from tests.factories import member

    rng = random.Random(seed)
    clients = list(Client.objects.filter(installations__isnull=False).distinct().order_by("pk"))
    spancs = list(Spanc.objects.filter(installations__isnull=False).distinct().order_by("pk"))
    people = []
    for n in range(CLIENT_PEOPLE):
        email = f"load.client{n:02d}@example.org"
        member(clients[n % len(clients)], role=Membership.Role.HOUSEHOLD, email=email, password=PASSWORD)
        people.append(("client", email))
    for n in range(SPANC_PEOPLE):
        email = f"load.spanc{n:02d}@example.org"
        person = member(spancs[n % len(spancs)], role=Membership.Role.AGENT, email=email, password=PASSWORD)
        EmailDevice.objects.create(user=person, name="email", confirmed=True)
        people.append(("spanc", email))
    rng.shuffle(people)
    return people


def keep_cookies(jar, response):
    """A browser's cookie jar for one host: the production cookies are Secure (__Host-) and TLS
    ends at the proxy (the X-Forwarded-Proto header stands for it), so they are kept and sent
    back over loopback HTTP, which requests' own jar refuses. A Max-Age=0 cookie is deleted."""
    for header in response.raw.headers.getlist("Set-Cookie"):
        cookie = http.cookies.SimpleCookie()
        cookie.load(header)
        for name, morsel in cookie.items():
            if morsel["max-age"] == "0" or (morsel["expires"] and "1970" in morsel["expires"]):
                jar.pop(name, None)
            else:
                jar[name] = morsel.value


class TimeUp(Exception):
    """The load's time is over: the person stops where they are."""


class Person(threading.Thread):
    """One virtual person: logs in, then loops over the pages they use with think time."""

    def __init__(self, number, kind, email, base, sink, results, clock, seed, think):
        super().__init__(daemon=True, name=f"{kind}-{number}")
        import requests

        self.kind, self.email, self.base, self.sink = kind, email, base, sink
        self.results, self.clock, self.think = results, clock, think
        self.rng = random.Random(f"{seed}-{number}")
        self.http = requests.Session()
        self.jar = {}
        self.http.headers.update(
            {
                "X-Forwarded-Proto": "https",
                "X-Forwarded-For": f"10.0.{number // 250}.{number % 250 + 1}",
                "User-Agent": f"aquatiris-load/{kind}",
            }
        )
        self.markers = []  # (marker, kind) of what this person sent and the portal accepted
        self.sent = 0
        self.logged_in = False
        self.failure = None

    # one request, recorded
    def call(self, page, method, path, expect=(200,), **kwargs):
        if self.clock["stop_at"] and time.time() >= self.clock["stop_at"]:
            raise TimeUp
        url = path if path.startswith("http") else self.base + path
        if method == "POST":
            kwargs.setdefault("headers", {}).update({"Referer": url, "Origin": self.base.replace("http:", "https:")})
        if self.jar:
            kwargs.setdefault("headers", {})["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        started = time.monotonic()
        try:
            response = self.http.request(method, url, allow_redirects=False, timeout=60, **kwargs)
            self.http.cookies.clear()  # requests' jar would not send the Secure ones back: ours does
            keep_cookies(self.jar, response)
            status = response.status_code
        except Exception as error:  # connection reset by a killed worker, refused, timeout
            self.results.append((time.time(), page, 0, (time.monotonic() - started) * 1000, type(error).__name__))
            return None
        problem = "" if status in expect else f"unexpected {status} (expected {expect})"
        self.results.append((time.time(), page, status, (time.monotonic() - started) * 1000, problem))
        return response if not problem else None

    def form(self, response):
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text)
        return match.group(1) if match else ""

    def pause(self):
        # Think time: a person reading the page (cut short when the load ends).
        time.sleep(max(0, min(self.rng.uniform(*self.think), self.clock["stop_at"] - time.time())))

    def login(self):
        page = self.call("login form", "GET", "/portail/connexion/")
        if page is None:
            raise RuntimeError(f"{self.email}: no login form")
        data = {"csrfmiddlewaretoken": self.form(page), "email": self.email, "password": PASSWORD}
        answer = self.call("login", "POST", "/portail/connexion/", expect=(302,), data=data)
        if answer is None:
            raise RuntimeError(f"{self.email}: login refused")
        location = answer.headers["Location"]
        if self.kind == "spanc":
            if "/connexion/verification/" not in location:
                raise RuntimeError(f"{self.email}: no second factor asked ({location})")
            page = self.call("code form", "GET", location)
            code = self.sink.code_for(self.email, timeout=120)
            data = {"csrfmiddlewaretoken": self.form(page), "code": code}
            answer = self.call("code", "POST", location, expect=(302,), data=data)
            if answer is None:
                raise RuntimeError(f"{self.email}: code refused")
        self.logged_in = True

    def run(self):
        try:
            # Logins spread over the ramp, as people arrive; the load is held once all are in.
            time.sleep(self.rng.uniform(0, self.clock["ramp"]))
            self.login()
            self.clock["go"].wait()
            time.sleep(self.rng.uniform(0, self.think[1]))
            loop = self.client_loop if self.kind == "client" else self.spanc_loop
            while True:
                loop()
        except TimeUp:
            pass
        except Exception as error:  # the person gives up: reported, the others go on
            self.failure = f"{type(error).__name__}: {error}"

    def links(self, response, pattern):
        return sorted(set(re.findall(pattern, response.text))) if response is not None else []

    def download(self, document_path):
        answer = self.call("download (portal)", "GET", document_path, expect=(302,))
        if answer is not None:
            import requests

            started = time.monotonic()
            try:  # the presigned URL, fetched without the portal's cookies
                status = requests.get(answer.headers["Location"], timeout=60).status_code
                problem = "" if status == 200 else f"unexpected {status}"
            except Exception as error:
                status, problem = 0, type(error).__name__
            self.results.append((time.time(), "download (S3)", status, (time.monotonic() - started) * 1000, problem))

    def may_send(self, chance=0.15):
        return self.sent < SENDS_PER_PERSON and self.rng.random() < chance

    def client_loop(self):
        dashboard = self.call("client: dashboard", "GET", "/espace-client/")
        self.pause()
        installations = self.links(dashboard, r'href="(/espace-client/installations/\d+/)"')
        if installations:
            installation = self.rng.choice(installations)
            self.call("client: installation", "GET", installation)
            self.pause()
            documents = self.call("client: documents", "GET", installation + "documents/")
            self.pause()
            files = self.links(documents, r'href="(/portail/documents/\d+/)"')
            if files:
                self.download(self.rng.choice(files))
                self.pause()
        threads = self.call("client: requests", "GET", "/espace-client/demandes/")
        self.pause()
        opened = self.links(threads, r'href="(/espace-client/demandes/[0-9a-f-]{36}/)"')
        if opened:
            thread = self.rng.choice(opened)
            page = self.call("client: thread", "GET", thread)
            self.pause()
            if page is not None and 'name="body"' in page.text and self.may_send(0.35):
                self.reply(thread, page)
                self.pause()
        if self.may_send():
            self.send_request()
            self.pause()
        if self.rng.random() < 0.5:
            self.call("client: news", "GET", "/espace-client/actualites/")
        else:
            self.call("client: maintenance", "GET", "/espace-client/entretien/")
        self.pause()

    def send_request(self):
        form = self.call("client: contact form", "GET", "/espace-client/contact/")
        if form is None:
            return
        fields = {}
        for name in ("installation", "subject", "reason"):
            select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', form.text, re.S)
            values = re.findall(r'<option value="([^"]+)"', select.group(1)) if select else []
            if values:
                fields[name] = self.rng.choice(values)
        marker = f"LOAD-{uuid.uuid4().hex[:12]}"
        data = {
            "csrfmiddlewaretoken": self.form(form),
            **fields,
            "message": f"Question de charge {marker} : la pompe fait du bruit depuis hier soir.",
        }
        if self.call("client: send request", "POST", "/espace-client/contact/", expect=(302,), data=data) is not None:
            self.markers.append((marker, "request"))
        self.sent += 1

    def reply(self, thread, page):
        marker = f"LOAD-{uuid.uuid4().hex[:12]}"
        data = {"csrfmiddlewaretoken": self.form(page), "body": f"Réponse {marker} : toujours le même bruit."}
        if self.call("client: reply", "POST", thread, expect=(302,), data=data) is not None:
            self.markers.append((marker, "reply:" + thread.rstrip("/").rsplit("/", 1)[1]))
        self.sent += 1

    def spanc_loop(self):
        folders = self.call("spanc: folder list", "GET", "/espace-pro/")
        self.pause()
        towns = re.findall(r'data-label="[^"]*">([^<]+)</td>', folders.text) if folders is not None else []
        if towns:
            query = self.rng.choice(towns).strip().split()[0].lower()
            self.call("spanc: folder search", "GET", "/espace-pro/", params={"q": query})
            self.pause()
        ids = self.links(folders, r'href="/espace-pro/dossiers/(\d+)/')
        if not ids:
            return
        folder = f"/espace-pro/dossiers/{self.rng.choice(ids)}/"
        page = self.call("spanc: folder", "GET", folder)
        self.pause()
        files = self.links(page, r'href="(/portail/documents/\d+/)"')
        if files:
            self.download(self.rng.choice(files))
            self.pause()
        if self.may_send():
            self.upload(folder)
            self.pause()

    def upload(self, folder):
        from home.demo.pdf import make_pdf

        form = self.call("spanc: upload form", "GET", folder + "envoyer/")
        if form is None:
            return
        marker = f"LOAD-{uuid.uuid4().hex[:12]}"
        data = {
            "csrfmiddlewaretoken": self.form(form),
            "title": f"Rapport {marker}",
            "issued_on": time.strftime("%Y-%m-%d"),
            "note": "Contrôle de bon fonctionnement.",
        }
        select = re.search(r'<select name="document_type"[^>]*>(.*?)</select>', form.text, re.S)
        types = re.findall(r'<option value="([^"]+)"', select.group(1)) if select else []
        if types:
            data["document_type"] = self.rng.choice(types)
        results = re.search(r'<select name="control_result"[^>]*>(.*?)</select>', form.text, re.S)
        if results:
            data["control_result"] = self.rng.choice(re.findall(r'<option value="([^"]+)"', results.group(1)))
        pdf = make_pdf(f"Rapport {marker}", ["Contrôle de bon fonctionnement"])
        files = {"file": (f"rapport-{marker}.pdf", pdf, "application/pdf")}
        if self.call("spanc: upload", "POST", folder + "envoyer/", expect=(302,), data=data, files=files) is not None:
            self.markers.append((marker, "upload"))
        self.sent += 1


# -- the mail server -------------------------------------------------------------------------


def start_sink():
    from aiosmtpd.controller import Controller

    from bench.sync_bench import free_port
    from tests.integration.conftest import SmtpSink

    class Sink(SmtpSink):
        def code_for(self, address, timeout):
            """The 6-digit code of the first login mail to ``address`` (each person logs in once)."""
            with self._changed:
                self._changed.wait_for(lambda: self._code(address) is not None, timeout)
                code = self._code(address)
            if code is None:
                raise RuntimeError(f"no login code mailed to {address} within {timeout} s")
            return code

        def _code(self, address):
            for message in self.messages:
                if address in message["To"]:
                    match = re.search(r"\b(\d{6})\b", message.get_body(preferencelist=("plain",)).get_content())
                    if match:
                        return match.group(1)
            return None

    port = free_port()
    sink = Sink("127.0.0.1", port)
    controller = Controller(sink, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    return sink, controller


def check_mails(sink, markers, timeout):
    """Wait until no mail is left to send, then match each marker's queued mails with the sink's."""
    from aquatiris_portal.notifications.models import OutgoingMail

    unsent = OutgoingMail.objects.exclude(status=OutgoingMail.Status.SENT)
    started = time.monotonic()
    try:
        wait_until(lambda: not unsent.exists(), timeout, "the outgoing mail table's draining", interval=1)
    except RuntimeError:  # what is left unsent is counted as lost below
        log(f"{unsent.count()} mails still unsent after {timeout} s")
    drained_after = time.monotonic() - started
    # Every mail, the markers' or not (login codes, copies): as many messages as rows sent.
    sent_rows = OutgoingMail.objects.filter(status=OutgoingMail.Status.SENT).count()
    received = [
        (", ".join(message.get_all("To", [])), message.get_body(preferencelist=("plain",)).get_content())
        for message in list(sink.messages)
    ]
    expected = lost = twice = 0  # (marker, recipient) pairs: a reply mail may carry two replies' markers
    problems = []
    for marker, kind in markers:
        rows = list(OutgoingMail.objects.filter(key__in=mail_keys(marker, kind)).values_list("to", flat=True))
        expected += len(rows)
        for to in rows:
            arrived = sum(1 for got_to, body in received if marker in body and got_to == ", ".join(to))
            if arrived == 0:
                lost += 1
                problems.append(f"{marker} to {to}: lost")
            elif arrived > 1:
                twice += 1
                problems.append(f"{marker} to {to}: {arrived} times")
    with_marker = sum(1 for _to, body in received if "LOAD-" in body)
    return {
        "markers": len(markers),
        "marker_deliveries_expected": expected,
        "mails_with_marker_received": with_marker,
        "lost": lost,
        "duplicates": twice,
        "drained_after_s": round(drained_after, 1),
        "unsent_rows": unsent.count(),
        "sent_rows": sent_rows,
        "smtp_messages": len(sink.messages),
        "problems": problems[:20],
    }


def mail_keys(marker, kind):
    """The keys of the mails queued for what carries ``marker`` (threads.py, spanc_uploads.py)."""
    from aquatiris_portal.models import PortalDocument
    from aquatiris_portal.notifications.models import OutgoingMail

    if kind.startswith("reply:"):
        # A reply goes, alone or with the thread's other replies of its window, to whom its
        # request went (routing.client_message_recipients), the client's copy aside.
        reference = kind.split(":", 1)[1]
        mails = OutgoingMail.objects.filter(key__startswith=f"request:{reference}:")
        return list(mails.exclude(key__endswith=":client_copy").values_list("key", flat=True))
    if kind == "request":
        from aquatiris_portal.enquiries.models import PortalRequest

        reference = PortalRequest.objects.filter(message__contains=marker).values_list("reference", flat=True).first()
        if reference is None:
            return []
        return list(OutgoingMail.objects.filter(key__startswith=f"request:{reference}:").values_list("key", flat=True))
    document = PortalDocument.objects.filter(title__contains=marker).values_list("pk", flat=True).first()
    return [f"spanc_upload:{document}"] if document else []


# -- the report ----------------------------------------------------------------------------------


def summarise(results, started, events, seconds):
    by_page = defaultdict(list)
    errors = Counter()
    error_times = []
    for at, page, status, ms, problem in results:
        by_page[page].append(ms)
        if problem:
            errors[(page, status, problem)] += 1
            error_times.append((round(at - started, 1), page, status, problem))
    pages = {
        page: {
            "count": len(values),
            "p50_ms": round(statistics.median(values)),
            "p95_ms": round(percentile(values, 0.95)),
            "max_ms": round(max(values)),
        }
        for page, values in sorted(by_page.items())
    }

    def near(at):
        return next((name for name, when in events.items() if 0 <= at - (when - started) <= EVENT_GRACE_SECONDS), None)

    outside = [entry for entry in error_times if near(entry[0]) is None]
    per_event = {}
    for name, when in events.items():
        times = [at for at, *_rest in error_times if near(at) == name]
        per_event[name] = {
            "at_s": round(when - started, 1),
            "errors": len(times),
            "first_s": min(times, default=None),
            "last_s": max(times, default=None),
        }
    return {
        "requests": len(results),
        "throughput_rps": round(len(results) / seconds, 1),
        "pages": pages,
        "errors": [
            {"page": page, "status": status, "problem": problem, "count": count}
            for (page, status, problem), count in sorted(errors.items(), key=str)
        ],
        "error_times": error_times[:200],
        "errors_outside_events": len(outside),
        "errors_per_event": per_event,
        "events": {name: round(when - started, 1) for name, when in events.items()},
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=300, help="how long the load is held (default 300)")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--redis-down", type=float, default=5, help="seconds Redis stays down at its restart")
    parser.add_argument("--ramp", type=float, default=30, help="seconds over which the people log in")
    parser.add_argument("--think", type=float, nargs=2, default=(2.0, 8.0), metavar=("MIN", "MAX"))
    parser.add_argument("--no-events", action="store_true", help="no Redis restart, no worker killed")
    parser.add_argument("--drain-timeout", type=float, default=300, help="seconds the mails may take to go out")
    parser.add_argument(
        "--no-scheduler",
        action="store_true",
        help="no periodiq: nothing sweeps the mails Redis lost (the check's own check)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs)")
    args = parser.parse_args()

    from bench.stack import Redis
    from bench.sync_bench import free_port, start_postgres

    work = Path(tempfile.mkdtemp(prefix="aqp-load-"))
    work.chmod(0o755)
    stops, processes = [], []
    stack = {}
    try:
        sink, controller = start_sink()
        stops.append(controller.stop)
        (work / "pg").mkdir()
        database_url, stop_pg = start_postgres(work / "pg")
        stops.append(stop_pg)
        stack["postmaster"] = postmaster_pid(database_url, work / "pg")
        redis = stack["redis"] = Redis().start()
        stops.append(lambda: redis.stop())
        endpoint, weed = start_seaweedfs(work / "seaweedfs")
        processes.append(weed)
        stack["weed"] = weed
        s3 = s3_client(endpoint)
        wait_until(lambda: s3.create_bucket(Bucket=BUCKET), 90, "SeaweedFS S3", interval=0.5)
        env = site_env(database_url, redis.url, endpoint, secrets.token_urlsafe(32))
        env.update(
            DJANGO_SETTINGS_MODULE="bench.load_settings",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(sink.port),
            EMAIL_USE_TLS="0",
            EMAIL_INSECURE="1",  # the sink on loopback: the relay-on-this-machine case
        )
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
        people = make_people(args.seed)

        port = free_port()
        base = f"http://127.0.0.1:{port}"

        def start(name, command, **kwargs):
            process = subprocess.Popen(
                command,
                env=env,
                cwd=kwargs.get("cwd", ROOT),
                stdout=open(work / f"{name}.log", "wb"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            processes.append(process)
            stack[name] = process
            return process

        start(
            "gunicorn",
            [
                str(VENV_BIN / "gunicorn"),
                "example_site.wsgi",
                "--chdir",
                str(ROOT / "example_site"),
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
            ],
        )
        start(
            "worker",
            [*manage, "rundramatiq", "--processes", "1", "--threads", "2", "--worker-shutdown-timeout", "5000"],
        )
        if not args.no_scheduler:  # the production scheduler (docs/operations.md): the mail sweep each minute
            start(
                "periodiq",
                [str(VENV_BIN / "periodiq"), "django_dramatiq.setup", "aquatiris_portal.tasks"],
                cwd=ROOT / "example_site",
            )
        import requests

        wait_until(lambda: requests.get(f"{base}/portail/connexion/", timeout=2).ok, 60, "gunicorn")
        wait_until(
            lambda: "ready for action" in (work / "worker.log").read_text(errors="replace"), 60, "dramatiq worker"
        )
        wait_until(lambda: len(children(stack["gunicorn"].pid)) == 2, 30, "two gunicorn workers")
        scheduler = "no scheduler" if args.no_scheduler else "periodiq"
        log(f"stack up: gunicorn {base} (2 workers), dramatiq worker, {scheduler}, PostgreSQL, Redis, SeaweedFS, SMTP")

        results = []
        clock = {"ramp": args.ramp, "go": threading.Event(), "stop_at": None}
        persons = [
            Person(n, kind, email, base, sink, results, clock, args.seed, tuple(args.think))
            for n, (kind, email) in enumerate(people)
        ]
        for person in persons:
            person.start()
        wait_until(
            lambda: all(p.logged_in or p.failure or not p.is_alive() for p in persons), 180, "the logins", interval=0.5
        )
        failed = [f"{p.email}: {p.failure}" for p in persons if p.failure]
        log(f"{sum(p.logged_in for p in persons)} people logged in; {len(failed)} failed {failed[:3]}")
        started = time.time()
        generator_cpu = cpu_seconds()
        clock["stop_at"] = started + args.seconds
        clock["go"].set()
        samples, sampling = [], threading.Event()
        sampler = threading.Thread(target=sample, args=(stack, started, samples, sampling), daemon=True)
        sampler.start()
        events, notes = {}, {}
        plan = (
            [] if args.no_events else [(args.seconds / 3, "redis restart"), (2 * args.seconds / 3, "web worker killed")]
        )
        for offset, name in plan:
            at = started + offset
            aligned = at + (57 - at % 60) % 60  # from the next hh:mm:57: the outage covers the scheduler's minute tick
            if name == "redis restart" and aligned < started + 2 * args.seconds / 3 - 10:  # not in a short try
                at = aligned
            time.sleep(max(0, at - time.time()))
            events[name] = time.time()
            if name == "redis restart":
                old = redis.process.pid
                notes["mail waiting when Redis stopped"] = waiting_mail()
                redis.stop()
                time.sleep(args.redis_down)  # the seconds a restart of a real server takes
                redis.start()
                notes["redis down s"] = round(time.time() - events[name], 2)
                log(f"Redis {old} stopped and started again on port {redis.port} in {notes['redis down s']} s")
            else:
                victim = children(stack["gunicorn"].pid)[0]
                os.kill(victim, signal.SIGKILL)
                notes["killed web worker"] = victim
                log(f"gunicorn worker {victim} killed (SIGKILL)")
        for person in persons:
            person.join()
        held = time.time() - started
        sampling.set()
        sampler.join()
        log(f"load held {held:.0f} s; {len(results)} requests")

        summary = summarise(results, started, events, held)
        summary["event_notes"] = notes
        markers = [marker for p in persons for marker in p.markers]
        summary["mail"] = check_mails(sink, markers, args.drain_timeout)
        summary["mail"]["enqueue_failures_logged"] = (
            (work / "gunicorn.log").read_text(errors="replace").count("Could not enqueue mail")
        )
        summary["people"] = {"clients": CLIENT_PEOPLE, "spanc": SPANC_PEOPLE, "failed": failed}
        summary["rss_mb"] = {"start": samples[0][2], "end": samples[-1][2]}
        summary["rss_samples"] = [{"t": t, "load": load, "mb": mb} for t, load, mb in samples]
        loads = [load for _t, load, _mb in samples]
        summary["load_avg_1min"] = {"min": min(loads), "max": max(loads)}
        summary["seconds"] = round(held)
        summary["generator_cpu_s"] = round(cpu_seconds() - generator_cpu, 1)
        report(summary)
        print(json.dumps(summary))
    finally:
        for process in reversed(processes):
            stop_process(process)
        for stop in reversed(stops):
            try:
                stop()
            except Exception as error:  # the others are still stopped
                log(f"stopping: {type(error).__name__}: {error}")
        if args.keep:
            log(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def stop_process(process):
    """SIGTERM, then SIGKILL, to the process's own group when it has one (gunicorn's
    workers, dramatiq's processes), else to the process."""
    own_group = os.getpgid(process.pid) == process.pid if process.poll() is None else False
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        if process.poll() is not None:
            return
        try:
            os.killpg(process.pid, sig) if own_group else process.send_signal(sig)
            process.wait(wait)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            continue


def report(summary):
    log(f"{summary['requests']} requests, {summary['throughput_rps']} req/s, load {summary['load_avg_1min']}")
    for page, row in summary["pages"].items():
        p50, p95 = row["p50_ms"], row["p95_ms"]
        log(f"  {page:<28} n={row['count']:<5} p50 {p50:>5} ms  p95 {p95:>5} ms  max {row['max_ms']}")
    log(f"events: {summary['errors_per_event']} {summary['event_notes']}")
    for row in summary["errors"]:
        log(f"  error: {row}")
    log(f"errors outside the {EVENT_GRACE_SECONDS} s after an event: {summary['errors_outside_events']}")
    for at, page, status, problem in summary["error_times"][:40]:
        log(f"    at {at} s: {page} {status} {problem}")
    log(f"mail: {summary['mail']}")
    for row in summary["rss_samples"]:
        groups = Counter()
        for name, mb in row["mb"].items():  # the processes of a kind together ("gunicorn worker 123")
            head, _space, tail = name.rpartition(" ")
            groups[head if tail.isdigit() else name] += mb
        sizes = ", ".join(f"{name} {mb:.0f}" for name, mb in sorted(groups.items()))
        log(f"  at {row['t']:>4} s, load {row['load']:>4}, MB: {sizes}")
    log(f"load generator CPU: {summary['generator_cpu_s']} s over {summary['seconds']} s")
    start, end = summary["rss_mb"]["start"], summary["rss_mb"]["end"]
    for name in sorted(start.keys() | end.keys()):
        log(f"  RSS {name:<28} {start.get(name, '—')} → {end.get(name, '—')} MB")


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    main()
