"""The parent's side: one check in a child process, bounded in time.

The child is forked from the check server (``server.py``): a fresh
interpreter started once per parent process, which imports only this
package and its parsers (neither Django nor the parent's main script).
Forking it is safe in a threaded server (a plain fork of a threaded Django
process is not) and costs milliseconds. The child sets its own CPU-time
and address-space limits; the parent waits at most ``seconds`` of
wall-clock time for the verdict and kills the child beyond: whatever the
bytes, the caller is held no longer.
"""

import os
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from . import wire
from .verdicts import FAILED, TIMEOUT, verdict

# The package's folder on the server's path, whether installed or not.
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent.parent)
# The server's start: an interpreter importing pypdf, Pillow and pillow-heif.
_START_SECONDS = 60
# The largest clean image a child may send back.
MAX_OUTPUT = 256 * 1024 * 1024
_lock = threading.Lock()
_server = {}  # pid of the process that started it -> (Popen, socket path)


def _start_server():
    folder = tempfile.mkdtemp(prefix="aquatiris-filecheck-")  # 0700: only this user connects
    path = os.path.join(folder, "socket")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [_PACKAGE_ROOT, os.environ.get("PYTHONPATH")]))}
    process = subprocess.Popen(  # noqa: S603  fixed argv: this Python and the package's own checker
        [sys.executable, "-m", "aquatiris_portal.filecheck.server", path],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
        close_fds=True,
    )
    ready, _, _ = select.select([process.stdout], [], [], _START_SECONDS)
    if not ready or process.stdout.readline() != b"ready\n":
        process.kill()
        process.wait()
        raise RuntimeError("the file check server did not start")
    return process, path


def _server_path(restart=False):
    with _lock:
        current = _server.get(os.getpid())
        if restart or current is None or current[0].poll() is not None:
            if current is not None and current[0].poll() is None:
                current[0].kill()
                current[0].wait()
            current = _server[os.getpid()] = _start_server()
        return current[1]


def _connect():
    for restart in (False, True):  # once more with a new server if it died
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(_server_path(restart))
            return sock
        except OSError:
            sock.close()
            if restart:
                raise


def check_file(kind, data, *, seconds, memory_bytes, max_pixels=0, cpu_seconds=None):
    """The verdict (``verdicts.py``) on ``data`` checked as ``kind`` in a
    child limited to ``cpu_seconds`` of CPU (default: ``seconds``),
    ``memory_bytes`` of address space and ``seconds`` of wall-clock time.
    The verdict also says ``elapsed`` (seconds, from the connection)."""
    limits = {"cpu_seconds": cpu_seconds or seconds, "memory_bytes": memory_bytes, "max_pixels": max_pixels}
    sock = _connect()
    started = time.monotonic()
    pid = answered = None
    try:
        sock.settimeout(seconds)
        (pid,) = struct.unpack(">Q", wire._exactly(sock, 8))
        sock.settimeout(max(0.001, started + seconds - time.monotonic()))
        wire.send_frame(sock, {"kind": kind, "limits": limits}, data)
        sock.settimeout(max(0.001, started + seconds - time.monotonic()))
        result, clean = wire.recv_frame(sock, MAX_OUTPUT)
        answered = True
        if clean:
            result["data"] = clean
    except TimeoutError:
        result = verdict(TIMEOUT, "wall clock")
    except (wire.Closed, OSError, ValueError) as error:
        # Killed (the CPU hard limit, the kernel) or broken: not checked.
        result = verdict(FAILED, f"no answer ({type(error).__name__})")
    finally:
        sock.close()
        if pid is not None and not answered:
            try:
                os.kill(pid, signal.SIGKILL)  # it overran, or already died
            except ProcessLookupError:
                pass
    result["elapsed"] = time.monotonic() - started
    return result
