"""Requests exports of the admin, built in the background.

The listing's XLSX/CSV buttons call ``start_export``: a ``RequestExport`` row
(who, when, format, the listing's query string) and a message to the
``build_request_export`` actor, sent once the row is committed. The actor
calls ``build_export``: it rebuilds the admin listing view in-process with
the stored query string (same filterset, search and ordering), lets
Wagtail's SpreadsheetExportMixin write the rows (read in chunks) into a
temporary file, and stores that file on the private storage in one step,
so a failed job leaves no file behind. ``purge_expired_exports`` applies
``AQUATIRIS_PORTAL_EXPORT_RETENTION_DAYS``; every new export runs it.
"""

import datetime
import logging
import tempfile

from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, QueryDict
from django.utils import timezone, translation

from ..conf import app_settings
from .models import RequestExport

logger = logging.getLogger(__name__)

# Query parameters of the listing that are not filters of the export.
NOT_FILTERS = {"export", "p", "_w_filter_fragment"}
# A job still "running" after this long died with its worker: a redelivered
# message may take it over.
STALE_AFTER = datetime.timedelta(hours=2)


def export_query_string(query):
    """The listing's query string without the export switch and the page."""
    params = query.copy()
    for name in NOT_FILTERS:
        params.pop(name, None)
    return params.urlencode()


def start_export(user, export_format, query):
    """Record an export of the listing filtered by ``query`` (a QueryDict)
    and queue its job; the caller answers at once. The same export still
    queued or running for the same person is reused: a double click, a
    reload or a link followed again never builds the file twice (the
    buttons are GET links, as in Wagtail)."""
    query_string = export_query_string(query)
    pending = (
        RequestExport.objects.filter(
            requested_by=user, format=export_format, query_string=query_string,
            status__in=[RequestExport.Status.QUEUED, RequestExport.Status.RUNNING],
        ).order_by("-pk").first()
    )
    if pending is not None:
        return pending
    export = RequestExport.objects.create(
        requested_by=user, format=export_format, query_string=query_string,
        language=translation.get_language() or "",
    )
    transaction.on_commit(lambda: _enqueue(export.pk))
    return export


def _enqueue(pk):
    from .tasks import build_request_export

    try:
        build_request_export.send(pk)
    except Exception as error:  # broker down: say so rather than wait forever
        logger.exception("Could not queue the requests export %s", pk)
        RequestExport.objects.filter(pk=pk, status=RequestExport.Status.QUEUED).update(
            status=RequestExport.Status.FAILED, finished_at=timezone.now(),
            error=f"The job queue is unreachable: {type(error).__name__}: {error}",
        )


def claim(pk):
    """Mark the export running if nobody else is building it: True once per
    export (a redelivered or retried message finds it running or finished)."""
    now = timezone.now()
    claimable = Q(status=RequestExport.Status.QUEUED) | Q(
        status=RequestExport.Status.RUNNING, started_at__lt=now - STALE_AFTER)
    return bool(RequestExport.objects.filter(claimable, pk=pk).update(
        status=RequestExport.Status.RUNNING, started_at=now, error=""))


def listing_view(export):
    """The admin listing view, set up as for the request that asked for the
    export: its filterset, search and ordering give the same rows."""
    from .viewsets import requests_viewset

    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = "/"
    request.GET = QueryDict(export.query_string)
    request.user = export.requested_by
    request.META["SERVER_NAME"], request.META["SERVER_PORT"] = "localhost", "80"
    # What ``requests_viewset.index_view`` (``ViewSet.construct_view``) gives the view.
    view_class = requests_viewset.index_view_class
    kwargs = {**requests_viewset.get_common_view_kwargs(), **requests_viewset.get_index_view_kwargs()}
    view = view_class(**{key: value for key, value in kwargs.items()
                         if hasattr(view_class, key) and value is not requests_viewset.UNDEFINED})
    view.setup(request)
    return view


def write_export(export, output):
    """Write the export's rows into the binary file ``output``; the row count."""
    view = listing_view(export)
    queryset = view.get_queryset()
    if export.format == RequestExport.Format.CSV:
        for chunk in view.stream_csv(queryset):
            output.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
    else:
        view.write_xlsx(queryset, output)
    return view.exported_rows


def build_export(pk):
    """The job: build the file of export ``pk`` once. Returns the export."""
    purge_expired_exports()
    if not claim(pk):
        return RequestExport.objects.filter(pk=pk).first()
    export = RequestExport.objects.select_related("requested_by").get(pk=pk)
    stored = None
    try:
        with translation.override(export.language or None), tempfile.TemporaryFile() as output:
            rows = write_export(export, output)
            output.seek(0)
            filename = f"{listing_view(export).get_filename()}.{export.format}"
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
            status=RequestExport.Status.FAILED, finished_at=timezone.now(), file="", row_count=None,
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
    deleted, _by_model = RequestExport.objects.filter(created_at__lt=cutoff).exclude(
        status=RequestExport.Status.RUNNING, started_at__gte=cutoff).delete()
    return deleted
