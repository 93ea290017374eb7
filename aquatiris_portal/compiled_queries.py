"""Hot model queries whose SQL is compiled once per process and shape.

Some queries run on every page with only their values changing: the
person's memberships (``access.memberships_for``) on every request of a
logged-in person, the client dashboard's, the installation screens', the
pro space's folder list and folder page. Building and compiling such a
queryset (joins, correlated subqueries) costs thousands of Python calls per
page, more than the database spends running it. Its SQL depends only on
its shape, so it is built once with a marker in place of each value,
compiled, and where each marker landed among the parameters is remembered;
a request puts its own values there (adapted as the ORM adapts them) and
runs the SQL on its own connection. ``rows`` gives a values_list's tuples
(with the columns' converters), ``instances`` model instances made by
Django's own ``ModelIterable`` from the columns the first compile laid out
(select_related included). The columns' converters are found with the SQL
and kept with it (they depend on the columns and the database's vendor
only): a request applies them.

Values are named: ints (ids), model instances (their pk), dates, aware
datetimes, lists of search words (put into their LIKE patterns escaped as
the ORM escapes them), or None (not a marker: part of the shape). A shape is
kept under the caller's key, the database alias and vendor and the values'
kinds, in a bounded LRU; every shape is forgotten when a setting changes (a setting
may change the SQL, e.g. ``CLIENTS_SEE_SPANC_UPLOADS``; a server reads its
settings once). A shape that prefetches, is empty, writes a marker into the
SQL text, misses a marker among its parameters (unless the caller says the
shape may leave that value unused) or holds a value derived from one is
never kept: the ORM builds it each time. A value derived from a marker
(a day two years before, an id plus one) is found by compiling the shape a
second time with other markers: every parameter that is not a marker must
come out the same. Markers are negative ids, days of 1901 and 1902 and
words no one types, so a parameter left unreplaced would find no row.
"""

import copy
import datetime
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection
from typing import Any, NamedTuple

from django.core.exceptions import EmptyResultSet
from django.core.signals import setting_changed
from django.db import connections
from django.db.models import Model, QuerySet

MAX_SHAPES = 256  # bounded memory whatever pages, sorts and filters are asked for
INT_MARKER = -2_000_000_029  # the first; the n-th is 1,000 lower
INT_MARKER_CHECK = -3_000_000_031  # the second compile's (see compile_shape)
MARKER_YEAR = "1901-"


def word_marker(position: int, number: int, check: bool = False) -> str:
    """The marker of the ``number``-th word of the value at ``position``: letters
    only, as search words (records.names), so LIKE escapes nothing in it; no
    marker is a part of another."""
    letters = str.maketrans("0123456789", "abcdefghij")
    return f"qzx{'mirker' if check else 'marker'}{str(position).translate(letters)}y{str(number).translate(letters)}qzx"


class Compiled(NamedTuple):
    queryset: QuerySet  # the marker queryset (never run): instances are made as it would
    sql: str
    params: tuple
    slots: tuple  # (index in params, value name, word number, word marker): the last two None but for words
    compiler: Any  # its compiler once compiled: columns, klass_info
    converters: dict  # column position: (converters, column), as Django's get_converters gives them


UNCACHEABLE = object()
_shapes: OrderedDict = OrderedDict()
_lock = threading.Lock()
_generation = [0]  # bumped when a setting changes: a shape compiled before is not stored after


@setting_changed.connect
def _forget_shapes(**kwargs: Any) -> None:
    with _lock:
        _generation[0] += 1
        _shapes.clear()


_PLAIN_KINDS = {type(None): None, int: int, datetime.date: datetime.date, datetime.datetime: datetime.datetime}


def _kind(value: Any) -> Any:
    """What of a value makes the shape (None is not a marker)."""
    kind = _PLAIN_KINDS.get(type(value), _kind)  # the common kinds in one look-up: this runs per request
    if kind is not _kind:
        return kind
    if isinstance(value, (list, tuple)):
        return ("words", len(value))
    if isinstance(value, Model):
        return type(value)
    if isinstance(value, bool):  # an int, but no id: a shape of its own, not a value
        raise TypeError("compiled_queries: a bool is part of the shape (the caller's key), not a value")
    for plain in (datetime.datetime, datetime.date, int):  # subclasses
        if isinstance(value, plain):
            return plain
    raise TypeError(f"compiled_queries: no marker for a {type(value).__name__} value")


