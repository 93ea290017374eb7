"""The importer lock: one import at a time across every machine.

A session-level PostgreSQL advisory lock: it spans the many transactions
of an import and PostgreSQL releases it if the worker dies. Elsewhere
(SQLite: the demo and the unit tests, one process) it is a no-op.
"""

import logging
from contextlib import contextmanager

from django.db import connection

logger = logging.getLogger(__name__)

LOCK_KEY = 0x41515053594E43  # "AQPSYNC"


@contextmanager
def import_lock():
    """Yields True if this process holds the importer lock, False if another one does."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
        got = cursor.fetchone()[0]
    try:
        yield got
    finally:
        if got:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
            except Exception:  # connection broken: PostgreSQL released it already
                logger.warning("Could not release the import lock explicitly", exc_info=True)
