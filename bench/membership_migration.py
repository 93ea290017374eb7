"""Time the data migration that turns portal accounts into memberships
(0033_memberships_from_accounts) on a SQLite database of N accounts.

    .venv/bin/python bench/membership_migration.py --accounts 5000 [--spancs 100] [--db /tmp/memberships.sqlite3]

A fresh SQLite file is migrated up to 0032, filled with N client accounts
(each a user, a client and its PortalAccount) plus the SPANC accounts, with
bulk inserts (no signal: as the accounts were before memberships existed),
then 0033 runs forward, again (idempotent: nothing added) and back. Counts
before and after and the wall time of each step are printed.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_BEFORE = "0032_memberships"
TARGET = "0033_memberships_from_accounts"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--spancs", type=int, default=100)
    parser.add_argument("--db", default="/tmp/aqp-memberships-bench.sqlite3")
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
    call_command("migrate", "aquatiris_portal", TARGET_BEFORE, verbosity=0)
    call_command("migrate", verbosity=0, skip_checks=True)  # the other apps
    call_command("migrate", "aquatiris_portal", TARGET_BEFORE, verbosity=0)
    print(f"schema up to {TARGET_BEFORE}: {time.monotonic() - started:.1f} s")
    # The models as they were then (PortalAccount's client and SPANC links went in 0039).
    old = MigrationLoader(connection).project_state(("aquatiris_portal", TARGET)).apps
    User = old.get_model("auth", "User")
    Client, Spanc = old.get_model("aquatiris_portal", "Client"), old.get_model("aquatiris_portal", "Spanc")
    PortalAccount = old.get_model("aquatiris_portal", "PortalAccount")
    Membership = old.get_model("aquatiris_portal", "Membership")

    started = time.monotonic()
    now = timezone.now()
    n, s = args.accounts, args.spancs
    users = User.objects.bulk_create(
        [User(username=f"p{i}@example.org", email=f"p{i}@example.org", password="!") for i in range(n + s)],
        batch_size=2000,
    )
    clients = Client.objects.bulk_create(
        [
            Client(
                external_id=f"C-{i}",
                code=f"CLI-{i}",
                code_key=f"CLI{i}",
                last_name=f"Nom{i}",
                email=f"p{i}@example.org",
            )
            for i in range(n)
        ],
        batch_size=2000,
    )
    spancs = Spanc.objects.bulk_create(
        [
            Spanc(
                external_id=f"S-{i}",
                code=f"PRO-{i}",
                code_key=f"PRO{i}",
                name=f"SPANC {i}",
                email=f"p{n + i}@example.org",
            )
            for i in range(s)
        ],
        batch_size=2000,
    )
    PortalAccount.objects.bulk_create(
        [PortalAccount(user=users[i], client=clients[i], activated_at=now) for i in range(n)]
        + [PortalAccount(user=users[n + i], spanc=spancs[i], activated_at=now) for i in range(s)],
        batch_size=2000,
    )
    print(f"filled ({n} client accounts, {s} SPANC accounts): {time.monotonic() - started:.1f} s")

    def counts():
        return {
            "accounts": PortalAccount.objects.count(),
            "memberships": Membership.objects.count(),
            "owners": Membership.objects.filter(role="owner").count(),
            "managers": Membership.objects.filter(role="manager").count(),
        }

    print("before:", counts())
    for label, target in (("forward", TARGET), ("back", TARGET_BEFORE), ("forward again", TARGET)):
        started = time.monotonic()
        call_command("migrate", "aquatiris_portal", target, verbosity=0)
        print(f"{label}: {time.monotonic() - started:.2f} s ->", counts())
    # The data step alone, without the migrate command's own start (loading the graph and states).
    from importlib import import_module

    apps = old
    migration = import_module(f"aquatiris_portal.migrations.{TARGET}")
    for label, step in (
        ("data step back alone", migration.backwards),
        ("data step forward alone", migration.forwards),
        ("data step forward on top of itself (idempotent)", migration.forwards),
    ):
        started = time.monotonic()
        step(apps, None)
        print(f"{label}: {time.monotonic() - started:.2f} s ->", counts())


if __name__ == "__main__":
    main()