def _marker(kind: Any, position: int, check: bool = False) -> Any:
    """The marker of a value of ``kind`` (``check``: the second compile's, another one)."""
    if kind is None:
        return None
    if isinstance(kind, tuple):
        return [word_marker(position, number, check) for number in range(kind[1])]
    year = 1902 if check else 1901
    if kind is datetime.datetime:
        return datetime.datetime(year, 5, 6, 7, 8, position % 60, tzinfo=datetime.UTC)
    if kind is datetime.date:
        return datetime.date(year, 1 + position % 12, 3 + position // 12)
    number = (INT_MARKER_CHECK if check else INT_MARKER) - 1000 * position
    if kind is int:
        return number
    return kind(pk=number)  # a model: its pk is the parameter


def _compile(build: Callable[..., QuerySet], markers: dict, using: str) -> Any:
    """(queryset, compiler, sql, params) of ``build(**markers)``, or UNCACHEABLE."""
    queryset: Any = build(**markers).using(using)  # Any: its private attributes are read
    if queryset._prefetch_related_lookups or queryset._known_related_objects:
        return UNCACHEABLE  # done by the ORM after the query: left to it
    compiler = queryset.query.get_compiler(using=using)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return UNCACHEABLE
    return queryset, compiler, sql, params


def adapt(ops: Any, value: Any) -> Any:
    """A value as the ORM passes it to the database for its field."""
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, datetime.datetime):
        return ops.adapt_datetimefield_value(value)
    if isinstance(value, datetime.date):
        return ops.adapt_datefield_value(value)
    return value


def compile_shape(build: Callable[..., QuerySet], kinds: dict, using: str, optional: Collection = ()) -> Any:
    """Compiled (or UNCACHEABLE) for ``build(**markers)``, markers of ``kinds``;
    the values named in ``optional`` may be left unused by the shape."""
    ordered = list(enumerate(sorted(kinds.items())))
    markers = {name: _marker(kind, position) for position, (name, kind) in ordered}
    first = _compile(build, markers, using)
    if first is UNCACHEABLE:
        return UNCACHEABLE
    queryset, compiler, sql, params = first
    ops = compiler.connection.ops
    whole = {name: adapt(ops, value) for name, value in markers.items() if value is not None}
    lists = {name: value for name, value in whole.items() if isinstance(value, list)}
    words = {(name, number): word for name, value in lists.items() for number, word in enumerate(value)}
    whole = {name: value for name, value in whole.items() if name not in lists}
    if any(str(value) in sql for value in whole.values()) or any(word in sql for word in words.values()):
        return UNCACHEABLE  # a value written into the SQL: not replaceable
    slots = []
    for index, param in enumerate(params):
        same = (name for name, value in whole.items() if type(param) is type(value) and param == value)
        found: list[tuple[int, str, int | None, str | None]] = [(index, name, None, None) for name in same]
        if isinstance(param, str):
            found += [(index, name, number, word) for (name, number), word in words.items() if word in param]
        if not found and _looks_derived(param):
            return UNCACHEABLE  # a value computed from a marker would stay the marker's
        slots += found
    placed = {(name, number) for _index, name, number, _word in slots}
    wanted = {(name, None) for name in whole} | set(words)
    if any(value not in placed and value[0] not in optional for value in wanted):
        return UNCACHEABLE  # a marker that is not a parameter: transformed, or in the SQL another way
    # Compiled again with other markers, every parameter that is not a
    # marker's must be the same: one that moved was computed from a marker
    # (a day two years before it, an id times two) and would stay the first
    # compile's for every request.
    second = _compile(build, {name: _marker(kind, position, True) for position, (name, kind) in ordered}, using)
    if second is UNCACHEABLE or second[2] != sql or len(second[3]) != len(params):
        return UNCACHEABLE
    marked = {index for index, _name, _number, _word in slots}
    if any(
        type(other) is not type(param) or other != param
        for index, (param, other) in enumerate(zip(params, second[3], strict=True))
        if index not in marked
    ):
        return UNCACHEABLE
    fields = [column[0] for column in compiler.select[0 : compiler.col_count]]
    if compiler.has_composite_fields(fields):
        return UNCACHEABLE  # none here; their rows are regrouped after conversion: left to the ORM
    # Found once: Django finds them on every query (two look-ups per column).
    # The backend's converters are bound to this compile's connection; they
    # read only what every connection of the alias shares (its time zone,
    # its features), and are passed the request's connection.
    converters = compiler.get_converters(fields)
    return Compiled(queryset, sql, tuple(params), tuple(slots), compiler, converters)


def _looks_derived(param: Any) -> bool:
    if isinstance(param, int) and not isinstance(param, bool):
        return param <= INT_MARKER + 1000 and param > INT_MARKER - 1_000_000
    if isinstance(param, (datetime.date, str)):
        return str(param).startswith(MARKER_YEAR) or "qzxmarker" in str(param)
    return False


