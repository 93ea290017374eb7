"""The pro space's hot queries, their SQL compiled once per process and shape.

Django spends longer building and compiling the folder list's page query
(the page's keys, five correlated subqueries per folder, the list's count)
and the folder page's queries than PostgreSQL spends running them. Their
SQL depends only on their shape (sort, filters, number of search words,
page); the SPANC, the folder, the words and the dates are parameters. So
each shape is built once, by the same functions as the ORM's path and from
``access``, with marker values in their place; the SQL is compiled and where
each marker landed among the parameters is remembered. A request puts its
own values there and runs the SQL on its own connection.

A shape whose markers end up in the SQL text rather than in its parameters
is never cached: the ORM builds it each time. The SPANC's marker is a
negative id, so a parameter left unreplaced would find no row.
"""

import copy
import datetime
import threading
from collections import OrderedDict
from typing import Any, NamedTuple

from django.core.exceptions import EmptyResultSet
from django.db import connections

from ..records.models import Spanc

SPANC_ID = -2_000_000_011
FOLDER_ID = -2_000_000_017
TODAY = datetime.date(1901, 2, 3)
CUTOFF = datetime.date(1902, 4, 5)
MAX_SHAPES = 128  # bounded memory whatever pages and filters are asked for


def word_marker(index):
    # Letters only, as search words (records.names): LIKE escapes nothing in it.
    return f"qzxmarker{'abcdefghij'[index % 10] * (index // 10 + 1)}qzx"


class Compiled(NamedTuple):
    sql: str
    params: tuple
    slots: tuple  # (index in params, name, word number or None)
    compiler: Any  # the compiler of the marker query: its columns' converters
    queryset: Any  # the marker queryset (never run): model instances are made as it would


_shapes: OrderedDict = OrderedDict()
_lock = threading.Lock()
UNCACHEABLE = object()


def markers(n_words):
    return {
        "spanc": Spanc(pk=SPANC_ID),
        "folder": FOLDER_ID,
        "words": [word_marker(i) for i in range(n_words)],
        "today": TODAY,
        "cutoff": CUTOFF,
    }


def compile_shape(build, n_words, has_cutoff):
    """Compiled (or UNCACHEABLE) for ``build(**values)``, a queryset (of model
    instances or a values_list) without prefetches."""
    values = markers(n_words)
    if not has_cutoff:
        values["cutoff"] = None
    queryset = build(**values)
    if queryset._prefetch_related_lookups or queryset._known_related_objects:
        return UNCACHEABLE  # done by the ORM after the query: left to it
    compiler = queryset.query.get_compiler(queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return UNCACHEABLE
    ops = compiler.connection.ops
    whole = {
        SPANC_ID: "spanc",
        FOLDER_ID: "folder",
        ops.adapt_datefield_value(TODAY): "today",
        ops.adapt_datefield_value(CUTOFF): "cutoff",
    }
    texts = [str(key) for key in whole] + values["words"]
    if any(text in sql for text in texts):
        return UNCACHEABLE  # a value written into the SQL: not replaceable
    slots = []
    for index, param in enumerate(params):
        if isinstance(param, (int, datetime.date, str)) and not isinstance(param, bool) and param in whole:
            slots.append((index, whole[param], None))
        elif isinstance(param, str):
            slots.extend((index, "word", number) for number, word in enumerate(values["words"]) if word in param)
    if not any(name in ("spanc", "folder") for _index, name, _number in slots):
        return UNCACHEABLE  # whose rows would it be? left to the ORM
    return Compiled(sql, tuple(params), tuple(slots), compiler, queryset)


def sql_with_params(compiled, connection, *, spanc, words=(), today=None, cutoff=None, folder=None):
    """The compiled SQL and the request's parameters in place of the markers."""
    ops = connection.ops
    params = list(compiled.params)
    for index, name, number in compiled.slots:
        if name == "spanc":
            params[index] = spanc.pk
        elif name == "folder":
            params[index] = int(folder)
        elif name == "today":
            params[index] = ops.adapt_datefield_value(today)
        elif name == "cutoff":
            params[index] = ops.adapt_datefield_value(cutoff)
        else:  # the word's marker inside its LIKE pattern
            params[index] = params[index].replace(word_marker(number), ops.prep_for_like_query(words[number]))
    return compiled.sql, params


def cached(shape, build, n_words, has_cutoff):
    """The shape's Compiled (compiled on first use) or UNCACHEABLE."""
    with _lock:
        found = _shapes.get(shape)
        if found is not None:
            _shapes.move_to_end(shape)
            return found
    found = compile_shape(build, n_words, has_cutoff)  # outside the lock: two threads may both compile
    with _lock:
        _shapes[shape] = found
        while len(_shapes) > MAX_SHAPES:
            _shapes.popitem(last=False)
    return found


def rows(build, shape, *, spanc, words=(), today=None, cutoff=None, folder=None, using="default"):
    """The rows of ``build(spanc=..., folder=..., words=..., today=..., cutoff=...)``,
    a values_list queryset, as tuples, as ``list(queryset)`` gives them."""
    values = {"spanc": spanc, "folder": folder, "words": words, "today": today, "cutoff": cutoff}
    compiled = cached((using, *shape), build, len(words), cutoff is not None)
    if compiled is UNCACHEABLE:
        return list(build(**values))
    connection = connections[using]
    sql, params = sql_with_params(compiled, connection, **values)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    compiler = copy.copy(compiled.compiler)
    compiler.connection = connection  # this thread's: converters read its features
    return list(compiler.results_iter([fetched], tuple_expected=True))


def instances(build, shape, *, spanc, folder=None, using="default"):
    """``list(build(spanc=..., folder=...))``, model instances (select_related
    included), the SQL compiled once: Django's own iterable makes them from
    the columns the first compile laid out, on this thread's connection."""
    values = {"spanc": spanc, "folder": folder, "words": (), "today": None, "cutoff": None}
    compiled = cached((using, *shape), build, 0, False)
    if compiled is UNCACHEABLE:
        return list(build(**values))
    connection = connections[using]
    sql, params = sql_with_params(compiled, connection, **values)
    compiler = copy.copy(compiled.compiler)
    compiler.connection = connection
    compiler.as_sql = lambda *args, **kwargs: (sql, params)
    queryset = compiled.queryset._chain()
    queryset.query = copy.copy(compiled.queryset.query)
    queryset.query.get_compiler = lambda *args, **kwargs: compiler
    return list(queryset)
