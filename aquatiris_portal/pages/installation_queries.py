"""The installation and documents screens' own queries, their SQL compiled
once per process and shape (``compiled_queries``).

Django spends longer building and compiling these querysets (access's
rules: the client's live documents shared with them, the visits told to
clients with their report only when the client may read it, the person's
reminder choice) than PostgreSQL spends running them. Their SQL depends
only on their shape; the client, the installation, the person, the day and
the moment are parameters, put in place of markers by ``compiled_queries``;
rows come as ``list(queryset)`` gives them (tuples). A setting the access
rules read (``CLIENTS_SEE_SPANC_UPLOADS``) is followed: every shape is
forgotten when a setting changes.
"""

import functools

from django.db.models import Count, Exists, OuterRef, Q, Subquery, Window

from .. import access, compiled_queries
from ..compiled_queries import CompiledQuery
from ..enquiries.archive_models import PersonalArchive
from ..notifications.preferences import NotificationPreference
from ..records.models import Client, PortalDocument
from ..records.visits import Visit
from .client_visits import REMINDER_KIND


def rows(shape, build, values, using="default"):
    """``list(build(**values))`` (a values_list queryset: tuples), with the
    SQL of ``shape`` compiled once."""
    return compiled_queries.rows(("installation screens", shape), build, values, using)


# --- the screens' queries: built from access, values in, tuples out ---------

VISIT_FIELDS = tuple(field.attname for field in Visit._meta.concrete_fields)
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
    with whether the client may read its report and the person's reminder
    choice. Not the report's columns: the screen only links the report (its
    pk is the visit's ``report_document_id``), and the join they took was
    a third of the query's time in PostgreSQL (planning and execution)."""
    visits = (
        access.visits_of_client(Client(pk=client), join_reports=True)
        .filter(installation_id=installation)
        .filter(Q(done_on__isnull=False) | Q(planned_for__gte=today))
        .order_by("-done_on", "-pk")
    )
    # The person's reminder choice (None: never chosen), as client_visits reads it.
    chosen = NotificationPreference.objects.filter(user_id=person, kind=REMINDER_KIND).values("enabled")[:1]
    return visits.annotate(reminders_enabled=Subquery(chosen)).values_list(
        *VISIT_FIELDS, "report_readable", "reminders_enabled"
    )


def visits(user, client, installation, today):
    """Visit instances as ``client_visits.installation_visits`` reads them:
    ``report`` (None unless readable; only its pk read, its other fields
    load on access) and ``reminders_enabled`` set."""
    found = []
    count = len(VISIT_FIELDS)
    values = {"client": client.pk, "installation": installation.pk, "person": user.pk, "today": today}
    for row in rows("visits", visits_query, values):
        visit = Visit.from_db("default", VISIT_FIELDS, row[:count])
        visit.reminders_enabled = row[count + 1]
        readable = row[count] and visit.report_document_id is not None
        visit.report = PortalDocument.from_db("default", ["id"], [visit.report_document_id]) if readable else None
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
    the person asked for its dossier (installation_screen.dossier_html reads
    the archive only then)."""
    asked = PersonalArchive.objects.filter(
        requested_by_id=person, kind=PersonalArchive.Kind.DOSSIER, installation=OuterRef("pk")
    )
    return (
        access.installations_of_client(client)
        .select_related("franchisee", "warranty_extension")
        .annotate(has_dossier=Exists(asked))
        .order_by("reference")
    )


SPACE_INSTALLATIONS = CompiledQuery(_space_installations)


def space_installations(client, user):
    """The installation screens' installations, from SQL compiled once."""
    return SPACE_INSTALLATIONS.instances(client=client.pk, person=user.pk)
