"""The SPANC's folders: one per installation on its territory.

Everything here starts from ``access`` (installations_for_spanc,
spanc_documents, documents_of_spanc_installation) so the counts and dates a
SPANC sees are computed over exactly the documents it may open. Each list is
one SQL query whatever the size of the territory: counts and latest dates
are correlated subqueries.
Sorting and searching read the installation's own copy of its client's name
(``client_sort_name``, ``search_words``): a page of a 5,000-folder territory
comes from an index, without joining the 100,000 clients.
"""

import datetime
import tempfile
from urllib.parse import urlencode

from django.db.models import DateTimeField, F, Func, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .. import access
from ..conf import app_settings
from ..enquiries import proofs
from ..enquiries.proof_models import DISPLAY_LABELS as PROOF_LABELS
from ..records.models import Installation, PortalDocument, Stage
from ..records.names import query_words
from ..records.plain_text import capacity_of
from ..spreadsheets import SpreadsheetWriter
from .client_visits import add_months

PER_PAGE = 25
MAX_QUERY_LENGTH = 100

# sort key -> (label, fields in ascending order). "-key" reverses.
SORTS = {
    "name": (gettext_lazy("Client"), ("client_sort_name", "reference")),
    "commune": (gettext_lazy("Town"), ("city", "client_sort_name", "reference")),
    "latest": (gettext_lazy("Latest document"), ("latest_document_at",)),
    # Planning columns, each read from its own index (records.models).
    "installed": (gettext_lazy("Installed on"), ("installed_on", "client_sort_name", "reference")),
    "stage": (gettext_lazy("Stage"), ("stage", "client_sort_name", "reference")),
    # The denormalised date of the last maintenance done (index aqp_inst_spanc_maint).
    "maintenance": (gettext_lazy("Last maintenance"), ("last_maintenance_on", "client_sort_name", "reference")),
}
# "No maintenance for more than N months": the filter's choices (the setting's value added).
OVERDUE_CHOICES = (12, 24, 36, 60)
DEFAULT_SORT = "name"
# The stage filter: "service" (in service: what has maintenance to be done),
# each stage, or "all". Without a choice the maintenance filter lists the
# folders in service only (a study or a quote has nothing to maintain), and
# the plain list shows every stage.
IN_SERVICE = (Stage.COMMISSIONED, Stage.MAINTENANCE)
STAGE_SERVICE, STAGE_ALL = "service", "all"
# Stages before the works: an installation date there is a plan, not a fact.
NOT_BUILT = (Stage.STUDY, Stage.QUOTE)


def clean_query(raw):
    return " ".join((raw or "").split())[:MAX_QUERY_LENGTH]


def clean_sort(raw):
    """One of the list's sorts, ascending or descending: a finite set, since
    each sort is a compiled query shape (``?sort=--name`` is not another one)."""
    raw = raw or DEFAULT_SORT
    key = raw.lstrip("-")
    return ("-" if raw.startswith("-") else "") + key if key in SORTS else DEFAULT_SORT


def overdue_choices():
    return sorted({*OVERDUE_CHOICES, int(app_settings.SPANC_MAINTENANCE_OVERDUE_MONTHS)})


def clean_overdue(raw):
    """The filter's months (one of ``overdue_choices``) or None (no filter)."""
    raw = str(raw or "")
    return int(raw) if raw.isdigit() and int(raw) in overdue_choices() else None


def stage_choices(overdue_months=None):
    """(value, label) of the stage filter's select, the in-service choice first.

    Without the maintenance filter "Tous" is the default, sent as "": a
    SPANC who then picks "more than 24 months" and submits gets the
    maintenance filter's own default (in service), not every stage."""
    return [
        (STAGE_SERVICE, _("In service")),
        *((value, str(label)) for value, label in Stage.choices),
        (STAGE_ALL if overdue_months else "", _("All stages")),
    ]


