"""How many folders each SPANC has, kept by the database itself.

The SPANC's folder list shows its territory's count on every page. Counting
5,000 index entries costs PostgreSQL 0.15 ms a page view, while the rest of
the list's query costs the same on 5 folders as on 5,000: that count made
most of the difference between a small and a big territory's list. The
count is kept in ``SpancFolderCount`` by triggers on the installations'
table, so that every writer keeps it right: the import's COPY and upserts,
the ORM, ``QuerySet.update``, raw SQL, cascades.

- PostgreSQL: inserts and deletes by statement-level triggers with
  transition tables: one grouped write per statement, not one per row (a
  first import's 150,000 installations change some 200 counts once, not
  150,000 times); a move to another SPANC by a row-level trigger that runs
  for those rows only.
- SQLite: row-level triggers (it has no statement-level ones).
- Any other database: no trigger; ``kept_by(connection)`` is false and the
  list counts the installations, as before.

``install`` (re)creates the triggers and recounts every SPANC. Migration
0046 runs it, and so does every ``migrate`` (``post_migrate``): SQLite
rebuilds a table for some schema changes, dropping its triggers, and a
recount at each deploy mends a count written while they were missing.
"""

from django.db import transaction

VENDORS = ("postgresql", "sqlite")

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Ordered by SPANC: concurrent writers take the count rows' locks in one order.
    IF TG_OP = 'INSERT' THEN
        INSERT INTO {counts} (spanc_id, folders)
        SELECT spanc_id, count(*) FROM new_rows WHERE spanc_id IS NOT NULL GROUP BY spanc_id ORDER BY spanc_id
        ON CONFLICT (spanc_id) DO UPDATE SET folders = {counts}.folders + EXCLUDED.folders;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO {counts} (spanc_id, folders)
        SELECT spanc_id, -count(*) FROM old_rows WHERE spanc_id IS NOT NULL GROUP BY spanc_id ORDER BY spanc_id
        ON CONFLICT (spanc_id) DO UPDATE SET folders = {counts}.folders + EXCLUDED.folders;
    END IF;
    RETURN NULL;
END $$
"""

# A move is one row at a time: an UPDATE trigger with transition tables would
# copy every updated row twice (the import updates many, their SPANC rarely:
# +14 % on an update of every installation), while this one runs only for the
# rows whose SPANC changed (``UPDATE OF spanc_id`` and its WHEN, checked by
# the server without calling it).
_PG_MOVE_FUNCTION = """
CREATE OR REPLACE FUNCTION {function}_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.spanc_id IS NOT NULL THEN
        UPDATE {counts} SET folders = folders - 1 WHERE spanc_id = OLD.spanc_id;
    END IF;
    IF NEW.spanc_id IS NOT NULL THEN
        INSERT INTO {counts} (spanc_id, folders) VALUES (NEW.spanc_id, 1)
        ON CONFLICT (spanc_id) DO UPDATE SET folders = {counts}.folders + 1;
    END IF;
    RETURN NULL;
