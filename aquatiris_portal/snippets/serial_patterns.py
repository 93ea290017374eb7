"""The serial number pattern of the portal settings: what makes it safe.

It decides which serial numbers earn a manufacturer certificate, and it is
run on what clients type: Python's ``re`` backtracks and has no time limit,
so a pattern like ``^(a+)+$`` holds a worker for ever on 60 characters. A
pattern is refused (when saved, and again before each use) unless it
compiles, is at most MAX_PATTERN_LENGTH characters, and passes a static
check of its parsed tree (``re._parser``):

- no repeat of more than once whose body can match in several ways: holding
  a variable repeat (``(a+)+``, ``(a*)*``, ``(a?){30}``), an alternation
  (``(a|a)*``) or a back-reference; a repeat of a fixed count inside
  (``(\\d{4}-)+``) is unambiguous, so allowed;
- no back-reference at all (``(a+)\\1``: matching becomes exponential);
- at most MAX_UNBOUNDED repeats longer than the longest serial (``\\d*``
  three times is O(n³) on 64 characters; eight times would not be).

The serial itself is at most MAX_SERIAL_LENGTH characters when matched.
"""

import functools
import re

try:
    from re import _parser as sre_parse  # Python 3.11+
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_PATTERN_LENGTH = 200
MAX_SERIAL_LENGTH = 64
MAX_UNBOUNDED = 3

_REPEATS = {sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT} | (
    {sre_parse.POSSESSIVE_REPEAT} if hasattr(sre_parse, "POSSESSIVE_REPEAT") else set()
)
_BACKREFS = {sre_parse.GROUPREF, sre_parse.GROUPREF_EXISTS} | (
    {sre_parse.GROUPREF_IGNORE} if hasattr(sre_parse, "GROUPREF_IGNORE") else set()
)

MESSAGES = {
    "too_long": _("The pattern is too long (at most %(limit)s characters)."),
    "invalid": _("This is not a valid regular expression: %(error)s."),
    "nested": _(
        "The pattern repeats a part that can itself match in several ways (such as “(a+)+”, “(a*)*” or "
        "“(a|b)*” with a group): checking a serial number could take for ever. Write each part once, "
        "e.g. ^AQ-\\d{4}-\\d{6}$."
    ),
    "backreference": _("Back-references (\\1, (?P=name)) are not allowed in the pattern."),
    "unbounded": _("The pattern has too many open repeats (*, + or {n,}): at most %(limit)s."),
}


def _children(op, av):
    """The sub-patterns directly inside one node of the parsed tree."""
    if op in _REPEATS:
        return [av[2]]
    if op == sre_parse.SUBPATTERN:
        return [av[-1]]
    if op == sre_parse.BRANCH:
        return list(av[1])
    if op in (sre_parse.ASSERT, sre_parse.ASSERT_NOT):
        return [av[1]]
    if op == getattr(sre_parse, "ATOMIC_GROUP", None):
        return [av]
    if op == sre_parse.GROUPREF_EXISTS:
        return [branch for branch in av[1:] if branch is not None]
    return []


def _nodes(pattern):
    for op, av in pattern:
        yield op, av
        for child in _children(op, av):
            yield from _nodes(child)


def _ambiguous(op, av):
    """Whether this node, inside a repeat, lets the repeat match one text in several ways."""
    if op in _REPEATS:
        low, high = av[0], av[1]
        return low != high
    return op == sre_parse.BRANCH or op in _BACKREFS


@functools.lru_cache(maxsize=64)
def pattern_problem(pattern):
    """None if ``pattern`` is safe to run on a serial, else (code, params) for MESSAGES."""
    if not isinstance(pattern, str):
        return ("invalid", {"error": type(pattern).__name__})
    if len(pattern) > MAX_PATTERN_LENGTH:
        return ("too_long", {"limit": MAX_PATTERN_LENGTH})
    try:
        re.compile(pattern)
        tree = sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError, ValueError) as error:
        return ("invalid", {"error": str(error)})
    unbounded = 0
    for op, av in _nodes(tree):
        if op in _BACKREFS:
            return ("backreference", {})
        if op in _REPEATS:
            high = av[1]
            if high > MAX_SERIAL_LENGTH:
                unbounded += 1
            if high > 1 and any(_ambiguous(*node) for node in _nodes(av[2])):
                return ("nested", {})
    if unbounded > MAX_UNBOUNDED:
        return ("unbounded", {"limit": MAX_UNBOUNDED})
    return None


def problem_message(problem):
    code, params = problem
    return MESSAGES[code] % params if params else MESSAGES[code]


def validate_serial_number_pattern(value):
    """Model field validator: a pattern that is not safe is refused when saved."""
    problem = pattern_problem(value)
    if problem is not None:
        raise ValidationError(problem_message(problem), code=f"serial_pattern_{problem[0]}")
