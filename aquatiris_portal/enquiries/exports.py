"""Requests exports of the admin, built in the background.

The listing's XLSX/CSV buttons call ``start_export``: a ``RequestExport`` row
(who, when, format, the listing's query string, and the ids of the rows the
listing showed, in its order: filters, search and ordering applied by the
admin view) and a message to the ``build_request_export`` actor, sent once
the row is committed. The actor calls ``build_export``: it reads those rows
in chunks, writes them with the portal's one spreadsheet writer
(``spreadsheets.SpreadsheetWriter``: Wagtail's SpreadsheetExportMixin with
the formula guard) into a temporary file, and stores that file on the
private storage in one step, so a failed job leaves no file behind. The job
needs nothing of the admin view. ``purge_expired_exports`` applies
``AQUATIRIS_PORTAL_EXPORT_RETENTION_DAYS``; every new export runs it.

Fast and in constant memory (50,000 requests in a few seconds, bench/
export_requests.py): the rows are read as ``values_list`` tuples, a chunk of
ids per query (the message count a subquery, the franchisee a join, kind and
status labels from a dict made once: no query per row, no model instance),
and written by ``RowSpreadsheetWriter`` into openpyxl's write-only workbook,
which streams each row to the file.
"""

import datetime
import logging
import tempfile

import dramatiq
from django.core.files import File
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from ..conf import app_settings
from ..records.emails import display_email
from ..spreadsheets import RowSpreadsheetWriter
from .models import PortalRequest, RequestExport, RequestMessage

logger = logging.getLogger(__name__)

# Query parameters of the listing that are not filters of the export.
NOT_FILTERS = {"export", "p", "_w_filter_fragment"}
# A job still "running" after this long died with its worker: a redelivered
# message may take it over.
STALE_AFTER = datetime.timedelta(hours=2)
# Requests read per query while a file is written.
EXPORT_CHUNK = 2000

# The columns of the export (the admin listing shows its buttons from them).
EXPORT_FIELDS = [
    "client_last_name",
    "client_first_name",
    "client_address",
    "client_phone",
    "client_email",
    "client_code",
    "installation_reference",
    "franchisee",
    "subject_label",
    "after_sales_reason",
    "message",
    "get_kind_display",
    "get_status_display",
    "created_at",
    "message_count",
    "last_activity_at",
    "reference",
]
EXPORT_HEADINGS = {
    "client_last_name": _("Last name"),
    "client_first_name": _("First name"),
    "client_address": _("Address"),
    "client_phone": _("Phone"),
    "client_email": _("Email"),
    "client_code": _("Client code"),
    "installation_reference": _("Installation reference"),
    "franchisee": _("Franchisee"),
    "subject_label": _("Subject"),
    "after_sales_reason": _("Reason"),
    "message": _("Message"),
    "get_kind_display": _("Kind"),
    "get_status_display": _("Status"),
    "created_at": _("Date"),
    "reference": _("Reference"),
    "message_count": _("Messages"),
    "last_activity_at": _("Last activity"),
}
EXPORT_FILENAME = "demandes"


def local_naive(value):
    # Spreadsheets have no time zones: write the time people read in France.
    return timezone.make_naive(timezone.localtime(value)) if value is not None and timezone.is_aware(value) else value


def local_text(value):
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value is not None else ""


# The database column of each export column that is not a field of its own.
ROW_COLUMNS = {
    "franchisee": "franchisee__company",  # Franchisee.__str__
    "get_kind_display": "kind",
    "get_status_display": "status",
}


def request_spreadsheet():
    return RowSpreadsheetWriter(
        PortalRequest,
        EXPORT_FIELDS,
        EXPORT_HEADINGS,
        sheet_title=_("Requests"),
        custom_field_preprocess={
            "created_at": {"xlsx": local_naive, "csv": local_text},
            "last_activity_at": {"xlsx": local_naive, "csv": local_text},
            # People read the file (labels, not codes): the domain in Unicode, as typed.
            "client_email": {"xlsx": display_email, "csv": display_email},
        },
    )


def export_filename(export):
    return f"{EXPORT_FILENAME}-{timezone.localdate():%Y-%m-%d}.{export.format}"


def export_query_string(query):
    """The listing's query string without the export switch and the page."""
    params = query.copy()
    for name in NOT_FILTERS:
        params.pop(name, None)
    return params.urlencode()


def start_export(user, export_format, query, rows):
    """Record an export of the listing filtered by ``query`` (a QueryDict),
    whose rows are the queryset ``rows`` (its order kept), and queue its
    job; the caller answers at once. The same export still
    queued or running for the same person is reused: a double click, a
    reload or a link followed again never builds the file twice (the
    buttons are GET links, as in Wagtail)."""
    query_string = export_query_string(query)
    pending = (
        RequestExport.objects.filter(
            requested_by=user,
            format=export_format,
            query_string=query_string,
            status__in=[RequestExport.Status.QUEUED, RequestExport.Status.RUNNING],
        )
        .order_by("-pk")
        .first()
    )
    if pending is not None:
        return pending
    export = RequestExport.objects.create(
        requested_by=user,
        format=export_format,
        query_string=query_string,
        language=translation.get_language() or "",
        request_ids=list(rows.values_list("pk", flat=True)),
    )
    transaction.on_commit(lambda: _enqueue(export.pk))
    return export


