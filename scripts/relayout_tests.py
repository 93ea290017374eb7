"""Move the unit tests into one folder per room: tests/unit/<room>/.

The rooms are the package's subpackages (accounts, enquiries, records, sync,
pages, snippets, notifications, digests, security_log, filecheck,
backoffice, blocks), plus ``architecture`` (the code's structure, the import
contract, the names) and ``site`` (what crosses the rooms: the example site,
the demo, the docs, the top-level modules). Helpers (``_*.py``) and
conftest.py stay in tests/unit/, shared by every room.

    .venv/bin/python scripts/relayout_tests.py --dry-run   # print the moves
    .venv/bin/python scripts/relayout_tests.py             # git mv, then check

Each test file goes to the room the table below names; a file the table does
not know goes by the first name prefix that matches (PREFIX_RULES), else to
``site``, printed loudly so that someone adds it to the table. Then imports
between test modules (``tests.unit.test_threads``) and paths written in the
tree (``tests/unit/test_threads.py``) follow the move, and ``parents[2]``
(the repository from a test file) becomes ``parents[3]``. The same tests are
collected before and after (``pytest --collect-only``, compared test by
test): the script exits 1 otherwise. Idempotent: files already in a room
folder stay where they are.

At the end of a round, before scripts/tidy_tree.sh: the rewritten imports
(``from tests.unit.<room>.test_x``) may need isort's order again.
"""

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "tests" / "unit"

ROOMS = (
    "accounts",
    "enquiries",
    "records",
    "sync",
    "pages",
    "snippets",
    "notifications",
    "digests",
    "security_log",
    "filecheck",
    "backoffice",
    "blocks",
    "architecture",
    "site",
)

TABLE = {
    "test_access_buttons_tag.py": "blocks",
    "test_access_log_routes.py": "security_log",
    "test_access_log_sweep.py": "security_log",
    "test_access_log_page.py": "security_log",
    "test_access_log_properties.py": "security_log",
    "test_accessibility.py": "pages",
    "test_accessibility_link.py": "pages",
    "test_accounts.py": "accounts",
    "test_accounts_trust.py": "accounts",
    "test_admin_doors.py": "accounts",
    "test_architecture.py": "architecture",
    "test_backoffice.py": "backoffice",
    "test_bench_data.py": "site",
    "test_blocks.py": "blocks",
    "test_changelog.py": "site",
    "test_checks.py": "site",
    "test_client_shell.py": "pages",
    "test_client_space.py": "pages",
    "test_code_properties.py": "records",
    "test_content_cache.py": "site",
    "test_csrf_sweep.py": "site",
    "test_csv_formulas.py": "site",
    "test_dead_ends.py": "pages",
    "test_devworker.py": "site",
    "test_digests.py": "digests",
    "test_doc_links.py": "site",
    "test_dossier.py": "enquiries",
    "test_editor_links.py": "blocks",
    "test_error_summary.py": "enquiries",
    "test_export_properties.py": "enquiries",
    "test_export_rows.py": "enquiries",
    "test_extending_doc.py": "site",
    "test_factories.py": "site",
    "test_file_check_bounds.py": "filecheck",
    "test_first_connection.py": "accounts",
    "test_foundation.py": "site",
    "test_franchisee_page.py": "enquiries",
    "test_glossary.py": "architecture",
    "test_glossary_code_names.py": "architecture",
    "test_handover.py": "enquiries",
    "test_host_install_checks.py": "site",
    "test_i18n.py": "site",
    "test_idle_background.py": "accounts",
    "test_input_properties.py": "records",
    "test_invitations.py": "accounts",
    "test_login_limits.py": "accounts",
    "test_mail_admin.py": "notifications",
    "test_mail_retention.py": "notifications",
    "test_mail_routing.py": "backoffice",
    "test_mail_tls.py": "notifications",
    "test_memberships.py": "accounts",
    "test_message_limits.py": "enquiries",
    "test_my_data.py": "enquiries",
    "test_news_faq.py": "pages",
    "test_next_redirects.py": "accounts",
    "test_notifications.py": "notifications",
    "test_one_routing.py": "enquiries",
    "test_page_routing.py": "pages",
    "test_paris_dates.py": "records",
    "test_people_authors.py": "enquiries",
    "test_people_notifications.py": "notifications",
    "test_portal_demo.py": "site",
    "test_portal_demo_maintenance.py": "site",
    "test_private_file_headers.py": "site",
    "test_proof_loop.py": "enquiries",
    "test_pro_space_access.py": "pages",
    "test_pro_space_folders.py": "pages",
    "test_pro_space_maintenance_filter.py": "pages",
    "test_pro_space_planning.py": "pages",
    "test_pro_space_uploads.py": "pages",
    "test_query_budgets.py": "site",
    "test_readme_snippets.py": "site",
    "test_reply_link.py": "enquiries",
    "test_request_exports.py": "enquiries",
    "test_request_statuses.py": "enquiries",
    "test_retention.py": "enquiries",
    "test_row_locks.py": "architecture",
    "test_safe_defaults.py": "site",
    "test_sample_export.py": "sync",
    "test_schedule_table.py": "architecture",
    "test_second_factor_sweep.py": "accounts",
    "test_security_log.py": "security_log",
    "test_security_log_flood.py": "security_log",
    "test_serial_patterns.py": "records",
    "test_settings_deprecation.py": "site",
    "test_settings_doc.py": "site",
    "test_sharing_sweep.py": "site",
    "test_site_cache.py": "site",
    "test_space_page_texts.py": "pages",
    "test_space_texts_migration.py": "pages",
    "test_spanc_upload_form.py": "enquiries",
    "test_spreadsheets.py": "site",
    "test_sync_admin.py": "sync",
    "test_sync_busy_retry.py": "sync",
    "test_sync_hash.py": "sync",
    "test_sync_hostile.py": "sync",
    "test_sync_import.py": "sync",
    "test_sync_import_cost.py": "sync",
    "test_sync_outbox.py": "sync",
    "test_sync_push.py": "sync",
    "test_threads.py": "enquiries",
    "test_trusted_browsers.py": "accounts",
    "test_upload_help.py": "enquiries",
    "test_uploads_hostile.py": "filecheck",
    "test_versions.py": "site",
    "test_view_as_client.py": "accounts",
    "test_visit_calendar.py": "records",
    "test_visit_reminders.py": "notifications",
    "test_visits_admin.py": "records",
    "test_visits_client.py": "pages",
    "test_visits_import.py": "sync",
    "test_visits_spanc.py": "pages",
    "test_warranty_once_built.py": "enquiries",
    "test_wiring_table.py": "architecture",
}