def clean_stage(raw, overdue_months=None):
    """The stage filter's value: the one asked for if known, else in service
    under the maintenance filter and every stage without it."""
    raw = str(raw or "")
    if raw in (STAGE_SERVICE, STAGE_ALL) or raw in Stage.values:
        return raw
    return STAGE_SERVICE if overdue_months else STAGE_ALL


def every_stage(stage):
    """Whether the stage filter ``stage`` keeps every folder (``by_stage`` filters nothing)."""
    return stage != STAGE_SERVICE and stage not in Stage.values


def by_stage(installations, stage):
    """The folders of the stage filter (a WHERE on the spanc+stage index, no query of its own)."""
    if every_stage(stage):
        return installations
    if stage == STAGE_SERVICE:
        return installations.filter(stage__in=IN_SERVICE)
    return installations.filter(stage=stage)


PROOF_FILTER_LABELS = {
    "requested": gettext_lazy("proof requested"),
    "received": gettext_lazy("proof received"),
    "overdue": gettext_lazy("proof overdue"),
    "none": gettext_lazy("no proof requested"),
}


def proof_choices():
    """(value, label) of the "Justificatif" filter's select."""
    return [("", _("All")), *((value, str(PROOF_FILTER_LABELS[value])) for value in proofs.FILTERS)]


def filter_parts(query="", overdue_months=None, stage=STAGE_ALL, proof=""):
    """What the list is filtered on, in words (the count sentence, the export's first row)."""
    parts = []
    if query:
        parts.append(_("search “%(query)s”") % {"query": query})
    if overdue_months:
        parts.append(_("without maintenance for more than %(months)s months") % {"months": overdue_months})
    if stage == STAGE_SERVICE:
        parts.append(_("in service"))
    elif stage in Stage.values:
        parts.append(_("stage “%(stage)s”") % {"stage": Stage(stage).label})
    elif overdue_months:
        parts.append(_("all stages"))
    if proofs.clean_filter(proof):
        parts.append(str(PROOF_FILTER_LABELS[proof]))
    return parts


def count_sentence(count, query="", overdue_months=None, stage=STAGE_ALL, proof=""):
    """The folder list's count, saying what it is filtered on ("" when it is not)."""
    parts = filter_parts(query, overdue_months, stage, proof)
    if not parts:
        return ""
    return ngettext(
        "%(counter)s folder on your territory matches: %(filter)s.",
        "%(counter)s folders on your territory match: %(filter)s.",
        count,
    ) % {"counter": count, "filter": ", ".join(parts)}


def overdue(installations, months, today=None):
    """Folders with no maintenance done for more than ``months`` months: the
    last maintenance before the cut-off, or none ever and installed before
    it (a folder not yet installed has nothing to maintain). Both read from
    the territory's indexes (last_maintenance_on, installed_on)."""
    if not months:
        return installations
    return overdue_since(installations, overdue_cutoff(months, today))


def overdue_cutoff(months, today=None):
    return add_months(today or timezone.localdate(), -months)


def overdue_since(installations, cutoff):
    """``overdue``'s filter from its cut-off date (None: no filter)."""
    if cutoff is None:
        return installations
    return installations.filter(
        Q(last_maintenance_on__lt=cutoff) | Q(last_maintenance_on__isnull=True, installed_on__lt=cutoff)
    )


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
    stage = clean_stage(params.get("stage"), months)
    if stage != clean_stage("", months):
        state["stage"] = stage
    proof = proofs.clean_filter(params.get("proof"))
    if proof:
        state["proof"] = proof
    page = params.get("page", "")
    if page.isdigit() and 1 < int(page) < 100000:
        state["page"] = int(page)
    return urlencode(state)


def _outer_documents(spanc):
    """The SPANC's documents of the outer query's installation, which comes from
    ``access.installations_of_spanc(spanc)``: its territory is not joined again
    (``access.documents_of_spanc_installation``); no SPANC, no document."""
    if spanc is None:
        return PortalDocument.objects.none()
    return access.documents_of_spanc_installation(spanc, OuterRef("pk")).order_by()


