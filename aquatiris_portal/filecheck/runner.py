"""The parent's side: one check in a child process, bounded in time.

The child is forked from a forkserver (``multiprocessing``'s "forkserver"
context): a fresh interpreter started once per process, which imports only
this package. Forking it is safe in a threaded server (a plain fork of a
threaded Django process is not) and costs milliseconds. The child sets its
own CPU-time and address-space limits; the parent waits at most
``seconds`` of wall-clock time for the verdict and kills the child
beyond: whatever the bytes, the caller is held no longer.
"""

import signal
import threading
import time
from multiprocessing import connection, get_context

from . import child
from .verdicts import FAILED, TIMEOUT, verdict

_PRELOAD = [child.__name__]
_lock = threading.Lock()
_context = None


def _get_context():
    global _context
    with _lock:
        if _context is None:
            context = get_context("forkserver")
            # Set before the forkserver starts (it starts with the first child).
            context.set_forkserver_preload(_PRELOAD)
            _context = context
    return _context


def check_file(kind, data, *, seconds, memory_bytes, max_pixels=0, cpu_seconds=None):
    """The verdict (``verdicts.py``) on ``data`` checked as ``kind`` in a
    child limited to ``cpu_seconds`` of CPU (default: ``seconds``),
    ``memory_bytes`` of address space and ``seconds`` of wall-clock time.
    The verdict also says ``elapsed`` (seconds, from the child's start)."""
    context = _get_context()
    limits = {"cpu_seconds": cpu_seconds or seconds, "memory_bytes": memory_bytes, "max_pixels": max_pixels}
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=child.main, args=(sender, kind, data, limits), name="aquatiris-file-check")
    result = None
    try:
        process.start()
    finally:
        sender.close()  # the child's copy is the only writer: EOF when it dies
    started = time.monotonic()
    try:
        ready = connection.wait([receiver, process.sentinel], timeout=seconds)
        if ready and receiver.poll(0):
            try:
                result = receiver.recv()
            except (EOFError, OSError):
                result = None  # killed while answering
        elapsed = time.monotonic() - started
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        receiver.close()
    if result is None:
        timed_out = not ready or process.exitcode in (-signal.SIGXCPU, -signal.SIGKILL)
        result = verdict(TIMEOUT if timed_out else FAILED, f"exit code {process.exitcode}")
    process.close()
    result["elapsed"] = elapsed
    return result
