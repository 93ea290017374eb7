"""The SPANC's folders: one per installation on its territory.

Everything here starts from ``access`` (installations_for_spanc,
spanc_documents) so the counts and dates a SPANC sees are computed over
exactly the documents it may open. Each list is one SQL query whatever the
size of the territory: counts and latest dates are correlated subqueries.
Sorting and searching read the installation's own copy of its client's name
(``client_sort_name``, ``search_words``): a page of a 5,000-folder territory
comes from an index, without joining the 100,000 clients.
"""

import datetime
import re
import tempfile
from urllib.parse import urlencode

from django.db.models import Count, DateTimeField, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import access
from ..conf import app_settings
from ..records.models import Installation, Stage
from ..records.names import search_words
from ..spreadsheets import SpreadsheetWriter
from .client_visits import add_months

PER_PAGE = 25
CAPACITY = re.compile(r"(\d+)\s*EH\b")
MAX_QUERY_LENGTH = 100

# sort key -> (label, fields in ascending order). "-key" reverses.
SORTS = {
    "name": (gettext_lazy("Client"), ("client_sort_name", "reference")),
    "commune": (gettext_lazy("Town"), ("city", "client_sort_name", "reference")),
    "latest": (gettext_lazy("Latest document"), ("latest_document_at",)),
    # Planning columns (issue 18), each read from its own index (records.models).
    "installed": (gettext_lazy("Installed on"), ("installed_on", "client_sort_name", "reference")),
    "stage": (gettext_lazy("Stage"), ("stage", "client_sort_name", "reference")),
    # Issue 17: the denormalised date of the last maintenance done (index aqp_inst_spanc_maint).
    "maintenance": (gettext_lazy("Last maintenance"), ("last_maintenance_on", "client_sort_name", "reference")),
}
# "No maintenance for more than N months": the filter's choices (the setting's value added).
OVERDUE_CHOICES = (12, 24, 36, 60)
DEFAULT_SORT = "name"


def clean_query(raw):
    return " ".join((raw or "").split())[:MAX_QUERY_LENGTH]


def clean_sort(raw):
    raw = raw or DEFAULT_SORT
    key = raw.lstrip("-")
    return raw if key in SORTS else DEFAULT_SORT


def overdue_choices():
    return sorted({*OVERDUE_CHOICES, int(app_settings.SPANC_MAINTENANCE_OVERDUE_MONTHS)})


def clean_overdue(raw):
    """The filter's months (one of ``overdue_choices``) or None (no filter)."""
    raw = str(raw or "")
    return int(raw) if raw.isdigit() and int(raw) in overdue_choices() else None


def overdue(installations, months, today=None):
    """Folders with no maintenance done for more than ``months`` months: the
    last maintenance before the cut-off, or none ever and installed before
    it (a folder not yet installed has nothing to maintain). Both read from
    the territory's indexes (last_maintenance_on, installed_on)."""
    if not months:
        return installations
    cutoff = add_months(today or timezone.localdate(), -months)
    return installations.filter(Q(last_maintenance_on__lt=cutoff)
                                | Q(last_maintenance_on__isnull=True, installed_on__lt=cutoff))


def list_state(params):
    """The folder list's search, sort and page, cleaned, as a query string
    ("" for the first page of all folders in the default order). Folder and
    upload links carry it, so "back" returns to the same place of the list;
    nothing but these three values ever goes through (no open redirect)."""
    state = {}
    query = clean_query(params.get("q"))
    if query:
        state["q"] = query
    sort = clean_sort(params.get("sort"))
    if sort != DEFAULT_SORT:
        state["sort"] = sort
    months = clean_overdue(params.get("overdue"))
    if months:
        state["overdue"] = months
    page = params.get("page", "")
    if page.isdigit() and 1 < int(page) < 100000:
        state["page"] = int(page)
    return urlencode(state)


def _documents_of_outer_installation(user):
    return access.spanc_documents(user).filter(installation=OuterRef("pk")).order_by()


def with_document_stats(user, installations):
    """Add ``document_count``, ``latest_document_at`` (documents the SPANC may
    see) and ``latest_received_at`` (the same without the SPANC's own
    uploads: what it sent itself is never news to it)."""
    documents = _documents_of_outer_installation(user)
    count = documents.values("installation").annotate(n=Count("pk")).values("n")
    return installations.annotate(
        document_count=Coalesce(Subquery(count, output_field=IntegerField()), Value(0)),
        latest_document_at=_latest(user, documents),
        latest_received_at=_latest_received(user, documents),
    )


def _latest(user, documents=None):
    documents = _documents_of_outer_installation(user) if documents is None else documents
    return Subquery(documents.order_by("-created_at").values("created_at")[:1], output_field=DateTimeField())


def _latest_received(user, documents):
    spanc = access.spanc_for(user)
    if spanc is not None:
        documents = documents.exclude(uploaded_by_spanc=spanc)
    return Subquery(documents.order_by("-created_at").values("created_at")[:1], output_field=DateTimeField())


def search(installations, query):
    """Folders where every word of the query starts a word of the client's
    name, the town, the postcode or the reference, accents and case ignored
    ("pere rennes" finds Père in Rennes). It scans one territory's rows only
    (the spanc index), never the clients."""
    words = search_words(clean_query(query))
    for word in words:
        installations = installations.filter(search_words__contains=" " + word)
    return installations