def with_document_stats(user, installations):
    """Add ``document_count``, ``latest_document_at`` (documents the SPANC may
    see) and ``latest_received_at`` (the same without the SPANC's own
    uploads: what it sent itself is never news to it) to ``installations``,
    the user's SPANC's (``access.installations_for_spanc``)."""
    return document_stats(access.spanc_for(user), installations)


def document_stats(spanc, installations):
    """``with_document_stats`` from the SPANC and its installations
    (``access.installations_of_spanc(spanc)``, filtered as the caller wants)."""
    documents = _outer_documents(spanc)
    # COUNT as a plain function, not an aggregate: one row (0 when none), no GROUP BY per folder.
    count = documents.values(n=Func(Value(1), function="COUNT"))
    received = documents.exclude(uploaded_by_spanc=spanc) if spanc is not None else documents
    return installations.annotate(
        document_count=Coalesce(Subquery(count, output_field=IntegerField()), Value(0)),
        latest_document_at=_latest(documents),
        latest_received_at=_latest(received),
    )


def _latest(documents):
    """The newest of ``documents`` (correlated by ``_outer_documents``)."""
    return Subquery(documents.order_by("-created_at").values("created_at")[:1], output_field=DateTimeField())


def search(installations, query):
    """Folders where every word of the query starts a word of the client's
    name, the town, the postcode or the reference, accents and case ignored
    ("pere rennes" finds Père in Rennes; "saintbrieuc" and "st brieuc" find
    Saint-Brieuc: records.names.folder_words). It scans one territory's rows
    only (the spanc index), never the clients."""
    return search_by_words(installations, query_words(clean_query(query)))


def search_by_words(installations, words):
    for word in words:
        installations = installations.filter(search_words__contains=" " + word)
    return installations


def spanc_folders(user, *, query="", sort=DEFAULT_SORT, overdue_months=None, stage=STAGE_ALL, proof=""):
    """Every folder of the search, annotated and ordered (export)."""
    folders = with_document_stats(user, access.installations_for_spanc(user).select_related("client"))
    folders = proofs.with_proof_status(proofs.by_proof(folders, proof))
    return by_stage(overdue(search(folders, query), overdue_months), stage).order_by(*ordering(sort))


def folder_keys(user, *, query="", sort=DEFAULT_SORT, overdue_months=None, stage=STAGE_ALL, proof=""):
    """The folders' keys in order, with only what ordering needs: the
    paginator counts and slices this cheap query."""
    cutoff = overdue_cutoff(overdue_months) if overdue_months else None
    return keys_of(
        access.installations_for_spanc(user),
        access.spanc_for(user),
        words=query_words(clean_query(query)),
        sort=sort,
        cutoff=cutoff,
        stage=stage,
        proof=proof,
        today=timezone.localdate(),
    )


def keys_of(installations, spanc, *, words, sort, cutoff, stage, proof, today):
    """``folder_keys`` from the SPANC's installations (``access.installations_of_spanc``) and the SPANC."""
    if clean_sort(sort).lstrip("-") == "latest":
        installations = installations.annotate(latest_document_at=_latest(_outer_documents(spanc)))
    installations = proofs.by_proof(installations, proof, today=today)
    return by_stage(overdue_since(search_by_words(installations, words), cutoff), stage).order_by(*ordering(sort))


# The numeric codes of Django's date formats (French SHORT_DATE_FORMAT: "d/m/Y"),
# as str.format fields: a fraction of dateformat.format's cost, 75 dates a page.
_NUMERIC_DATE_CODES = {"d": "{0.day:02d}", "j": "{0.day}", "m": "{0.month:02d}", "n": "{0.month}", "Y": "{0.year:04d}"}


