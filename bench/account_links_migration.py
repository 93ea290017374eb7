"""Time the migration that removes PortalAccount's client and SPANC links
(0039_account_links_removed) on a SQLite database of N accounts.

    .venv/bin/python bench/account_links_migration.py --accounts 5000 [--spancs 100] [--with-memberships 0.5]

A fresh SQLite file is migrated up to 0038, filled with N client accounts
(each a user, a client and its PortalAccount with the client link) plus the
SPANC accounts, with bulk inserts through the historical models; a share of
them (``--with-memberships``) already has its owner/manager membership, the
others none (accounts written by code that still set the link). Then 0039
runs forward (the missing memberships made, the columns dropped), back (the
columns re-added and filled from the lead memberships) and forward again
(nothing to make). Counts and the wall time of each step are printed.
"""

import argparse
import os
import sys
import time
from importlib import import_module
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = "aquatiris_portal"
BEFORE = "0038_outbox_proof_event_kinds"
TARGET = "0039_account_links_removed"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--spancs", type=int, default=100)
    parser.add_argument("--with-memberships", type=float, default=0.0, help="share of accounts already a member")
    parser.add_argument("--db", default="/tmp/aqp-account-links-bench.sqlite3")
    args = parser.parse_args()
    db = Path(args.db)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_site.settings")
    os.environ.setdefault("DEMO", "1")
    sys.path[:0] = [str(ROOT), str(ROOT / "example_site")]
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.utils import timezone

    started = time.monotonic()
    call_command("migrate", verbosity=0, skip_checks=True)
    call_command("migrate", APP, BEFORE, verbosity=0)
    print(f"schema up to {BEFORE}: {time.monotonic() - started:.1f} s")

    old = MigrationLoader(connection).project_state((APP, BEFORE)).apps
    User, Client, Spanc = (old.get_model(*name) for name in (("auth", "User"), (APP, "Client"), (APP, "Spanc")))
    Account, Membership = old.get_model(APP, "PortalAccount"), old.get_model(APP, "Membership")

    started = time.monotonic()
    now = timezone.now()
    n, s = args.accounts, args.spancs
    users = User.objects.bulk_create(
        [User(username=f"p{i}@example.org", email=f"p{i}@example.org", password="!") for i in range(n + s)],
        batch_size=2000,
    )
    clients = Client.objects.bulk_create(
        [
            Client(external_id=f"C-{i}", code=f"CLI-{i}", code_key=f"CLI{i}", last_name=f"Nom{i}", email=users[i].email)
            for i in range(n)
        ],
        batch_size=2000,
    )
    spancs = Spanc.objects.bulk_create(
        [
            Spanc(
                external_id=f"S-{i}", code=f"PRO-{i}", code_key=f"PRO{i}", name=f"SPANC {i}", email=users[n + i].email
            )
            for i in range(s)
        ],
        batch_size=2000,
    )
    Account.objects.bulk_create(
        [Account(user=users[i], client=clients[i], activated_at=now) for i in range(n)]
        + [Account(user=users[n + i], spanc=spancs[i], activated_at=now) for i in range(s)],
        batch_size=2000,
    )
    members = int(n * args.with_memberships)
    Membership.objects.bulk_create(
        [Membership(person=users[i], client=clients[i], role="owner") for i in range(members)], batch_size=2000
    )
    took = time.monotonic() - started
    print(f"filled ({n} client accounts, {s} SPANC accounts, {members} already members): {took:.1f} s")

    def counts():
        # Raw SQL: the columns come and go between the steps (no model fits both); constant table names.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT role, COUNT(*) FROM {APP}_membership GROUP BY role ORDER BY role")  # noqa: S608
            roles = dict(cursor.fetchall())
            cursor.execute(f"PRAGMA table_info({APP}_portalaccount)")
            columns = {row[1] for row in cursor.fetchall()}
            linked = None
            if "client_id" in columns:
                cursor.execute(f"SELECT COUNT(client_id) + COUNT(spanc_id) FROM {APP}_portalaccount")  # noqa: S608
                linked = cursor.fetchone()[0]
        return {"memberships": roles, "account links": linked}

    # The data step alone, without the migrate command's own start (graph, states, table rebuilds).
    step = import_module(f"{APP}.migrations.{TARGET}").Migration.operations[0]
    data = {}

    def timed(function):
        def run(apps, schema_editor):
            begun = time.monotonic()
            function(apps, schema_editor)
            data["step"] = time.monotonic() - begun

        return run

    step.code, step.reverse_code = timed(step.code), timed(step.reverse_code)

    print("before:", counts())
    for label, target in (("forward", TARGET), ("back", BEFORE), ("forward again", TARGET)):
        started = time.monotonic()
        call_command("migrate", APP, target, verbosity=0)
        took = time.monotonic() - started
        print(f"{label}: {took:.2f} s (data step {data.pop('step', 0):.2f} s) ->", counts())


if __name__ == "__main__":
    main()