def compiled(
    key: Any,
    build: Callable[..., QuerySet],
    values: dict,
    using: str = "default",
    optional: Collection = (),
    connection: Any = None,
) -> Any:
    """The shape's Compiled (compiled on first use) or UNCACHEABLE
    (``connection``: ``connections[using]``, when the caller has it)."""
    # The values' order is the caller's (the same at one call site): not sorted, a shape's markers are.
    kinds = tuple([(name, _kind(value)) for name, value in values.items()])
    vendor = (connection or connections[using]).vendor  # the SQL and the converters are the vendor's
    with _lock:
        generation = _generation[0]
        full_key = (key, using, vendor, kinds, generation)
        found = _shapes.get(full_key)
        if found is not None:
            _shapes.move_to_end(full_key)
            return found
    # Outside the lock: two threads may both compile, the same.
    found = compile_shape(build, dict(kinds), using, optional)
    with _lock:
        if generation == _generation[0]:  # else a setting changed meanwhile: not kept
            _shapes[full_key] = found
            while len(_shapes) > MAX_SHAPES:
                _shapes.popitem(last=False)
    return found


def sql_and_params(found: Compiled, connection: Any, values: dict) -> tuple[str, list]:
    """The compiled SQL and the request's parameters in place of the markers."""
    ops = connection.ops
    params = list(found.params)
    for index, name, number, marker in found.slots:
        if marker is None:
            value = values[name]
            params[index] = value if type(value) is int else adapt(ops, value)
        else:  # the word's marker inside its LIKE pattern
            params[index] = params[index].replace(marker, ops.prep_for_like_query(values[name][number]))
    return found.sql, params


def rows(
    key: Any, build: Callable[..., QuerySet], values: dict, using: str = "default", optional: Collection = ()
) -> list:
    """``list(build(**values))`` of a values_list queryset (tuples), its SQL
    compiled once per shape (``key``: the caller's, the same build and
    shape for the same key; ``optional``: values a shape may not use)."""
    connection = connections[using]
    found = compiled(key, build, values, using, optional, connection)
    if found is UNCACHEABLE:
        return list(build(**values).using(using))
    sql, params = sql_and_params(found, connection, values)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    if not found.converters:
        return list(map(tuple, fetched))
    return _converted(fetched, found.converters, connection)


def _converted(fetched: list, converters: dict, connection: Any) -> list:
    """The rows as tuples, the kept converters applied (as Django's apply_converters)."""
    columns = list(converters.items())
    converted = []
    for row in map(list, fetched):
        for position, (functions, expression) in columns:
            value = row[position]
            for function in functions:
                value = function(value, expression, connection)
            row[position] = value
        converted.append(tuple(row))
    return converted


def instances(
    key: Any, build: Callable[..., QuerySet], values: dict, using: str = "default", optional: Collection = ()
) -> list:
    """``list(build(**values))``, model instances (select_related included),
    its SQL compiled once per shape (``key`` and ``optional``: as ``rows``)."""
    connection = connections[using]
    found = compiled(key, build, values, using, optional, connection)
    if found is UNCACHEABLE:
        return list(build(**values).using(using))
    sql, params = sql_and_params(found, connection, values)
    compiler = copy.copy(found.compiler)
    compiler.connection = connection  # this thread's: cursor (and passed to the converters)
    compiler.as_sql = lambda *args, **kwargs: (sql, params)
    compiler.get_converters = lambda expressions: found.converters  # the kept ones, not found again
    queryset = found.queryset._chain()
    queryset.query = copy.copy(found.queryset.query)
    # Django's ModelIterable asks the query for its compiler, runs it and
    # builds the instances from the columns the first compile laid out.
    queryset.query.get_compiler = lambda *args, **kwargs: compiler
    return list(queryset)


class CompiledQuery:
    """A module's named query: ``CompiledQuery(build)``; ``instances(**values)``
    and ``rows(**values)`` are ``list(build(**values))``."""

    def __init__(self, build: Callable[..., QuerySet]) -> None:
        self.build = build

    def compiled(self, using: str = "default", **values: Any) -> Any:
        return compiled(self, self.build, values, using)

    def sql_and_params(self, using: str = "default", **values: Any) -> tuple[str, list] | None:
        """The SQL and these values' parameters (None: the shape is not kept)."""
        found = self.compiled(using, **values)
        if found is UNCACHEABLE:
            return None
        return sql_and_params(found, connections[using], values)

    def instances(self, using: str = "default", **values: Any) -> list:
        return instances(self, self.build, values, using)

    def rows(self, using: str = "default", **values: Any) -> list:
        return rows(self, self.build, values, using)
