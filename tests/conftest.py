import os

import pytest
from hypothesis import settings as hypothesis_settings

# Hypothesis budgets of the property tests: "default" (the unit suite: a
# fixed, bounded number of examples, no per-example deadline since tests
# touch the database) and "deep" (a longer hunt, run by hand or nightly).
# Pick one with ``--hypothesis-profile deep`` (Hypothesis's pytest plugin)
# or HYPOTHESIS_PROFILE=deep. A failure prints the blob that replays it.
hypothesis_settings.register_profile("default", max_examples=100, deadline=None, print_blob=True)
hypothesis_settings.register_profile("deep", max_examples=1000, deadline=None, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """SQLite tests run on a file database in WAL mode with a busy timeout.

    Django's default in-memory test database is shared between threads in
    SQLite's shared-cache mode, where a writer locks whole tables and a reader
    in another thread fails at once with "database table is locked" (no busy
    timeout applies there). The dramatiq worker of the job tests is such a
    thread. On a file with WAL, readers never block and writers wait their
    turn; IMMEDIATE transactions take the write lock up front, so two writers
    queue instead of deadlocking.
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        return
    database.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("db") / "test.sqlite3")
    database.setdefault("OPTIONS", {}).update(
        timeout=20,
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )


@pytest.fixture(autouse=True)
def _private_root(settings, tmp_path):
    """Every test writes private files into its own temporary folder."""
    settings.AQUATIRIS_PORTAL_PRIVATE_ROOT = str(tmp_path / "private")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache (login throttling counts live there)."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def stub_broker():
    import dramatiq

    broker = dramatiq.get_broker()
    broker.flush_all()
    yield broker
    broker.flush_all()


@pytest.fixture
def broker_down(stub_broker, monkeypatch):
    """The stub broker refusing every message as a stopped Redis does, until ``.up()``."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    enqueue = stub_broker.enqueue
    state = {"down": True}

    def refusing(message, *, delay=None):
        if state["down"]:
            raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        return enqueue(message, delay=delay)

    monkeypatch.setattr(stub_broker, "enqueue", refusing)

    class Switch:
        def up(self):
            state["down"] = False

    return Switch()


@pytest.fixture
def worker(stub_broker):
    """A dramatiq worker on the stub broker (join with ``stub_broker.join(queue)``).

    One thread on SQLite: the test database is one file (or shared-cache
    memory) whose writers lock each other out, so several worker threads
    writing at once fail with "database table is locked". On PostgreSQL the
    default thread count runs, as in production.
    """
    import dramatiq
    from django.db import connection

    import aquatiris_portal.tasks  # noqa: F401

    threads = 1 if connection.vendor == "sqlite" else 8
    w = dramatiq.Worker(stub_broker, worker_threads=threads, worker_timeout=100)
    w.start()
    yield w
    w.stop()


@pytest.fixture
def admin_client(db, admin_user):
    """pytest-django's admin_client, past the second factor (every admin URL
    requires it: accounts/middleware.py)."""
    from django.test import Client

    from tests.factories import otp_login

    http = Client()
    otp_login(http, admin_user)
    return http