def date_formatter(date_format):
    """A function giving ``dateformat.format(value, date_format)``: a plain
    ``str.format`` when the format has numeric codes only, else Django's."""
    if "\\" in date_format or any(ch.isalpha() and ch not in _NUMERIC_DATE_CODES for ch in date_format):
        return lambda value: dateformat.format(value, date_format)
    return "".join(_NUMERIC_DATE_CODES.get(ch, ch.replace("{", "{{").replace("}", "}}")) for ch in date_format).format


# The codes whose text is a slice of the ISO date ("2026-03-07"): day, month, year, zero-padded.
_ISO_DATE_CODES = {"d": "{0}", "m": "{1}", "Y": "{2}"}


def iso_date_text(date_format):
    """A function giving ``date_formatter(date_format)``'s text of a date (or a
    local datetime) from its ISO text, when the format has the d, m and Y codes
    only (French "d/m/Y"): slices of a string the row writes anyway, not an
    attribute look-up and a number format per code; else None."""
    if "\\" in date_format or any(ch.isalpha() and ch not in _ISO_DATE_CODES for ch in date_format):
        return None
    template = "".join(_ISO_DATE_CODES.get(ch, ch.replace("{", "{{").replace("}", "}}")) for ch in date_format)
    return lambda iso: template.format(iso[8:10], iso[5:7], iso[:4])


def folder_rows(folders, previous_visit_at, url_of):
    """What each line of the folder list shows, as plain dicts of text.

    Formatted here once per value rather than by template filters: a page is
    25 rows of ten cells, and a dict is the template engine's fastest look-up
    (the row's ``folder`` stays there for a host's own template)."""
    date_format = get_format("SHORT_DATE_FORMAT")
    text_of, text_of_iso = date_formatter(date_format), iso_date_text(date_format)
    stages = {value: str(label) for value, label in Stage.choices}  # translated once, not per row
    proof_texts = {status: str(label) for status, label in PROOF_LABELS.items()}
    today = timezone.localdate()
    zone = timezone.get_current_timezone()  # what the |date filter shows, looked up once

    def day(value):
        if not value:
            return None
        if isinstance(value, datetime.datetime):
            value = value.astimezone(zone)
            # No microseconds: HTML's <time datetime> takes at most three digits of a second.
            iso = value.isoformat(timespec="seconds")
        else:
            iso = value.isoformat()
        return {"iso": iso, "text": text_of_iso(iso) if text_of_iso else text_of(value)}

    # Per row, no more than the row needs (25 rows a page, the part of the
    # page that grows with it): the client from the instance's cache when
    # loaded with it, a label's capacity found once per page, no proof or
    # "new" look-up for a folder without a request or a visit to compare.
    client_cache = Installation.client.field.cache_name
    capacities = {}
    rows = []
    for folder in folders:
        client = folder._state.fields_cache.get(client_cache) or folder.client
        status = getattr(folder, "proof_status", None)
        if status:
            status = proofs.display_status(status, getattr(folder, "proof_due_on", None), today)
        label = folder.label
        capacity = capacities.get(label)
        if capacity is None:
            capacity = capacities[label] = capacity_of(label) or "—"
        stage = folder.stage
        rows.append(
            {
                "folder": folder,
                "url": url_of(folder),
                "new": bool(previous_visit_at) and is_new(folder, previous_visit_at),
                "name": f"{client.last_name} {client.first_name}",
                "town": f"{folder.city} ({folder.postcode})" if folder.postcode else folder.city,
                "address": folder.address_line1 or "—",
                "reference": folder.reference,
                "capacity": capacity,
                "installed": None if stage in NOT_BUILT else day(folder.installed_on),
                "stage": stages.get(stage, stage),
                "maintenance": day(folder.last_maintenance_on),
                "documents": folder.document_count,
                "latest": day(folder.latest_document_at),
                "proof": {"status": status, "text": proof_texts[status]} if status else None,
            }
        )
    return rows


def _proof_cell(folder, today):
    """{"status", "text"} of the folder's latest proof request, or None (never asked)."""
    status = proofs.display_status(getattr(folder, "proof_status", None), getattr(folder, "proof_due_on", None), today)
    return {"status": status, "text": str(PROOF_LABELS[status])} if status else None


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


