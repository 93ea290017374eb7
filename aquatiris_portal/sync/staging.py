"""First pass of an import: records.jsonl, read line by line, is set down
by type and id in a temporary SQLite file (a line that is not JSON, of no
known type or without id becomes a reject; the other rules are checked when
the line is applied, see ``validation.check_line``), so that memory stays flat
whatever the export's size and records can be applied in dependency order
(a record may refer to one further down the file).

The same file always gives the same staging and the same batches, which is
what lets an interrupted run skip the batches it had already committed.
"""

import os
import re
import sqlite3
import tempfile

from django.utils.translation import gettext as _

from .record_types import RECORD_TYPES
from .sources import LineTooLong
from .validation import Rejected, staging_key

PHASES = RECORD_TYPES
PHASE_INDEX = {name: index for index, name in enumerate(PHASES)}
REJECTS = "rejects"
RAW_LINE_LIMIT = 20_000
_CHUNK = 5_000


def decode_raw(raw):
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="replace")
    return raw.strip()[:RAW_LINE_LIMIT]


_ID = re.compile(rb'"id"\s*:\s*"([^"\\]{1,200})"')


def too_long_id(head):
    """The record's id, if the first bytes of a line too long to be parsed show it."""
    found = _ID.search(head)
    return found.group(1).decode("utf-8", errors="replace") if found else ""


def too_long_reason(line):
    return _(
        "The line is longer than %(limit)s bytes (AQUATIRIS_PORTAL_SYNC_MAX_LINE_BYTES; it has %(size)s): "
        "it was not read."
    ) % {"limit": line.limit, "size": line.size}


class Staging:
    def __init__(self, directory=None):
        handle, self.path = tempfile.mkstemp(prefix="aqp-sync-", suffix=".sqlite3", dir=directory)
        os.close(handle)
        self.db = sqlite3.connect(self.path)
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("PRAGMA cache_size=-20000")  # 20 MB, whatever the export
        # One row per (type, id): a later line for the same record replaces the earlier one.
        self.db.execute(
            "CREATE TABLE staged (phase INTEGER, rid TEXT, line INTEGER, raw BLOB, PRIMARY KEY (phase, rid))"
        )
        self.db.execute("CREATE TABLE rejects (line INTEGER PRIMARY KEY, rtype TEXT, rid TEXT, reason TEXT, raw TEXT)")
        self.lines = 0

    def close(self):
        try:
            self.db.close()
        finally:
            try:
                os.unlink(self.path)
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def load(self, numbered_lines):
        staged, rejects = [], []
        deletes = PHASE_INDEX["delete"]
        any_delete = False
        for number, raw in numbered_lines:
            self.lines = number
            if isinstance(raw, LineTooLong):
                rejects.append((number, "", too_long_id(raw.head), too_long_reason(raw), decode_raw(raw.head)))
                continue
            raw = raw.strip()
            if not raw:
                continue
            try:
                record_type, rid = staging_key(raw)
            except Rejected as rejected:
                rejects.append(
                    (number, rejected.record_type, rejected.record_id[:200], rejected.reason, decode_raw(raw))
                )
            else:
                phase = PHASE_INDEX[record_type]
                any_delete = any_delete or phase == deletes
                staged.append((phase, rid, number, bytes(raw) if not isinstance(raw, str) else raw.encode()))
            if len(staged) >= _CHUNK:
                self._flush(staged, rejects)
        self._flush(staged, rejects)
        # A record and a delete of it in the same export: the later line wins,
        # the other is not applied (so re-importing the export changes nothing).
        # Without any delete (a first full export) nothing to resolve: these
        # statements would probe the key of every staged line for nothing.
        for phase in PHASES[:-1] if any_delete else ():
            self.db.execute(
                "DELETE FROM staged WHERE phase = ? AND EXISTS (SELECT 1 FROM staged d WHERE d.phase = ? "
                "AND d.rid = ? || staged.rid AND d.line > staged.line)",
                (PHASE_INDEX[phase], deletes, f"{phase}:"),
            )
            prefix = f"{phase}:"
            self.db.execute(  # the record's key looked up in the primary key's index
                "DELETE FROM staged WHERE phase = ? AND substr(rid, 1, ?) = ? AND EXISTS (SELECT 1 FROM staged r "
                "WHERE r.phase = ? AND r.rid = substr(staged.rid, ?) AND r.line > staged.line)",
                (deletes, len(prefix), prefix, PHASE_INDEX[phase], len(prefix) + 1),
            )
        self.db.execute("CREATE INDEX staged_order ON staged (phase, line)")
        self.db.commit()

    def _flush(self, staged, rejects):
        if staged:
            self.db.executemany("INSERT OR REPLACE INTO staged VALUES (?, ?, ?, ?)", staged)
            staged.clear()
        if rejects:
            self.db.executemany("INSERT INTO rejects VALUES (?, ?, ?, ?, ?)", rejects)
            rejects.clear()

    def count(self, phase):
        if phase == REJECTS:
            return self.db.execute("SELECT COUNT(*) FROM rejects").fetchone()[0]
        return self.db.execute("SELECT COUNT(*) FROM staged WHERE phase = ?", (PHASE_INDEX[phase],)).fetchone()[0]

    def batches(self, phase, size, skip=0):
        """Yield lists of rows in line order, ``size`` at a time, after
        skipping ``skip`` batches (keyset pagination: no growing OFFSET).
        Rows are (line, rid, raw), or (line, rtype, rid, reason, raw) for rejects."""
        if phase == REJECTS:
            query = "SELECT line, rtype, rid, reason, raw FROM rejects WHERE line > ? ORDER BY line LIMIT ?"
            first = "SELECT line FROM rejects ORDER BY line LIMIT 1 OFFSET ?"
            params = ()
        else:
            query = "SELECT line, rid, raw FROM staged WHERE phase = ? AND line > ? ORDER BY line LIMIT ?"
            first = "SELECT line FROM staged WHERE phase = ? ORDER BY line LIMIT 1 OFFSET ?"
            params = (PHASE_INDEX[phase],)
        after = 0
        if skip:
            row = self.db.execute(first, (*params, skip * size)).fetchone()
            if row is None:
                return
            after = row[0] - 1
        while True:
            rows = self.db.execute(query, (*params, after, size)).fetchall()
            if not rows:
                return
            yield rows
            after = rows[-1][0]
