"""The example site's PostgreSQL options: server-side binding and prepared
statements by default (PostgreSQL plans a repeated query once per
connection), off with DATABASE_SERVER_SIDE_BINDING=0 (a PgBouncer in
transaction mode without prepared statement support), never on SQLite.

The settings are imported in a fresh interpreter for each environment (they
are read once per process)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
POSTGRES_URL = "postgres://portal@db.invalid:5432/portal"

DUMP = """
import json, example_site.settings as s
print(json.dumps({"engine": s.DATABASES["default"]["ENGINE"], "options": s.DATABASES["default"].get("OPTIONS", {})}))
"""


def database_of(**values):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DATABASE_") and key != "DJANGO_SETTINGS_MODULE"
    }
    env.update(PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "example_site")]), DEMO="1", **values)
    done = subprocess.run([sys.executable, "-c", DUMP], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_postgresql_binds_server_side_and_prepares_repeated_statements_by_default():
    database = database_of(DATABASE_URL=POSTGRES_URL)
    assert database["engine"] == "django.db.backends.postgresql"
    assert database["options"] == {"server_side_binding": True, "prepare_threshold": 5}


@pytest.mark.parametrize("off", ["0", "false", "no"])
def test_server_side_binding_can_be_turned_off_for_a_pooler(off):
    database = database_of(DATABASE_URL=POSTGRES_URL, DATABASE_SERVER_SIDE_BINDING=off)
    assert "server_side_binding" not in database["options"]
    assert "prepare_threshold" not in database["options"]  # Django's default: nothing prepared


def test_the_prepare_threshold_comes_from_the_environment():
    database = database_of(DATABASE_URL=POSTGRES_URL, DATABASE_PREPARE_THRESHOLD="2")
    assert database["options"]["prepare_threshold"] == 2


def test_sqlite_gets_none_of_the_postgresql_options():
    database = database_of(DATABASE_URL="sqlite:////tmp/portal-options.sqlite3")
    assert database["engine"] == "django.db.backends.sqlite3"
    assert "server_side_binding" not in database["options"]
    assert database["options"]["transaction_mode"] == "IMMEDIATE"
