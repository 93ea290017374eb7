"""What runs in the child process: set the limits, check, answer.

The forkserver imports this module once (and with it pypdf, Pillow and
pillow-heif), so each check's child is a fork of a process that already
has them: a few milliseconds, not an interpreter's start.
"""

import logging
import math
import resource
import warnings

from . import docx, images, pdf
from .verdicts import FAILED, MEMORY, verdict

CHECKS = {
    "pdf": lambda data, limits: pdf.check_pdf(data),
    "jpeg": lambda data, limits: images.clean_image(data, "jpeg", limits["max_pixels"]),
    "png": lambda data, limits: images.clean_image(data, "png", limits["max_pixels"]),
    "heic": lambda data, limits: images.clean_image(data, "heic", limits["max_pixels"]),
    "docx": lambda data, limits: docx.check_docx(data),
}


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


def main(sender, kind, data, limits):
    """The child's target: one check, its verdict sent through ``sender``."""
    set_limits(limits["cpu_seconds"], limits["memory_bytes"])
    # The parsers log and warn about every oddity of a broken file, on the
    # server's stderr; the verdict's detail says what matters.
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    try:
        result = CHECKS[kind](data, limits)
    except MemoryError:
        result = verdict(MEMORY, "MemoryError")
    except Exception as error:  # a parser's bug on hostile bytes: not checked, so refused
        result = verdict(FAILED, type(error).__name__)
    del data
    sender.send(result)
    sender.close()