END $$
"""

_PG_TRIGGERS = [
    "CREATE OR REPLACE TRIGGER {name}_insert AFTER INSERT ON {installations} "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
    "CREATE OR REPLACE TRIGGER {name}_move AFTER UPDATE OF spanc_id ON {installations} "
    "FOR EACH ROW WHEN (OLD.spanc_id IS DISTINCT FROM NEW.spanc_id) EXECUTE FUNCTION {function}_move()",
    "CREATE OR REPLACE TRIGGER {name}_delete AFTER DELETE ON {installations} "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
]

# No INSERT OR IGNORE / upsert: an outer statement's conflict clause would
# override a trigger's (an outer INSERT OR REPLACE would reset the count).
_SQLITE_ADD = (
    "INSERT INTO {counts} (spanc_id, folders) SELECT {row}.spanc_id, 0 "
    "WHERE NOT EXISTS (SELECT 1 FROM {counts} WHERE spanc_id = {row}.spanc_id); "
    "UPDATE {counts} SET folders = folders + 1 WHERE spanc_id = {row}.spanc_id;"
)
_SQLITE_REMOVE = "UPDATE {counts} SET folders = folders - 1 WHERE spanc_id = {row}.spanc_id;"
_SQLITE_TRIGGERS = [
    "CREATE TRIGGER {name}_insert AFTER INSERT ON {installations} "
    "WHEN NEW.spanc_id IS NOT NULL BEGIN " + _SQLITE_ADD.replace("{row}", "NEW") + " END",
    "CREATE TRIGGER {name}_delete AFTER DELETE ON {installations} "
    "WHEN OLD.spanc_id IS NOT NULL BEGIN " + _SQLITE_REMOVE.replace("{row}", "OLD") + " END",
    "CREATE TRIGGER {name}_move_out AFTER UPDATE OF spanc_id ON {installations} "
    "WHEN OLD.spanc_id IS NOT NULL AND OLD.spanc_id IS NOT NEW.spanc_id BEGIN "
    + _SQLITE_REMOVE.replace("{row}", "OLD")
    + " END",
    "CREATE TRIGGER {name}_move_in AFTER UPDATE OF spanc_id ON {installations} "
    "WHEN NEW.spanc_id IS NOT NULL AND OLD.spanc_id IS NOT NEW.spanc_id BEGIN "
    + _SQLITE_ADD.replace("{row}", "NEW")
    + " END",
]
_SQLITE_NAMES = ("insert", "delete", "move_out", "move_in")
_PG_NAMES = ("insert", "move", "delete")

NAME = "aqp_spanc_folder_count"


def kept_by(connection):
    """Whether the triggers keep the counts on this database."""
    return connection.vendor in VENDORS


def _tables(connection, counts, installations):
    qn = connection.ops.quote_name
    return {"counts": qn(counts), "installations": qn(installations), "name": NAME, "function": NAME}


def install(connection, counts, installations):
    """(Re)create the triggers on ``installations`` (a table name) that keep
    ``counts`` (SpancFolderCount's table), then recount every SPANC. Safe to
    run again: what exists is replaced, nothing is counted twice."""
    if not kept_by(connection):
        return
    names = _tables(connection, counts, installations)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Writers wait the recount's few milliseconds: none changes a count meanwhile.
            cursor.execute(f"LOCK TABLE {names['installations']} IN SHARE MODE")
            cursor.execute(_PG_FUNCTION.format(**names))
            cursor.execute(_PG_MOVE_FUNCTION.format(**names))
            statements = _PG_TRIGGERS
        else:
            # CREATE TRIGGER has no OR REPLACE on SQLite: a changed definition is dropped first.
            for suffix in _SQLITE_NAMES:
                cursor.execute(f"DROP TRIGGER IF EXISTS {NAME}_{suffix}")
            statements = _SQLITE_TRIGGERS
        for statement in statements:
            cursor.execute(statement.format(**names))
        recount(cursor, names)


def recount(cursor, names):
    """Every SPANC's count from its installations (``names``: quoted table names)."""
    cursor.execute(f"DELETE FROM {names['counts']}")  # noqa: S608  quoted table names, no value
    cursor.execute(
        f"INSERT INTO {names['counts']} (spanc_id, folders) "  # noqa: S608  quoted table names, no value
        f"SELECT spanc_id, COUNT(*) FROM {names['installations']} WHERE spanc_id IS NOT NULL GROUP BY spanc_id"
    )


def recount_spanc(connection, counts, installations, spanc_id):
    """One SPANC's count from its installations: a count written from
    outside (``loaddata`` of a dump) is replaced by what the table holds."""
    if not kept_by(connection):
        return
    names = _tables(connection, counts, installations)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {names['counts']} SET folders = "  # noqa: S608  quoted table names; the value is a parameter
            f"(SELECT COUNT(*) FROM {names['installations']} WHERE spanc_id = %s) WHERE spanc_id = %s",
            [spanc_id, spanc_id],
        )


def uninstall(connection, installations):
    """Drop the triggers (before the counts' table goes)."""
    if not kept_by(connection):
        return
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for suffix in _PG_NAMES:
                cursor.execute(f"DROP TRIGGER IF EXISTS {NAME}_{suffix} ON {qn(installations)}")
            cursor.execute(f"DROP FUNCTION IF EXISTS {NAME}()")
            cursor.execute(f"DROP FUNCTION IF EXISTS {NAME}_move()")
        else:
            for suffix in _SQLITE_NAMES:
                cursor.execute(f"DROP TRIGGER IF EXISTS {NAME}_{suffix}")
