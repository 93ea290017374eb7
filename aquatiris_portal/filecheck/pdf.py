"""The PDF check: plain, readable, without a password, nothing active.

A PDF holding active content is refused, never rewritten: nothing active
is stored, served or mailed. Active means a script, a program to start, an
embedded file, rich media, a form sent or filled from elsewhere, an XFA
form, any additional-actions dictionary (``/AA``: actions run when a page,
an annotation or a field is shown or left), and any automatic action but
"open at a page" (``automatic_actions``).
"""

import io

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from . import pdf_scan
from .verdicts import ACTIVE, CORRUPT, ENCRYPTED, POLYGLOT, verdict

_ACTIVE_KEYS = frozenset(
    {
        "/JavaScript",
        "/JS",
        "/AA",
        "/EmbeddedFiles",
        "/EF",
        "/XFA",
        "/RichMediaContent",
        "/RichMediaSettings",
    }
)
_ACTIVE_VALUES = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/EmbeddedFile",
        "/RichMedia",
        "/RichMediaExecute",
        "/SubmitForm",
        "/ImportData",
        "/GoToE",
        "/Rendition",
    }
)
# Objects looked at in one PDF before giving up (a 10 MB PDF has far fewer).
MAX_PDF_OBJECTS = 200_000
# Actions followed along one automatic chain (``/Next``) before giving up.
MAX_CHAIN_ACTIONS = 1_000


class TooComplex(Exception):
    pass


def _resolved(obj):
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def automatic_actions(open_action):
    """The names that make an ``/OpenAction`` active (empty: it only opens
    the document at a page).

    A destination (an array, a name or a string) is not active, nor a
    ``/GoTo`` action alone. Any other action is, and so is a ``/GoTo`` with
    a ``/Next``: the chain runs by itself, and whatever it holds (``/URI``,
    ``/GoToR`` to a network share, ``/Launch``...) is named. ``/Next`` is an
    action or an array of actions, possibly looping: the walk is bounded
    and each indirect object is visited once.
    """
    first = _resolved(open_action)
    if not isinstance(first, DictionaryObject):
        return set()  # a destination: an array, a name or a string
    if first.get("/S") == "/GoTo" and "/Next" not in first:
        return set()
    found = {"/OpenAction"}
    stack, seen, steps = [open_action], set(), 0
    while stack:
        item = stack.pop()
        steps += 1
        if steps > MAX_CHAIN_ACTIONS:
            found.add("(action chain too long)")
            break
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                found.add("(action chain loops)")
                continue
            seen.add(key)
            item = item.get_object()
        if isinstance(item, ArrayObject):
            stack.extend(item)
        elif isinstance(item, DictionaryObject):
            kind = _resolved(item.get("/S"))
            if isinstance(kind, NameObject) and kind != "/GoTo":
                found.add(str(kind))
            if "/Next" in item:
                stack.append(item.raw_get("/Next"))  # unresolved: a loop shows as a seen reference
    return found


def pdf_active_content(reader):
    """The names of active content a parsed PDF holds (empty: none).

    Walks every object reachable from the trailer and every object of the
    cross-reference table, so nothing hidden in an object stream or left
    unreferenced is missed; each indirect object once, at most
    MAX_PDF_OBJECTS steps (TooComplex beyond).
    """
    found = set()
    stack = [reader.trailer]
    for generation, numbers in (reader.xref or {}).items():
        stack.extend(IndirectObject(number, generation, reader) for number in numbers)
    stack.extend(IndirectObject(number, 0, reader) for number in (reader.xref_objStm or {}))
    seen = set()
    steps = 0
    while stack:
        obj = stack.pop()
        steps += 1
        if steps > MAX_PDF_OBJECTS:
            raise TooComplex
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):  # streams too: their dictionary
            for key, value in obj.items():
                if key in _ACTIVE_KEYS:
                    found.add(str(key))
                if key == "/OpenAction":
                    found |= automatic_actions(value)
                stack.append(value)
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
        elif isinstance(obj, NameObject) and obj in _ACTIVE_VALUES:
            found.add(str(obj))
    return found


def check_pdf(data):
    """The verdict on a PDF's bytes (see verdicts.py)."""
    has_markup, raw_active = pdf_scan.scan(data)
    if has_markup:
        return verdict(POLYGLOT, "web page markup")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            return verdict(ENCRYPTED, "password")
        if len(reader.pages) < 1:
            raise ValueError("no page")
        active = pdf_active_content(reader)
    except (TooComplex, RecursionError):
        active = {"(too complex to check)"}
    except MemoryError:
        raise  # the child answers "memory"
    except Exception as error:  # pypdf raises many kinds on broken files
        return verdict(CORRUPT, type(error).__name__)  # its text may quote the file
    active |= raw_active
    if active:
        return verdict(ACTIVE, ", ".join(sorted(active)))
    return verdict()