# For test files written after the table: the first matching prefix wins.
PREFIX_RULES = (
    ("test_sync", "sync"),
    ("test_visits_import", "sync"),
    ("test_sample_export", "sync"),
    ("test_account", "accounts"),
    ("test_login", "accounts"),
    ("test_second_factor", "accounts"),
    ("test_trusted", "accounts"),
    ("test_password", "accounts"),
    ("test_activation", "accounts"),
    ("test_first_connection", "accounts"),
    ("test_invitation", "accounts"),
    ("test_membership", "accounts"),
    ("test_otp", "accounts"),
    ("test_view_as", "accounts"),
    ("test_pro_space", "pages"),
    ("test_client_space", "pages"),
    ("test_client_shell", "pages"),
    ("test_space", "pages"),
    ("test_news", "pages"),
    ("test_faq", "pages"),
    ("test_page", "pages"),
    ("test_visits_client", "pages"),
    ("test_visits_spanc", "pages"),
    ("test_mail_routing", "backoffice"),
    ("test_mail", "notifications"),
    ("test_notification", "notifications"),
    ("test_digest", "digests"),
    ("test_security_log", "security_log"),
    ("test_access_log", "security_log"),
    ("test_file_check", "filecheck"),
    ("test_filecheck", "filecheck"),
    ("test_uploads", "filecheck"),
    ("test_spanc_upload", "enquiries"),
    ("test_upload", "enquiries"),
    ("test_request", "enquiries"),
    ("test_thread", "enquiries"),
    ("test_reply", "enquiries"),
    ("test_enquir", "enquiries"),
    ("test_routing", "enquiries"),
    ("test_one_routing", "enquiries"),
    ("test_warranty", "enquiries"),
    ("test_export", "enquiries"),
    ("test_dossier", "enquiries"),
    ("test_handover", "enquiries"),
    ("test_proof", "enquiries"),
    ("test_backoffice", "backoffice"),
    ("test_admin", "backoffice"),
    ("test_block", "blocks"),
    ("test_button", "blocks"),
    ("test_editor_link", "blocks"),
    ("test_architecture", "architecture"),
    ("test_import", "architecture"),
    ("test_wiring", "architecture"),
    ("test_glossary", "architecture"),
    ("test_schedule_table", "architecture"),
    ("test_visit", "records"),
    ("test_record", "records"),
    ("test_code", "records"),
    ("test_serial", "records"),
    ("test_control", "records"),
    ("test_snippet", "snippets"),
    ("test_portal_settings", "snippets"),
)

# Text files where a path tests/unit/test_x.py may be written (CHANGELOG.md
# is history: it keeps the paths of its time).
TEXT_SUFFIXES = {".py", ".md", ".cfg", ".toml", ".ini", ".sh", ".txt", ".json", ".yaml", ".yml"}
SKIP_PARTS = {".git", ".venv", ".venv-oldest", "node_modules", "__pycache__", ".hypothesis", "build", "dist"}
SKIP_FILES = {"CHANGELOG.md", "relayout_tests.py"}
RELATIVE = re.compile(r"^(\s*)from \.(\w+) import", re.M)
PARENTS = re.compile(r"(Path\(__file__\)(?:\.resolve\(\))?\.parents\[)(\d+)(\])")


def room_of(name, loud):
    if name in TABLE:
        return TABLE[name]
    for prefix, room in PREFIX_RULES:
        if name.startswith(prefix):
            loud.append(f"{name}: not in the table, by its prefix {prefix!r} -> {room}")
            return room
    loud.append(f"{name}: NOT IN THE TABLE AND NO PREFIX MATCHES -> site (add it to TABLE)")
    return "site"


