"""The installation and documents screens' own queries, their SQL compiled
once per process and shape.

Django spends longer building and compiling these querysets (access's
rules: the client's live documents shared with them, the visits told to
clients with their report only when the client may read it, the person's
reminder choice) than PostgreSQL spends running them. Their SQL depends
only on their shape; the client, the installation, the person, the day and
the moment are parameters. So each shape is built once, from ``access`` by
the functions below, with marker values in their place; the SQL is
compiled and where each marker landed among the parameters is remembered.
A request puts its own values there and runs the SQL on its own
connection; rows come as ``list(queryset)`` gives them (tuples).

The shape's key holds every setting the built queries read
(``CLIENTS_SEE_SPANC_UPLOADS``). A shape whose markers end up in the SQL
text rather than in its parameters, or one a marker is missing from, is
never kept: the ORM builds it each time. Markers are negative ids and days
of 1901: a parameter left unreplaced would find no row.
"""

import copy
import datetime
import functools
import threading
from collections import OrderedDict
from typing import Any, NamedTuple

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Window

from .. import access
from ..enquiries.archive_models import PersonalArchive
from ..notifications.preferences import NotificationPreference
from ..records.models import Client, PortalDocument
from ..records.visits import Visit
from .client_visits import REMINDER_KIND
from .dashboard_queries import CompiledWith

MARKERS = {
    "client": -2_000_000_041,
    "installation": -2_000_000_043,
    "person": -2_000_000_047,
    "today": datetime.date(1901, 3, 4),
    "since": datetime.datetime(1901, 5, 6, 7, 8, 9, tzinfo=datetime.UTC),
}
MAX_SHAPES = 64  # bounded memory whatever pages are asked for


class Compiled(NamedTuple):
    sql: str
    params: tuple
    slots: tuple  # (index in params, marker name)
    compiler: Any  # the compiler of the marker query: its columns' converters


UNCACHEABLE = object()
_shapes: OrderedDict = OrderedDict()
_lock = threading.Lock()


def adapt(ops, value):
    """A value as the ORM passes it to the database for its field."""
    if isinstance(value, datetime.datetime):
        return ops.adapt_datetimefield_value(value)
    if isinstance(value, datetime.date):
        return ops.adapt_datefield_value(value)
    return value


def compile_shape(build, names, using):
    """Compiled (or UNCACHEABLE) for ``build(**markers)``, a values_list queryset."""
    queryset = build(**{name: MARKERS[name] for name in names}).using(using)
    compiler = queryset.query.get_compiler(using=using)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return UNCACHEABLE
    ops = compiler.connection.ops
    adapted = {name: adapt(ops, MARKERS[name]) for name in names}
    if any(str(value) in sql for value in adapted.values()):
        return UNCACHEABLE  # a value written into the SQL: not replaceable
    slots = tuple(
        (index, name)
        for index, param in enumerate(params)
        for name, value in adapted.items()
        if type(param) is type(value) and param == value
    )
    if {name for _index, name in slots} != set(names):
        return UNCACHEABLE
    return Compiled(sql, tuple(params), slots, compiler)


def cached(key, build, names, using):
    with _lock:
        found = _shapes.get(key)
        if found is not None:
            _shapes.move_to_end(key)
            return found
    found = compile_shape(build, names, using)  # outside the lock: two threads may both compile, the same
    with _lock:
        _shapes[key] = found
        while len(_shapes) > MAX_SHAPES:
            _shapes.popitem(last=False)
    return found


def sql_and_params(compiled, connection, values):
    ops = connection.ops
    params = list(compiled.params)
    for index, name in compiled.slots:
        params[index] = adapt(ops, values[name])
    return compiled.sql, params


def rows(shape, build, values, using="default"):
    """``list(build(**values))`` (a values_list queryset: tuples), with the
    SQL of ``shape`` compiled once."""
    key = (using, shape, tuple(sorted(values)), bool(access.clients_see_spanc_uploads()))
    compiled = cached(key, build, tuple(values), using)
    if compiled is UNCACHEABLE:
        return list(build(**values).using(using))
    connection = connections[using]
    sql, params = sql_and_params(compiled, connection, values)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    compiler = copy.copy(compiled.compiler)
    compiler.connection = connection  # this thread's: converters read its features
    return list(compiler.results_iter([fetched], tuple_expected=True))


