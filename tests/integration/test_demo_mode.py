"""The demo as a developer runs it (`make demo`): SQLite, no Redis, the
console email backend, each command in its own process. A mail queued by a
process other than runserver's goes out within a minute, once:

- `portal_sync` (a franchisee's answer: "someone answered your request")
  and `portal_notify --now` (a digest, a visit reminder) send what they
  queued before they exit, server or not;
- runserver's in-process schedule sends what `manage.py shell` left pending;
  so does `portal_notify`, which also runs the mail sweep (as `mail_tick`
  does, for cron users), printing them in its own output;
- when both could send a mail, it is printed once (subjects counted in
  every process's output, against the rows of the database).

The demo's processes run ``example_site.settings`` through a two-line
module that only moves MEDIA_ROOT into the test's folder (the example site
reads no variable for it); the database (DATABASE_URL) and the private
files (AQUATIRIS_PORTAL_PRIVATE_ROOT) are a copy made for each test of a
demo built once by `migrate` and `portal_demo`.
"""

import collections
import datetime
import email.header
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.exports import make_pdf, sha256, write_export

from .conftest import ROOT, _stop_process, free_port, log_tail, start_process, wait_until

pytestmark = [pytest.mark.integration]

MANAGE = ROOT / "example_site" / "manage.py"
WINDOW = 60  # seconds a mail of another process may take, at most
SETTINGS_MODULE = "demo_mode_settings"
SUBJECT_HEADER = re.compile(r"^Subject: (.*(?:\n[ \t].*)*)", re.M)

CREATE_REQUEST = """
import json
from wagtail.models import Site
from aquatiris_portal.enquiries.services import submit_request
from aquatiris_portal.models import Membership, PortalRequest, PortalSettings
owner = (Membership.objects.select_related("person", "client")
         .filter(role="owner", removed_at__isnull=True, person__portal_account__activated_at__isnull=False)
         .order_by("pk").first())
installation = owner.client.installations.order_by("pk").first()
request = submit_request(
    user=owner.person, client=owner.client, installation=installation, kind=PortalRequest.Kind.QUESTION,
    message="Bonjour, quand passez-vous ?",
    portal_settings=PortalSettings.for_site(Site.objects.get(is_default_site=True)))
print("REQUEST " + json.dumps({"reference": str(request.reference), "installation": installation.external_id}))
"""