def _enqueue(pk):
    try:
        build_request_export.send(pk)
    except Exception as error:  # broker down: say so rather than wait forever
        logger.exception("Could not queue the requests export %s", pk)
        RequestExport.objects.filter(pk=pk, status=RequestExport.Status.QUEUED).update(
            status=RequestExport.Status.FAILED,
            finished_at=timezone.now(),
            error=f"The job queue is unreachable: {type(error).__name__}: {error}",
        )


def claim_export(pk):
    """Mark the export running if nobody else is building it: True once per
    export (a redelivered or retried message finds it running or finished)."""
    now = timezone.now()
    claimable = Q(status=RequestExport.Status.QUEUED) | Q(
        status=RequestExport.Status.RUNNING, started_at__lt=now - STALE_AFTER
    )
    return bool(
        RequestExport.objects.filter(claimable, pk=pk).update(
            status=RequestExport.Status.RUNNING, started_at=now, error=""
        )
    )


def message_count():
    """The number of messages of a request's thread, as a subquery (no GROUP BY)."""
    counts = (
        RequestMessage.objects.filter(request=OuterRef("pk"))
        .order_by()
        .values("request")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def _labels(choices):
    """Stored value -> label in the current language (get_FOO_display)."""
    return {value: str(label) for value, label in choices}


def export_rows(export):
    """The export's requests in the listing's order, as tuples of
    ``EXPORT_FIELDS``' values, read ``EXPORT_CHUNK`` at a time (one query a
    chunk, whatever the number of rows)."""
    ids = export.request_ids or []
    columns = [ROW_COLUMNS.get(field, field) for field in EXPORT_FIELDS]
    displays = {
        EXPORT_FIELDS.index("get_kind_display"): _labels(PortalRequest.Kind.choices),
        EXPORT_FIELDS.index("get_status_display"): _labels(PortalRequest.Status.choices),
    }
    queryset = PortalRequest.objects.annotate(message_count=message_count()).order_by()
    for start in range(0, len(ids), EXPORT_CHUNK):
        chunk = ids[start : start + EXPORT_CHUNK]
        found = {row[0]: row[1:] for row in queryset.filter(pk__in=chunk).values_list("pk", *columns)}
        for pk in chunk:
            row = found.get(pk)
            if row is None:
                continue  # a request deleted since is left out
            row = list(row)
            for index, labels in displays.items():
                row[index] = labels.get(row[index], row[index])
            yield row


def write_export(export, output):
    """Write the export's rows into the binary file ``output``; the row count."""
    return request_spreadsheet().write(export.format, export_rows(export), output)


def build_export(pk):
    """The job: build the file of export ``pk`` once. Returns the export."""
    purge_expired_exports()
    if not claim_export(pk):
        return RequestExport.objects.filter(pk=pk).first()
    export = RequestExport.objects.select_related("requested_by").get(pk=pk)
    stored = None
    try:
        with translation.override(export.language or None), tempfile.TemporaryFile() as output:
            rows = write_export(export, output)
            output.seek(0)
            filename = export_filename(export)
            stored = export.file.storage.save(export.file.field.generate_filename(export, filename), File(output))
        export.file.name = stored
        export.filename = filename
        export.row_count = rows
        export.status = RequestExport.Status.DONE
        export.finished_at = timezone.now()
        export.save(update_fields=["file", "filename", "row_count", "status", "finished_at"])
    except BaseException as error:
        if stored:
            export.file.storage.delete(stored)
        logger.exception("Requests export %s failed", pk)
        RequestExport.objects.filter(pk=pk).update(
            status=RequestExport.Status.FAILED,
            finished_at=timezone.now(),
            file="",
            row_count=None,
            error=f"{type(error).__name__}: {error}"[:2000],
        )
        if not isinstance(error, Exception):  # a time limit, a shutdown: let dramatiq see it
            raise
        export.refresh_from_db()
    return export


def purge_expired_exports(now=None):
    """Delete the exports past the retention period (their files go with
    them: the model's post_delete receiver); the number deleted."""
    days = app_settings.EXPORT_RETENTION_DAYS
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    deleted, _by_model = (
        RequestExport.objects.filter(created_at__lt=cutoff)
        .exclude(status=RequestExport.Status.RUNNING, started_at__gte=cutoff)
        .delete()
    )
    return deleted


# One attempt per message: a failed export is marked failed with its error
# (the person asks again from the status page); a redelivered message finds
# the export running or finished and does nothing (``claim``). tasks.py
# declares it with the room's other actors.
@dramatiq.actor(queue_name="aquatiris_exports", max_retries=0, time_limit=3600 * 1000)
def build_request_export(export_id):
    build_export(export_id)