def plan():
    loud = []
    moves = {}
    for path in sorted(UNIT.glob("test_*.py")):
        moves[path.name] = room_of(path.name, loud)
    return moves, loud


def collected():
    """Every test pytest collects under tests/unit, as file name::test id
    (the file's folder left out: the same test before and after a move)."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/unit", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        sys.exit(f"pytest --collect-only failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    ids = set()
    for line in result.stdout.splitlines():
        if "::" in line and line.startswith("tests/"):
            path, _sep, test = line.partition("::")
            ids.add(f"{Path(path).name}::{test}")
    return ids


def text_files():
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [name for name in subfolders if name not in SKIP_PARTS]  # not into .venv, .git...
        for name in files:
            path = Path(folder) / name
            if (path.suffix in TEXT_SUFFIXES or name == "Makefile") and name not in SKIP_FILES:
                yield path


def rewrite_references(moves):
    """tests.unit.test_x -> tests.unit.<room>.test_x, tests/unit/test_x.py ->
    tests/unit/<room>/test_x.py, everywhere in the tree's text files."""
    modules = {name[:-3]: room for name, room in moves.items()}
    module_ref = re.compile(r"\btests\.unit\.(" + "|".join(map(re.escape, modules)) + r")\b")
    path_ref = re.compile(r"\btests/unit/(" + "|".join(map(re.escape, modules)) + r")\.py\b")
    from_unit = re.compile(r"^(\s*)from tests\.unit import ([^\n(]+)$", re.M)
    changed = []
    for path in text_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        new = module_ref.sub(lambda m: f"tests.unit.{modules[m[1]]}.{m[1]}", text)
        new = path_ref.sub(lambda m: f"tests/unit/{modules[m[1]]}/{m[1]}.py", new)

        def split_from(match):
            indent, names = match[1], [n.strip() for n in match[2].split("#")[0].split(",")]
            moved = [n for n in names if n.split(" as ")[0] in modules]
            if not moved:
                return match[0]
            lines = [f"{indent}from tests.unit.{modules[n.split(' as ')[0]]} import {n}" for n in moved]
            kept = [n for n in names if n not in moved]
            if kept:
                lines.insert(0, f"{indent}from tests.unit import {', '.join(kept)}")
            return "\n".join(lines)

        new = from_unit.sub(split_from, new)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path.relative_to(ROOT))
    return changed


def fix_moved_file(path, modules):
    """A test one folder deeper reaches the repository one parent further,
    and its relative imports of a sibling (``from .test_x``, ``from ._helper``)
    become absolute ones."""
    text = path.read_text(encoding="utf-8")
    new = PARENTS.sub(lambda m: f"{m[1]}{int(m[2]) + 1}{m[3]}", text)

    def absolute(match):
        name = match[2]
        target = f"tests.unit.{modules[name]}.{name}" if name in modules else f"tests.unit.{name}"
        return f"{match[1]}from {target} import"

    new = RELATIVE.sub(absolute, new)
    if new != text:
        path.write_text(new, encoding="utf-8")
    if re.search(r"(?<![\w.])__file__\)(?:\.resolve\(\))?\.parent\b|dirname\(__file__\)|^\s*from \. import", new, re.M):
        print(f"CHECK BY HAND: {path.relative_to(ROOT)} finds files or modules from its own folder")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dry-run", action="store_true", help="print the moves, change nothing")
    args = parser.parse_args()
    moves, loud = plan()
    for line in loud:
        print("!!", line)
    for name, room in sorted(moves.items(), key=lambda item: (item[1], item[0])):
        print(f"{name} -> tests/unit/{room}/")
    if args.dry_run or not moves:
        print("nothing to move" if not moves else "dry run: nothing changed")
        return
    before = collected()
    print(f"collected before: {len(before)}")
    for room in sorted(set(moves.values())):
        folder = UNIT / room
        folder.mkdir(exist_ok=True)
        init = folder / "__init__.py"
        if not init.exists():
            init.write_text("")
            subprocess.run(["git", "add", str(init.relative_to(ROOT))], cwd=ROOT, check=True)
    for name, room in moves.items():
        subprocess.run(["git", "mv", f"tests/unit/{name}", f"tests/unit/{room}/{name}"], cwd=ROOT, check=True)
        fix_moved_file(UNIT / room / name, {n[:-3]: r for n, r in moves.items()})
    changed = rewrite_references(moves)
    print(f"references rewritten in {len(changed)} files: {', '.join(map(str, changed))}")
    after = collected()
    print(f"collected after: {len(after)}")
    if before != after:
        print("THE COLLECTION CHANGED:")
        for test in sorted(before - after)[:50]:
            print("  lost:", test)
        for test in sorted(after - before)[:50]:
            print("  new: ", test)
        sys.exit(1)
    paths = sorted({"tests/unit", *map(str, changed)})
    print("same tests collected before and after; commit with:")
    print(f"  git commit -m 'Tests laid out by room (scripts/relayout_tests.py)' -- {' '.join(paths)}")


if __name__ == "__main__":
    main()
