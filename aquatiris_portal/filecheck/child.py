"""What runs in a check's child: set the limits, check, answer.

The server (``server.py``) imports this module once, and with it pypdf,
Pillow and pillow-heif; each check's child is a fork of it, so it starts
with them: a few milliseconds, not an interpreter's start.
"""

import logging
import math
import os
import resource
import signal
import struct
import warnings

from . import docx, images, pdf, wire
from .verdicts import FAILED, MEMORY, TIMEOUT, verdict

CHECKS = {
    "pdf": lambda data, limits: pdf.check_pdf(data),
    "jpeg": lambda data, limits: images.clean_image(data, "jpeg", limits["max_pixels"]),
    "png": lambda data, limits: images.clean_image(data, "png", limits["max_pixels"]),
    "heic": lambda data, limits: images.clean_image(data, "heic", limits["max_pixels"]),
    "docx": lambda data, limits: docx.check_docx(data),
}
# What the parent may send: the upload and export limits are far below.
MAX_INPUT = 1 << 30


class CpuLimit(BaseException):  # not caught by a parser's "except Exception"
    pass


def _cpu_limit(_signum, _frame):
    raise CpuLimit


def _lower(which, soft, hard):
    _current_soft, current_hard = resource.getrlimit(which)
    if current_hard != resource.RLIM_INFINITY:
        hard = min(hard, current_hard)
        soft = min(soft, hard)
    resource.setrlimit(which, (soft, hard))


def set_limits(cpu_seconds, memory_bytes):
    """CPU time (SIGXCPU at the soft limit, SIGKILL one second later), address
    space (allocations beyond fail: MemoryError), no core file, no file written."""
    cpu = max(1, math.ceil(cpu_seconds))
    _lower(resource.RLIMIT_CPU, cpu, cpu + 1)
    _lower(resource.RLIMIT_AS, memory_bytes, memory_bytes)
    _lower(resource.RLIMIT_CORE, 0, 0)
    _lower(resource.RLIMIT_FSIZE, 0, 0)


def check(kind, data, limits):
    """The verdict on one file, in this process (the child's work)."""
    try:
        return CHECKS[kind](data, limits)
    except CpuLimit:
        return verdict(TIMEOUT, "CPU limit")
    except MemoryError:
        return verdict(MEMORY, "MemoryError")
    except Exception as error:  # a parser's bug on hostile bytes: not checked, so refused
        return verdict(FAILED, type(error).__name__)


def serve(conn):
    """One check over ``conn``: our pid (so the parent can kill us), then
    the request, then the verdict and the clean bytes."""
    conn.sendall(struct.pack(">Q", os.getpid()))
    request, data = wire.recv_frame(conn, MAX_INPUT)
    limits = request["limits"]
    set_limits(limits["cpu_seconds"], limits["memory_bytes"])
    signal.signal(signal.SIGXCPU, _cpu_limit)
    # The parsers log and warn about every oddity of a broken file, on the
    # server's stderr; the verdict's detail says what matters.
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    result = check(request["kind"], data, limits)
    del data
    clean = result.pop("data", b"")
    wire.send_frame(conn, result, clean)
