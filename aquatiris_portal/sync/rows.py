"""The raw SQL of the importer: rows of the synced tables read and written
by ``external_id`` without model instances.

On PostgreSQL a look-up by many ids is one array parameter (``= ANY``),
rows the table does not hold yet one COPY straight into it, other writes a
COPY into a temporary table then one ``INSERT ... ON CONFLICT DO UPDATE``,
new hashes of unchanged rows one ``UPDATE ... FROM unnest``; elsewhere
(SQLite) the same statements through ``executemany``.
"""

import datetime
from operator import itemgetter

from django.db import connection
from django.utils import timezone

try:  # the PostgreSQL driver; absent on a SQLite-only install
    import psycopg
    import psycopg.copy
except ImportError:  # pragma: no cover
    psycopg = None

try:  # a few times faster than the json module
    from orjson import dumps as _orjson_dumps

    def json_array(values):
        return _orjson_dumps(values).decode()

except ImportError:  # pragma: no cover
    import json

    def json_array(values):
        return json.dumps(values, ensure_ascii=False)


# Up to this many rows an upsert on PostgreSQL is one INSERT of their values;
# more go by COPY into a temporary table (faster per row, a fixed cost).
SMALL_WRITE = 50


def max_lengths(model):
    return {
        f.attname: f.max_length
        for f in model._meta.concrete_fields
        if getattr(f, "max_length", None) and f.get_internal_type() in ("CharField", "EmailField", "SlugField")
    }


def by_external_id(model, ids, columns):
    """Rows (tuples of ``columns``) of ``model`` whose external_id is in ``ids``."""
    return by_unique_column(model, "external_id", ids, columns)


def by_unique_column(model, key, values, columns):
    """Rows (tuples of ``columns``) of ``model`` whose ``key`` (a column with
    a unique index) is in ``values``. On PostgreSQL one parameter, the values
    as a JSON array: thousands of ``IN (%s, ...)`` placeholders cost more to
    bind than the query takes, and psycopg dumps a list into an array
    parameter in Python (4x the client's CPU of one JSON string)."""
    if not values:
        return []
    if connection.vendor == "postgresql":
        # No PostgreSQL text holds a NUL (nor can JSON carry it there): such a value matches no row.
        values = [value for value in values if "\x00" not in value]
        if not values:
            return []
        qn = connection.ops.quote_name
        connection.ensure_connection()
        # A server-side bound, binary cursor on Django's connection (same
        # transaction): Django's client-side binding would spell the whole
        # array into the SQL text, which costs more than the query.
        with psycopg.Cursor(connection.connection) as cursor:
            # Through the unique index: without statistics (a table just filled
            # by an import) the planner scans the whole table for each batch.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(
                f"SELECT {', '.join(qn(c) for c in columns)} FROM {qn(model._meta.db_table)} "
                f"WHERE {qn(key)} = ANY(ARRAY(SELECT json_array_elements_text(%s::json)))",
                [json_array(values)],
                binary=True,
            )
            rows = cursor.fetchall()
            cursor.execute("SET LOCAL enable_seqscan TO DEFAULT")
            return rows
    return list(model.objects.filter(**{f"{key}__in": values}).values_list(*columns))