class Demo:
    """One demo site: its folder (database, private files, media), the
    environment its processes run with, what they printed."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.db = self.folder / "db.sqlite3"
        self.outputs = []  # what every finished command printed
        self.server = None
        self.port = free_port()
        base = {
            key: value
            for key, value in os.environ.items()
            if key
            not in {
                "PYTHONPATH",
                "DJANGO_SETTINGS_MODULE",
                "REDIS_URL",
                "DATABASE_URL",
                "DEBUG",
                "SECRET_KEY",
                "DEFAULT_FROM_EMAIL",
                "WAGTAILADMIN_BASE_URL",
                "ALLOWED_HOSTS",
            }
            and not key.startswith(("AQUATIRIS_", "AWS_", "EMAIL_"))
        }
        self.env = {
            **base,
            "DEMO": "1",
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "DATABASE_URL": f"sqlite:///{self.db}",
            "AQUATIRIS_PORTAL_PRIVATE_ROOT": str(self.folder / "private"),
            "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
            "PYTHONPATH": str(self.folder),
            "WAGTAILADMIN_BASE_URL": f"http://127.0.0.1:{self.port}",
        }
        (self.folder / f"{SETTINGS_MODULE}.py").write_text(
            f"from example_site.settings import *  # noqa: F401,F403\nMEDIA_ROOT = {str(self.folder / 'media')!r}\n"
        )

    def manage(self, *args, timeout=300):
        done = subprocess.run(
            [sys.executable, str(MANAGE), *map(str, args)],
            cwd=self.folder,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, f"manage.py {args} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        self.outputs.append(done.stdout)
        return done

    def copy_to(self, folder):
        """A new Demo on a copy of this one's database and private files."""
        other = Demo(folder)
        for suffix in ("", "-wal"):
            if Path(f"{self.db}{suffix}").exists():
                shutil.copyfile(f"{self.db}{suffix}", f"{other.db}{suffix}")
        shutil.copytree(self.folder / "private", other.folder / "private")
        return other

    def start_server(self):
        self.server = start_process(
            [sys.executable, MANAGE, "runserver", "--noreload", f"127.0.0.1:{self.port}"],
            self.folder / "runserver.log",
            env=self.env,
            cwd=self.folder,
        )
        wait_until(
            lambda: urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=5).status == 200,
            120,
            "runserver",
            proc=self.server,
        )

    def stop_server(self):
        if self.server is not None:
            _stop_process(self.server)

    def server_output(self):
        return self.server.log_path.read_text(errors="replace") if self.server is not None else ""

    def printed_subjects(self):
        """Subject -> how many times a process printed a mail with it."""
        texts = [*self.outputs, self.server_output()]
        return collections.Counter(decoded(raw) for text in texts for raw in SUBJECT_HEADER.findall(text))

    def mails(self):
        """{key: (subject, status)} of the OutgoingMail rows."""
        with sqlite3.connect(self.db, timeout=20) as connection:
            rows = connection.execute("SELECT key, subject, status FROM aquatiris_portal_outgoingmail").fetchall()
        connection.close()
        return {key: (subject, status) for key, subject, status in rows}

    def create_request(self):
        """A client's request written by `manage.py shell` (which sends nothing itself)."""
        out = self.manage("shell", "-c", CREATE_REQUEST).stdout
        return json.loads(re.search(r"^REQUEST (.*)$", out, re.M).group(1))

    def answer_export(self, request, sequence=1):
        """An export of the internal system: the franchisee's answer to
        ``request``, a new document and a visit in three days for its installation."""
        pdf = make_pdf("Compte rendu")
        today = datetime.date.today()
        lines = [
            {
                "type": "message",
                "id": f"M-DEMO-{sequence}",
                "request": request["reference"],
                "author": {"role": "franchisee", "name": "Luc Martin"},
                "body": "Bonjour, je passe jeudi matin.",
                "sent_at": datetime.datetime.now(datetime.UTC).isoformat(),
                "status": "in_progress",
            },
            {
                "type": "document",
                "id": f"D-DEMO-{sequence}",
                "installation": request["installation"],
                "theme": "entretien",
                "title": "Compte rendu d'entretien",
                "file": f"files/D-DEMO-{sequence}.pdf",
                "sha256": sha256(pdf),
                "issued_on": today.isoformat(),
                "visible_to": ["client"],
            },
            {
                "type": "visit",
                "id": f"V-DEMO-{sequence}",
                "installation": request["installation"],
                "kind": "maintenance",
                "planned_for": (today + datetime.timedelta(days=3)).isoformat(),
                "slot": "morning",
                "technician": "Luc Martin",
                "visible_to": ["client"],
            },
        ]
        return write_export(self.folder / "exports", sequence, lines, {f"files/D-DEMO-{sequence}.pdf": pdf}).parent

    def failure_detail(self):
        return (
            f"rows: {self.mails()}\nprinted: {dict(self.printed_subjects())}\n"
            f"runserver:\n{log_tail(self.server.log_path, 60) if self.server else '(none)'}"
        )


def decoded(raw):
    """A Subject header as people read it (RFC 2047 words decoded, unfolded)."""
    return str(email.header.make_header(email.header.decode_header(re.sub(r"\r?\n[ \t]", " ", raw))))


@pytest.fixture(scope="module")
def built_demo(tmp_path_factory):
    """`migrate` and `portal_demo`, once for the module, as `make demo` runs them."""
    demo = Demo(tmp_path_factory.mktemp("demo-built"))
    demo.manage("migrate", "--noinput", "-v0", timeout=600)
    demo.manage("portal_demo", "--base-url", f"http://127.0.0.1:{demo.port}")
    assert demo.mails() == {}, "portal_demo queues no mail (the counts below start from zero)"
    return demo


@pytest.fixture
def demo(built_demo, tmp_path):
    demo = built_demo.copy_to(tmp_path)
    try:
        yield demo
    finally:
        demo.stop_server()


def kinds(mails):
    """The keys' first part (request, request_message, digest, visit), sorted."""
    return sorted(key.split(":")[0] for key in mails)


