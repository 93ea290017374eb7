"""The dashboard's three queries (the installations with their badges, the
requests, the next visits), each compiled once per process and shape
(``compiled_queries``).

Building and compiling these querysets (correlated subqueries, joins)
cost the dashboard more Python than everything else it does; their SQL
depends only on their shape, the values are the client's pk, the person's
pk, a date. The rules are the access rules, from the record
(``access.installations_of_client``, ``access.documents_of_client``,
``access.visits_of_client``, ``proofs.open_of_client``,
``visibility.requests_of_client``); which client is the caller's is
decided per request by ``access.client_for``. A setting that changes a
shape (``CLIENTS_SEE_SPANC_UPLOADS``) is followed: compiled_queries forgets
every shape when a setting changes."""

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from .. import access
from ..compiled_queries import CompiledQuery
from ..enquiries.models import PortalRequest
from ..enquiries.proofs import open_of_client
from ..enquiries.visibility import requests_of_client
from ..notifications.preferences import NotificationPreference

REMINDER_KIND = "visit_reminders"  # notifications.preferences.KINDS, digests/visit_reminders.py
ROWS_READ = 100  # requests: the dashboard shows a few


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


INSTALLATIONS = CompiledQuery(_installations)
REQUESTS = CompiledQuery(_requests)
NEXT_VISITS = CompiledQuery(_next_visits)


def installations(client, since):
    if since is None:
        return INSTALLATIONS.instances(client=client.pk)
    return INSTALLATIONS.instances(client=client.pk, since=since)


def requests(client):
    return REQUESTS.instances(client=client.pk)


def next_visits(client, person, today):
    return NEXT_VISITS.instances(client=client.pk, person=person.pk, today=today)
