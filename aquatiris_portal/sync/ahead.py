"""Work done ahead of the database: a thread that prepares the next batches
(reads them from the staging file, parses and checks their lines, builds what
needs no database) while the caller's thread writes the current one.

psycopg and sqlite3 release the GIL while their database works, so this
thread's Python runs during the waits for PostgreSQL's COPY and upserts
instead of after them. The queue holds at most ``depth`` prepared batches
(memory stays flat). The thread never touches Django's database connection:
every query and every transaction stays in the caller's thread, whatever the
database (SQLite, the embedded default, allows one writer).

Not the default (``importer.import_source(overlap=True)``): on 2 cores the
writing thread, which gives the GIL up at each of a COPY's sends, waits for
it while this thread holds it (up to the 5 ms switch interval each time),
and the import took longer (bench/sync_bench.py --overlap).

An error in the thread is raised in the caller's thread at the batch it
could not prepare (the batches before it are applied as usual); an error in
the caller's thread stops the thread before ``Ahead`` is left.
"""

import queue
import threading

from django.utils import translation

_DONE = object()


class _Failed:
    __slots__ = ("error",)

    def __init__(self, error):
        self.error = error


class Ahead:
    """``with Ahead(batches, prepare) as prepared: for batch, result in prepared: ...``

    ``batches`` is an iterable run in the thread; ``prepare(batch)`` gives
    ``result``. ``threaded=False`` does the same in the caller's thread,
    one batch at a time (same batches, same results)."""

    def __init__(self, batches, prepare, *, depth=2, threaded=True):
        self.batches, self.prepare, self.threaded = batches, prepare, threaded
        self.queue = queue.Queue(maxsize=depth)
        self.stop = threading.Event()
        self.thread = None
        # Reasons are translated where a line is checked: in the caller's language.
        self.language = translation.get_language()

    def __enter__(self):
        if self.threaded:
            self.thread = threading.Thread(target=self._run, name="aqp-sync-ahead", daemon=True)
            self.thread.start()
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self.thread is None:
            return
        self.stop.set()
        # Empty the queue: a put the thread is blocked on goes through, it sees
        # ``stop`` before preparing anything else and ends.
        while self.thread.is_alive():
            try:
                self.queue.get(timeout=0.1)
            except queue.Empty:
                pass
        self.thread.join()
        self.thread = None

    def __iter__(self):
        if not self.threaded:
            for batch in self.batches:
                yield batch, self.prepare(batch)
            return
        while True:
            got = self.queue.get()
            if got is _DONE:
                return
            if isinstance(got, _Failed):
                raise got.error
            yield got

    def _run(self):
        if self.language:
            translation.activate(self.language)
        try:
            for batch in self.batches:
                if self.stop.is_set():
                    return
                self.queue.put((batch, self.prepare(batch)))
            self.queue.put(_DONE)
        except BaseException as error:  # handed to the caller's thread, which fails the run
            self.queue.put(_Failed(error))
        finally:
            translation.deactivate()