# --- the screens' queries: built from access, values in, tuples out ---------

VISIT_FIELDS = tuple(field.attname for field in Visit._meta.concrete_fields)
REPORT_FIELDS = tuple(f"report_document__{field.name}" for field in PortalDocument._meta.concrete_fields)
# The documents screen's columns, in this order.
DOCUMENT_FIELDS = (
    "pk",
    "title",
    "content_type",
    "size",
    "issued_on",
    "control_result",
    "document_type",
    "created_at",
    "theme_id",
    "theme__name",
)


def themes_query(client, installation, since=None):
    """(theme name, its order, documents, new ones) of an installation, by theme."""
    new = Q(created_at__gt=since) if since is not None else Q(pk__isnull=False)
    return (
        access.documents_of_client(Client(pk=client))
        .filter(installation_id=installation)
        .values_list("theme__name", "theme__sort_order")
        .annotate(total=Count("pk"), new=Count("pk", filter=new))
        .order_by("theme__sort_order", "theme__name")
    )


def themes(client, installation, since):
    values = {"client": client.pk, "installation": installation.pk}
    if since is not None:
        values["since"] = since
    return rows("themes", themes_query, values)


def visits_query(client, installation, person, today):
    """The visits done and those planned from ``today``, newest first, each
    with whether the client may read its report, the report's columns and
    the person's reminder choice."""
    visits = (
        access.visits_of_client(Client(pk=client), join_reports=True)
        .filter(installation_id=installation)
        .filter(Q(done_on__isnull=False) | Q(planned_for__gte=today))
        .order_by("-done_on", "-pk")
    )
    # The person's reminder choice (None: never chosen), as client_visits reads it.
    chosen = NotificationPreference.objects.filter(user_id=person, kind=REMINDER_KIND).values("enabled")[:1]
    return visits.annotate(reminders_enabled=Subquery(chosen)).values_list(
        *VISIT_FIELDS, "report_readable", "reminders_enabled", *REPORT_FIELDS
    )


def visits(user, client, installation, today):
    """Visit instances as ``client_visits.installation_visits`` reads them:
    ``report`` (None unless readable) and ``reminders_enabled`` set."""
    found = []
    count = len(VISIT_FIELDS)
    values = {"client": client.pk, "installation": installation.pk, "person": user.pk, "today": today}
    for row in rows("visits", visits_query, values):
        visit = Visit.from_db("default", VISIT_FIELDS, row[:count])
        visit.reminders_enabled = row[count + 1]
        visit.report = PortalDocument.from_db("default", REPORT_FIELDS, row[count + 2 :]) if row[count] else None
        found.append(visit)
    return found


def documents_query(client, installation, *, offset, per_page):
    """A page of an installation's documents by theme, newest first, each row with the list's count."""
    return (
        access.documents_of_client(Client(pk=client))
        .filter(installation_id=installation)
        .order_by("theme__sort_order", "theme__name", "theme_id", "-created_at", "-pk")
        .annotate(list_total=Window(Count("pk")))
        .values_list(*DOCUMENT_FIELDS, "list_total")[offset : offset + per_page]
    )


def documents(client, installation, offset, per_page):
    build = functools.partial(documents_query, offset=offset, per_page=per_page)
    return rows(("documents", offset, per_page), build, {"client": client.pk, "installation": installation.pk})


def _space_installations(client, person):
    """The client's installations as space_context reads them (franchisee,
    warranty extension; reference order), each with ``has_dossier``: whether
    the person asked for its dossier (_dossier.html reads the archive only then)."""
    asked = PersonalArchive.objects.filter(
        requested_by_id=person, kind=PersonalArchive.Kind.DOSSIER, installation=OuterRef("pk")
    )
    return (
        access.installations_of_client(client)
        .select_related("franchisee", "warranty_extension")
        .annotate(has_dossier=Exists(asked))
        .order_by("reference")
    )


SPACE_INSTALLATIONS = CompiledWith(_space_installations, int, int)


def space_installations(client, user):
    """``space_context(dossier=True)``'s installations, from SQL compiled once (dashboard_queries.CompiledWith)."""
    return SPACE_INSTALLATIONS.run((client.pk, user.pk))
