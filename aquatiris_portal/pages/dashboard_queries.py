"""The dashboard's three queries (the installations with their badges, the
requests, the next visits), each compiled once per process.

Building and compiling these querysets (correlated subqueries, joins)
cost the dashboard more Python than everything else it does; their SQL
depends only on their shape, the values are the client's pk, the person's
pk, a date. ``CompiledWith`` is ``compiled_queries.CompiledQuery`` for
several such values: the queryset is built once with a marker per value,
the markers' places among the parameters remembered, and each request
puts its own values there (adapted to the database as the ORM adapts
them). The rules are the access rules, from the record
(``access.installations_of_client``, ``access.documents_of_client``,
``access.visits_of_client``, ``proofs.open_of_client``,
``visibility.requests_of_client``); which client is the caller's is
decided per request by ``access.client_for``.

A setting may change a shape (``CLIENTS_SEE_SPANC_UPLOADS``): every
compiled shape is forgotten when a setting changes (tests; a server reads
its settings once)."""

import datetime

from django.core.exceptions import EmptyResultSet
from django.core.signals import setting_changed
from django.db import connections
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.dispatch import receiver

from .. import access
from ..compiled_queries import MARKER, UNCACHEABLE, Compiled, CompiledQuery
from ..enquiries.models import PortalRequest
from ..enquiries.proofs import open_of_client
from ..enquiries.visibility import requests_of_client
from ..notifications.preferences import NotificationPreference

REMINDER_KIND = "visit_reminders"  # notifications.preferences.KINDS, digests/visit_reminders.py
ROWS_READ = 100  # requests: the dashboard shows a few

_all = []


def _marker(kind, position):
    """A value of ``kind`` no row holds, one per position."""
    if kind is datetime.datetime:
        return datetime.datetime(1111, 1, 1, 0, 0, position, tzinfo=datetime.UTC)
    if kind is datetime.date:
        return datetime.date(1111, 1, 1 + position)
    return MARKER - 1000 * (position + 1)


def _adapt(connection, value):
    """The parameter the ORM passes for ``value`` (a date is text for SQLite)."""
    if isinstance(value, datetime.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, datetime.date):
        return connection.ops.adapt_datefield_value(value)
    return value


class CompiledWith(CompiledQuery):
    """``CompiledWith(build, int, datetime.date, ...)``: ``run((a, b, ...))``
    gives ``list(build(a, b, ...))``; the values are ints, dates or aware
    datetimes, each only a parameter of the SQL."""

    def __init__(self, build, *kinds):
        super().__init__(lambda values: build(*values))
        self.build_with = build
        self.kinds = kinds
        _all.append(self)

    def compile(self, using):
        markers = [_marker(kind, position) for position, kind in enumerate(self.kinds)]
        queryset = self.build_with(*markers).using(using)
        if queryset._prefetch_related_lookups or queryset._known_related_objects:
            return UNCACHEABLE
        compiler = queryset.query.get_compiler(using=using)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return UNCACHEABLE
        adapted = [_adapt(connections[using], marker) for marker in markers]
        slots = tuple(
            (index, position)
            for index, param in enumerate(params)
            for position, marker in enumerate(adapted)
            if type(param) is type(marker) and param == marker
        )
        if {position for _, position in slots} != set(range(len(markers))) or any(
            str(marker) in sql for marker in adapted
        ):
            return UNCACHEABLE  # a value not (only) a parameter: the ORM builds it each time
        return Compiled(queryset, sql, tuple(params), slots, compiler)

    def sql_and_params(self, values, using="default"):
        compiled = self.compiled(using)
        if compiled is UNCACHEABLE:
            return None
        params = list(compiled.params)
        for index, position in compiled.slots:
            params[index] = _adapt(connections[using], values[position])
        return compiled.sql, params

    def forget(self):
        self._compiled = {}


@receiver(setting_changed)
def _forget_shapes(**kwargs):
    for query in _all:
        query.forget()


def _installations(client, since=None):
    """The client's installations (reference order) with their franchisee,
    warranty extension, ``new_documents`` (added after ``since``; all of
    them without) and ``has_open_proof`` (a SPANC's request to answer)."""
    documents = access.documents_of_client(client)
    if since is not None:
        documents = documents.filter(created_at__gt=since)
    new = (
        documents.filter(installation=OuterRef("pk"))
        .order_by()
        .values("installation")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return (
        access.installations_of_client(client)
        .select_related("franchisee", "warranty_extension")
        .annotate(
            new_documents=Coalesce(Subquery(new), 0),
            has_open_proof=Exists(open_of_client(client).filter(installation=OuterRef("pk"))),
        )
        .order_by("reference")
    )


def _requests(client):
    """The open requests and the maintenance-contract requests (open or not), newest first."""
    return (
        requests_of_client(client)
        .filter(~Q(status=PortalRequest.Status.CLOSED) | Q(kind=PortalRequest.Kind.MAINTENANCE_CONTRACT))
        .order_by("-created_at", "-pk")[:ROWS_READ]
    )


def _next_visits(client, person, today):
    """The client's planned visits from ``today`` on, by installation then
    date, each with ``reminders_enabled``: the person's choice for visit
    reminders (None: never chosen)."""
    chosen = NotificationPreference.objects.filter(user_id=person, kind=REMINDER_KIND).values("enabled")[:1]
    return (
        access.visits_of_client(client)
        .planned()
        .filter(planned_for__gte=today)
        .order_by("installation_id", "planned_for", "pk")
        .prefetch_related(None)  # reports are not shown here
        .annotate(reminders_enabled=Subquery(chosen))
    )


INSTALLATIONS = CompiledWith(_installations, int)
INSTALLATIONS_SINCE = CompiledWith(_installations, int, datetime.datetime)
REQUESTS = CompiledWith(_requests, int)
NEXT_VISITS = CompiledWith(_next_visits, int, int, datetime.date)


def installations(client, since):
    if since is None:
        return INSTALLATIONS.run((client.pk,))
    return INSTALLATIONS_SINCE.run((client.pk, since))


def requests(client):
    return REQUESTS.run((client.pk,))


def next_visits(client, person, today):
    return NEXT_VISITS.run((client.pk, person.pk, today))