def test_mails_of_other_processes_go_out_within_a_minute_once(demo, stack_report):
    demo.start_server()

    # A shell queues the request's mails; runserver's schedule sends them.
    # (portal_notify's mail sweep would too: they are waited for first.)
    request = demo.create_request()
    started = time.monotonic()
    shell_mails = {key for key in demo.mails() if key.startswith("request:")}
    assert len(shell_mails) == 2, demo.mails()

    def shell_mails_printed_by_server():
        rows = demo.mails()
        server_printed = {decoded(raw) for raw in SUBJECT_HEADER.findall(demo.server_output())}
        return all(rows[key][1] == "sent" and rows[key][0] in server_printed for key in shell_mails)

    try:
        wait_until(shell_mails_printed_by_server, WINDOW, "the shell's mails sent by runserver")
    except RuntimeError as error:
        raise AssertionError(f"{error}\n{demo.failure_detail()}") from None
    # An import answers it (the client's "someone answered" mail), adds a
    # document (a digest) and a visit (a reminder) that portal_notify sends.
    demo.manage("portal_sync", demo.answer_export(request))
    demo.manage("portal_notify", "--now")

    mails = demo.mails()
    # The demo's own planned visits whose reminder is due come too (portal_demo
    # creates one per built installation with a SPANC), beside the export's.
    found = kinds(mails)
    assert [kind for kind in found if kind != "visit"] == ["digest", "request", "request", "request_message"], mails
    assert found.count("visit") >= 2, mails

    def all_sent_and_printed():
        rows = demo.mails()
        return all(status == "sent" for _, status in rows.values()) and set(demo.printed_subjects()) >= {
            subject for subject, _ in rows.values()
        }

    try:
        wait_until(all_sent_and_printed, WINDOW, "every mail sent and printed")
    except RuntimeError as error:
        raise AssertionError(f"{error}\n{demo.failure_detail()}") from None
    elapsed = time.monotonic() - started
    # Each mail printed once, by whichever process sent it (runserver's
    # schedule may take a mail of portal_sync before portal_sync does).
    rows = demo.mails()
    assert demo.printed_subjects() == collections.Counter(subject for subject, _ in rows.values()), (
        demo.failure_detail()
    )
    answer = next(subject for key, (subject, _) in rows.items() if key.startswith("request_message:"))
    assert answer.startswith("Nouvelle réponse à votre demande")
    # The shell sends nothing: its mails came out of runserver.
    shell_subjects = {subject for key, (subject, _) in rows.items() if key.startswith("request:")}
    server_printed = {decoded(raw) for raw in SUBJECT_HEADER.findall(demo.server_output())}
    assert shell_subjects <= server_printed, demo.failure_detail()
    stack_report(
        f"demo mode: {len(rows)} mails of shell, portal_sync and portal_notify sent once each, "
        f"all within {elapsed:.1f} s"
    )


def test_portal_sync_alone_sends_its_mail_before_it_exits(demo):
    request = demo.create_request()
    done = demo.manage("portal_sync", demo.answer_export(request))

    rows = demo.mails()
    answer = {key: value for key, value in rows.items() if key.startswith("request_message:")}
    assert [status for _, status in answer.values()] == ["sent"], rows
    [(answer_subject, _)] = answer.values()
    printed = collections.Counter(decoded(raw) for raw in SUBJECT_HEADER.findall(done.stdout))
    assert printed == collections.Counter([answer_subject]), done.stdout
    assert answer_subject.startswith("Nouvelle réponse à votre demande")
    # It runs the jobs it queued, not a sweep: the shell's mails wait for a server.
    assert {status for key, (_, status) in rows.items() if key.startswith("request:")} == {"pending"}


def test_portal_notify_alone_sends_the_mails_left_pending(demo):
    """Without a server, portal_notify's mail sweep (mail_tick's, for cron
    users) sends what the shell left pending, once, in its own output."""
    demo.create_request()
    done = demo.manage("portal_notify", "--now")

    rows = demo.mails()
    shell = {key: value for key, value in rows.items() if key.startswith("request:")}
    assert len(shell) == 2 and {status for _, status in shell.values()} == {"sent"}, rows
    printed = collections.Counter(decoded(raw) for raw in SUBJECT_HEADER.findall(done.stdout))
    assert printed == collections.Counter(subject for subject, _ in rows.values()), done.stdout