class RowWriter:
    """Inserts or updates rows of one synced table by ``external_id``
    without model instances: on PostgreSQL, COPY into a temporary table then
    one INSERT ... ON CONFLICT DO UPDATE; elsewhere the same upsert with
    executemany. Rows are dicts of column values; the columns they lack
    get their field's default (timestamps: now)."""

    def __init__(self, model, fields, meanwhile=None):
        self.model = model
        # Called once a COPY's rows are all sent, before waiting for the
        # server to take them: work the client does while the server writes.
        self.meanwhile = meanwhile
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        names = {f.attname for f in self.fields}
        updated = [*fields, "synced_at", "sync_hash"] + (["updated_at"] if "updated_at" in names else [])
        qn = connection.ops.quote_name
        self.table = model._meta.db_table
        self.temp = f"aqp_sync_{self.table}"
        self.columns = ", ".join(qn(f.column) for f in self.fields)
        column_of = {f.attname: f.column for f in self.fields}
        self.on_conflict = f"ON CONFLICT ({qn(column_of['external_id'])}) DO UPDATE SET " + ", ".join(
            f"{qn(column_of[name])} = EXCLUDED.{qn(column_of[name])}" for name in updated
        )
        self.values_of = itemgetter(*(f.attname for f in self.fields))  # a row's values, in column order

    def _defaults(self):
        now = timezone.now()
        return {
            f.attname: now
            if f.attname in ("synced_at", "updated_at") or getattr(f, "auto_now", False)
            else f.get_default()
            for f in self.fields
        }

    def set_hashes(self, pairs):
        """Store new hashes [(external_id, sync_hash)] of unchanged rows."""
        qn = connection.ops.quote_name
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with psycopg.Cursor(connection.connection) as raw:
                    raw.execute(
                        f"UPDATE {qn(self.table)} AS t SET {qn('sync_hash')} = v.h "
                        f"FROM unnest(%s::text[], %s::text[]) AS v(id, h) WHERE t.{qn('external_id')} = v.id",
                        [[rid for rid, _h in pairs], [h for _rid, h in pairs]],
                    )
            else:
                cursor.executemany(
                    f"UPDATE {qn(self.table)} SET {qn('sync_hash')} = %s WHERE {qn('external_id')} = %s",
                    [(h, rid) for rid, h in pairs],
                )

    def _copy(self, cursor, table, rows):
        """COPY ``rows`` (dicts) into ``table``; the columns a row lacks get their default."""
        defaults, values_of = self._defaults(), self.values_of
        for name, value in defaults.items():
            if isinstance(value, datetime.datetime) and value.tzinfo is not None:
                # The same instant on every row: spelled once (ISO 8601 with
                # its offset) rather than dumped row by row, which cost most of
                # the COPY's time.
                defaults[name] = value.isoformat()
        qn = connection.ops.quote_name
        # Raised by the driver itself: Django's IntegrityError for the caller's fallback.
        raw = cursor.cursor
        # Every block flushed to the socket as it is written (not 1 MB at a
        # time): the server takes the rows while the client goes on.
        writer = psycopg.copy.LibpqWriter(raw, flush_threshold=0) if self.meanwhile else None
        with connection.wrap_database_errors:
            with raw.copy(f"COPY {qn(table)} ({self.columns}) FROM STDIN", writer=writer) as copy:
                write_row = copy.write_row
                for row in rows:
                    write_row(values_of(defaults | row))
                if self.meanwhile:
                    # The last rows sent too (the text formatter's buffer: a
                    # text COPY has no trailer); the server inserts them and
                    # updates the indexes while ``meanwhile`` runs here.
                    copy.write(copy.formatter.end())
                    self.meanwhile()

    def create(self, rows):
        """Insert rows whose ``external_id`` the table does not hold; on
        PostgreSQL one COPY straight into the table (an id or a code there
        after all raises IntegrityError). Elsewhere: ``write``."""
        if connection.vendor != "postgresql":
            return self.write(rows)
        with connection.cursor() as cursor:
            # The rows' foreign keys (deferred, as Django declares them) are
            # checked at the commit. Checked as the COPY ends instead (SET
            # CONSTRAINTS ALL IMMEDIATE) the importer waited there as long,
            # for more of the server's CPU (bench/RESULTS.md): not done.
            self._copy(cursor, self.table, rows)

    def write(self, rows):
        defaults = self._defaults()
        qn = connection.ops.quote_name
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql" and len(rows) > SMALL_WRITE:
                cursor.execute(
                    f"CREATE TEMP TABLE IF NOT EXISTS {qn(self.temp)} ON COMMIT DELETE ROWS AS "
                    f"SELECT {self.columns} FROM {qn(self.table)} WITH NO DATA"
                )
                cursor.execute(f"DELETE FROM {qn(self.temp)}")
                self._copy(cursor, self.temp, rows)
                cursor.execute(
                    f"INSERT INTO {qn(self.table)} ({self.columns}) SELECT {self.columns} FROM {qn(self.temp)} "
                    + self.on_conflict
                )
            else:
                prepared = [
                    tuple(
                        f.get_db_prep_save(row[f.attname] if f.attname in row else defaults[f.attname], connection)
                        for f in self.fields
                    )
                    for row in rows
                ]
                placeholders = "(" + ", ".join(["%s"] * len(self.fields)) + ")"
                insert = f"INSERT INTO {qn(self.table)} ({self.columns}) VALUES "
                if connection.vendor == "postgresql":
                    # A few rows (a push's changes): one INSERT of their values,
                    # no temporary table (creating it, once per connection,
                    # cost more than the small import itself: ~20 ms of ~60).
                    cursor.execute(
                        insert + ", ".join([placeholders] * len(prepared)) + f" {self.on_conflict}",
                        [value for row in prepared for value in row],
                    )
                else:
                    cursor.executemany(insert + f"{placeholders} {self.on_conflict}", prepared)


def pks_by_external_id(model, ids):
    """{external_id: pk} of the rows of ``model`` among ``ids`` (empty ids skipped)."""
    ids = [i for i in set(ids) if i]
    if not ids:
        return {}
    return dict(by_external_id(model, ids, ["external_id", model._meta.pk.column]))