def spanc_folders(user, *, query="", sort=DEFAULT_SORT, overdue_months=None):
    """Every folder of the search, annotated and ordered (export)."""
    folders = with_document_stats(user, access.installations_for_spanc(user).select_related("client"))
    return overdue(search(folders, query), overdue_months).order_by(*ordering(sort))


def folder_keys(user, *, query="", sort=DEFAULT_SORT, overdue_months=None):
    """The folders' keys in order, with only what ordering needs: the
    paginator counts and slices this cheap query."""
    installations = access.installations_for_spanc(user)
    if clean_sort(sort).lstrip("-") == "latest":
        installations = installations.annotate(latest_document_at=_latest(user))
    return overdue(search(installations, query), overdue_months).order_by(*ordering(sort))


def folders_page(user, page_obj, sort):
    """The annotated folders of one page, in order: the per-folder
    subqueries run for these rows only, not for the rows before them."""
    keys = page_obj.object_list.values("pk")
    folders = list(
        with_document_stats(user, access.installations_for_spanc(user).filter(pk__in=keys))
        .select_related("client")
        .order_by(*ordering(sort))
    )
    return folders


def folder_rows(folders, previous_visit_at, url_of):
    """What each line of the folder list shows, as plain dicts of text.

    Formatted here once per value rather than by template filters: a page is
    25 rows of ten cells, and a dict is the template engine's fastest look-up
    (the row's ``folder`` stays there for a host's own template)."""
    date_format = get_format("SHORT_DATE_FORMAT")
    stages = dict(Stage.choices)

    def day(value):
        if not value:
            return None
        if isinstance(value, datetime.datetime):
            value = timezone.localtime(value)  # what the |date filter shows
        return {"iso": value.isoformat(), "text": dateformat.format(value, date_format)}

    return [
        {
            "folder": folder,
            "url": url_of(folder),
            "new": is_new(folder, previous_visit_at),
            "name": f"{folder.client.last_name} {folder.client.first_name}",
            "town": f"{folder.city} ({folder.postcode})" if folder.postcode else folder.city,
            "address": folder.address_line1 or "—",
            "reference": folder.reference,
            "capacity": capacity_of(folder.label) or "—",
            "installed": day(folder.installed_on),
            "stage": stages.get(folder.stage, folder.stage),
            "maintenance": day(folder.last_maintenance_on),
            "documents": folder.document_count,
            "latest": day(folder.latest_document_at),
        }
        for folder in folders
    ]


def capacity_of(label):
    """The capacity in the label ("Filtre planté de roseaux 5 EH" -> "5 EH"), or ""."""
    match = CAPACITY.search(label or "")
    return f"{match.group(1)} EH" if match else ""


def ordering(sort):
    sort = clean_sort(sort)
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key == "latest":
        # Most recent first by default; folders without documents last.
        descending = not descending
    fields = SORTS[key][1]
    if key == "latest":
        expressions = [
            F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True) for field in fields
        ]
        return [*expressions, "pk"]
    # Plain column order (never null): the index is read forwards or backwards.
    return [f"-{field}" if descending else field for field in (*fields, "pk")]


def is_new(folder, previous_visit_at):
    """Documents arrived since the SPANC's previous visit (not counting its own uploads)."""
    received = getattr(folder, "latest_received_at", None)
    return bool(previous_visit_at and received and received > previous_visit_at)


def _naive_local(value):
    if value is None:
        return None
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value).replace(tzinfo=None)
    return value


def _french_date(value):
    return value.strftime("%d/%m/%Y") if value else ""


# Dates as French readers write them, whatever the spreadsheet's locale.
FRENCH_DATETIME = "dd/mm/yyyy hh:mm"


# The SPANC's folder export: columns and headings (spreadsheets.SpreadsheetWriter).
FOLDER_EXPORT_FIELDS = ["client.last_name", "client.first_name", "city", "postcode", "reference",
                        "document_count", "latest_document_at", "new_label", "last_maintenance_on"]
FOLDER_EXPORT_HEADINGS = {
    "client.last_name": gettext_lazy("Last name"), "client.first_name": gettext_lazy("First name"),
    "city": gettext_lazy("Town"), "postcode": gettext_lazy("Postcode"),
    "reference": gettext_lazy("Installation reference"), "document_count": gettext_lazy("Documents"),
    "latest_document_at": gettext_lazy("Latest document"), "new_label": gettext_lazy("New since your previous visit"),
    "last_maintenance_on": gettext_lazy("Last maintenance"),
}


def folders_workbook(folders, previous_visit_at):
    """Write the folders into an XLSX file with the portal's one spreadsheet
    writer (text stays text); return the (rewound) file. A write-only
    workbook keeps memory flat; rows are read from the database in chunks."""
    def rows():
        for folder in folders.iterator(chunk_size=1000):
            folder.new_label = _("New") if is_new(folder, previous_visit_at) else ""
            yield folder

    writer = SpreadsheetWriter(
        Installation, FOLDER_EXPORT_FIELDS, FOLDER_EXPORT_HEADINGS, sheet_title=_("Folders"),
        custom_field_preprocess={"latest_document_at": {SpreadsheetWriter.FORMAT_XLSX: _naive_local},
                                 "last_maintenance_on": {SpreadsheetWriter.FORMAT_XLSX: _french_date}},
        date_format=FRENCH_DATETIME, column_widths={"A": 24, "B": 18, "C": 24, "E": 18, "H": 18}, table_header=True,
    )
    output = tempfile.SpooledTemporaryFile(max_size=5 * 1024 * 1024)
    writer.write_xlsx(rows(), output)
    output.seek(0)
    return output
