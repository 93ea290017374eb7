"""A hot model query whose SQL is compiled once per process.

Some queries run on every page with only one value changing: the person's
memberships (``access.memberships_for``) are read with the person's id on
every request of every logged-in person. Building and compiling that
queryset (four joined models) cost about 3,000 Python calls per page,
a quarter of a portal screen's common path; PostgreSQL runs it in well
under a millisecond. Its SQL depends only on its shape, so it is built
once with a marker value, compiled, and where the marker landed among the
parameters is remembered; a request puts its own value there and Django's
own ``ModelIterable`` makes the instances (select_related included) from
the compiled query's columns, on the request's own connection.

A shape whose marker ends up in the SQL text, not in its parameters, or
that is empty, is never kept: the ORM builds it each time. The marker is a
negative id, so a parameter left unreplaced would find no row.
"""

import copy
import threading
from collections.abc import Callable
from typing import Any, NamedTuple

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet

MARKER = -2_000_000_029


class Compiled(NamedTuple):
    queryset: QuerySet  # the marker queryset (never evaluated)
    sql: str
    params: tuple
    slots: tuple  # indexes of the marker among params
    compiler: Any  # its compiler once compiled: columns, klass_info, converters


UNCACHEABLE = object()


class CompiledQuery:
    """``CompiledQuery(build)``: ``run(value)`` gives ``list(build(value))``,
    model instances, without building ``build(value)`` each time.
    ``build(value)`` returns a queryset of model instances in which
    ``value`` (an int) appears only as a parameter."""

    def __init__(self, build: Callable[[int], QuerySet]):
        self.build = build
        self._compiled: dict[str, Any] = {}
        self._lock = threading.Lock()

    def compile(self, using: str) -> Any:
        queryset = self.build(MARKER).using(using)
        if queryset._prefetch_related_lookups or queryset._known_related_objects:
            return UNCACHEABLE  # done after the query by the ORM: left to it
        compiler = queryset.query.get_compiler(using=using)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return UNCACHEABLE
        slots = tuple(
            index
            for index, param in enumerate(params)
            if isinstance(param, int) and not isinstance(param, bool) and param == MARKER
        )
        if not slots or str(MARKER) in sql:
            return UNCACHEABLE
        return Compiled(queryset, sql, tuple(params), slots, compiler)

    def compiled(self, using: str) -> Any:
        found = self._compiled.get(using)
        if found is None:
            found = self.compile(using)  # outside the lock: two threads may both compile, the same
            with self._lock:
                self._compiled[using] = found
        return found

    def sql_and_params(self, value: int, using: str = "default") -> tuple[str, list] | None:
        """The SQL and this value's parameters (None: the shape is not kept)."""
        compiled = self.compiled(using)
        if compiled is UNCACHEABLE:
            return None
        params = list(compiled.params)
        for index in compiled.slots:
            params[index] = value
        return compiled.sql, params

    def run(self, value: int, using: str = "default") -> list:
        compiled = self.compiled(using)
        if compiled is UNCACHEABLE:
            return list(self.build(value).using(using))
        sql, params = self.sql_and_params(value, using)  # type: ignore[misc]
        compiler = copy.copy(compiled.compiler)
        compiler.connection = connections[using]  # this thread's: cursor and converters
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        queryset = compiled.queryset._chain()
        queryset.query = copy.copy(compiled.queryset.query)
        # Django's ModelIterable asks the query for its compiler, runs it and
        # builds the instances from the columns the first compile laid out.
        queryset.query.get_compiler = lambda *args, **kwargs: compiler  # type: ignore[method-assign]
        return list(queryset)