# Dates as French readers write them, whatever the spreadsheet's locale.
FRENCH_DATETIME = "dd/mm/yyyy hh:mm"
FRENCH_DATE = "dd/mm/yyyy"


# The SPANC's folder export: the screen's columns (spreadsheets.SpreadsheetWriter).
FOLDER_EXPORT_FIELDS = [
    "export_client",
    "address_line1",
    "postcode",
    "city",
    "reference",
    "export_capacity",
    "export_stage",
    "export_installed",
    "last_maintenance_on",
    "document_count",
    "latest_document_at",
    "new_label",
    "export_proof",
]
FOLDER_EXPORT_HEADINGS = {
    "export_client": gettext_lazy("Client"),
    "address_line1": gettext_lazy("Address"),
    "postcode": gettext_lazy("Postcode"),
    "city": gettext_lazy("Town"),
    "reference": gettext_lazy("Installation reference"),
    "export_capacity": gettext_lazy("Capacity"),
    "export_stage": gettext_lazy("Stage"),
    "export_installed": gettext_lazy("Installed on"),
    "last_maintenance_on": gettext_lazy("Last maintenance"),
    "document_count": gettext_lazy("Documents"),
    "latest_document_at": gettext_lazy("Latest document"),
    "new_label": gettext_lazy("New since your previous visit"),
    "export_proof": gettext_lazy("Proof"),
}
MAX_FILENAME_FILTER = 80


def export_filename(today, filters):
    """dossiers-spanc[-the filter, slugified]-YYYY-MM-DD.xlsx: ASCII only,
    whatever was searched."""
    words = slugify(", ".join(str(part) for part in filters))[:MAX_FILENAME_FILTER].strip("-")
    return f"dossiers-spanc{'-' + words if words else ''}-{today:%Y-%m-%d}.xlsx"


def folders_workbook(folders, previous_visit_at, filters=()):
    """Write the folders into an XLSX file with the portal's one spreadsheet
    writer (text stays text, dates are date cells); the filter is said in
    the first row. Return the (rewound) file. A write-only workbook keeps
    memory flat; rows are read from the database in chunks."""
    stages = dict(Stage.choices)
    today = timezone.localdate()

    def rows():
        for folder in folders.iterator(chunk_size=1000):
            folder.new_label = _("New") if is_new(folder, previous_visit_at) else ""
            folder.export_client = f"{folder.client.last_name} {folder.client.first_name}"
            folder.export_capacity = capacity_of(folder.label)
            folder.export_stage = str(stages.get(folder.stage, folder.stage))
            # As on screen: a study's or a quote's date is a plan, not an installation.
            folder.export_installed = None if folder.stage in NOT_BUILT else folder.installed_on
            proof = _proof_cell(folder, today)
            folder.export_proof = proof["text"] if proof else ""
            yield folder

    title = (
        _("Filter: %(filter)s") % {"filter": ", ".join(str(part) for part in filters)}
        if filters
        else _("Filter: none (every folder of your territory)")
    )
    writer = SpreadsheetWriter(
        Installation,
        FOLDER_EXPORT_FIELDS,
        FOLDER_EXPORT_HEADINGS,
        sheet_title=_("Folders"),
        custom_field_preprocess={"latest_document_at": {SpreadsheetWriter.FORMAT_XLSX: _naive_local}},
        date_format=FRENCH_DATETIME,
        day_format=FRENCH_DATE,
        title_rows=[title],
        column_widths={"A": 26, "B": 28, "D": 20, "E": 18, "G": 16, "H": 12, "I": 12, "K": 16, "L": 14},
        table_header=True,
    )
    output = tempfile.SpooledTemporaryFile(max_size=5 * 1024 * 1024)
    writer.write_xlsx(rows(), output)
    output.seek(0)
    return output
