"""One page of the SPANC's folder list: its folders and the list's count in
one SQL query (compiled once per shape: pro_space_list_sql), and its table
rows written once in Python.

The count is an uncorrelated subquery of the page's query (the database
computes it once), so a page costs one query on a territory of 5 folders
as on one of 5,000. A page past the end (an old link) falls back to the
paginator's own count, then its last page, as ``Paginator.get_page``.

The rows are the table's only per-folder markup: 25 rows of twelve cells
through the template engine cost more than the rest of the page, the same
string written here costs a fraction of it. Every value is escaped; the
dicts of ``folder_rows`` stay in the context for a host's own template.

Neither those dicts nor the page's model instances are made unless read:
the list's own template reads only the rows' markup, written straight from
the query's tuples (``rows_html_of``), so a page of 25 folders costs little
more than a page of 5 (``FolderPage``, ``FolderRows``).
"""

import datetime
from collections.abc import Sequence
from html import escape  # Django's escape without its lazy-string wrapper: 300 calls a page
from operator import itemgetter
from pathlib import Path

from django.core.paginator import Page, Paginator
from django.core.signals import setting_changed
from django.db import connections, router
from django.db.models import Func, IntegerField, Subquery, Value, signals
from django.db.models.base import ModelState
from django.db.models.functions import Coalesce
from django.dispatch import receiver
from django.template.loader import get_template
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_noop, ngettext
from django.utils.translation import gettext as _

from .. import access
from ..enquiries import proofs
from ..enquiries.proof_models import DISPLAY_LABELS as PROOF_LABELS
from ..records import folder_counts
from ..records.models import Client, Installation, SpancFolderCount, Stage
from ..records.names import query_words
from . import pro_space_folders as folders_
from . import pro_space_list_sql as list_sql

# The page's columns: what the list shows of each folder and its client
# (the rest of them is deferred: read on access, as with QuerySet.only),
# then the annotations. Each value read costs on every row of every page.
_SHOWN = {
    Installation: {"id", "client_id", "spanc_id", "address_line1", "postcode", "city", "reference", "label"}
    | {"installed_on", "stage", "last_maintenance_on"},
    Client: {"id", "first_name", "last_name"},
}
FOLDER_FIELDS = [field.attname for field in Installation._meta.concrete_fields if field.attname in _SHOWN[Installation]]
CLIENT_FIELDS = [field.attname for field in Client._meta.concrete_fields if field.attname in _SHOWN[Client]]
ANNOTATIONS = [
    "document_count",
    "latest_document_at",
    "latest_received_at",
    "proof_status",
    "proof_due_on",
    "list_total",
]
COLUMNS = [*FOLDER_FIELDS, *(f"client__{name}" for name in CLIENT_FIELDS), *ANNOTATIONS]
_TOTAL = COLUMNS.index("list_total")
# What a row of the table reads of a tuple, in this order: one C call a row.
_CELLS = itemgetter(
    *map(
        COLUMNS.index,
        ["id", "client__last_name", "client__first_name", "city", "postcode", "address_line1", "reference", "label"]
        + ["installed_on", "stage", "last_maintenance_on", "document_count", "latest_document_at"]
        + ["latest_received_at", "proof_status", "proof_due_on"],
    )
)


def paginate(
    user, *, query="", sort=folders_.DEFAULT_SORT, overdue_months=None, stage=folders_.STAGE_ALL, proof="", number=None
):
    """(paginator, page): ``page.object_list`` is the page's annotated
    folders (document stats, proof status, the client), in order."""
    spanc = access.spanc_for(user)
    today = timezone.localdate()
    values = {
        "spanc": spanc,
        "words": query_words(folders_.clean_query(query)),
        "today": today,
        "cutoff": folders_.overdue_cutoff(overdue_months, today) if overdue_months else None,
    }
    filters = {"sort": sort, "stage": stage, "proof": proofs.clean_filter(proof)}
    try:
        wanted = int(number)
    except (TypeError, ValueError):
        wanted = 1  # as get_page: not a number, the first page
    if spanc is None:
        paginator = Paginator((), folders_.PER_PAGE)
        return paginator, Page(FolderPage(()), 1, paginator)
    if wanted >= 1:
        folders = page_folders(values, filters, wanted)
        if folders or wanted == 1:
            # The page's query counted the list: the paginator needs no keys, asks nothing more.
            paginator = Paginator((), folders_.PER_PAGE)
            paginator.count = folders.rows[0][_TOTAL] if folders else 0
            return paginator, Page(folders, wanted, paginator)
    paginator = Paginator(_keys(values, filters), folders_.PER_PAGE)
    page = paginator.get_page(number)  # past the end: count, then the last page
    folders = page_folders(values, filters, page.number) if paginator.count else FolderPage(())
    return paginator, Page(folders, page.number, paginator)


def _keys(values, filters):
    spanc = values["spanc"]
    return folders_.keys_of(
        access.installations_of_spanc(spanc),
        spanc,
        words=values["words"],
        sort=filters["sort"],
        cutoff=values["cutoff"],
        stage=filters["stage"],
        proof=filters["proof"],
        today=values["today"],
    )


def page_queryset(filters, number, *, spanc, words, today, cutoff, folder=None):
    """The page's folders as a values_list of COLUMNS, with the list's count
    in each row (an uncorrelated subquery: the database computes it once).
    ``folder`` is not read (pro_space_list_sql passes every marker)."""
    values = {"spanc": spanc, "words": words, "today": today, "cutoff": cutoff}
    keys = _keys(values, filters)
    offset = (number - 1) * folders_.PER_PAGE
    page_keys = keys.values("pk")[offset : offset + folders_.PER_PAGE]
    if _whole_territory(words, cutoff, filters) and folder_counts.kept_by(
        connections[router.db_for_read(Installation)]
    ):
        # The territory's count as the database keeps it (records.folder_counts):
        # one row read, where a count reads as many index entries as folders.
        count = SpancFolderCount.objects.filter(spanc=spanc).values("folders")
    else:
        # COUNT as a plain function, not an aggregate: no GROUP BY, one row (a
        # tenth less work for the database on a territory of 5,000 folders).
        count = keys.order_by().values(n=Func(Value(1), function="COUNT"))
    installations = access.installations_of_spanc(spanc).filter(pk__in=page_keys)
    folders = folders_.document_stats(spanc, installations)
    folders = proofs.with_proof_status(folders).annotate(
        list_total=Coalesce(Subquery(count, output_field=IntegerField()), Value(0))
    )
    return folders.order_by(*folders_.ordering(filters["sort"])).values_list(*COLUMNS)


def _whole_territory(words, cutoff, filters):
    """Whether the list shows every folder of the territory (no search, no filter)."""
    return (
        not words
        and cutoff is None
        and folders_.every_stage(filters["stage"])
        and not proofs.clean_filter(filters["proof"])
    )


def page_folders(values, filters, number):
    """The page's folders (a ``FolderPage``), annotated, their clients
    attached; the SQL compiled once per shape (pro_space_list_sql)."""
    shape = (
        filters["sort"],
        len(values["words"]),
        values["cutoff"] is not None,
        filters["stage"],
        filters["proof"],
        number,
    )

    def build(**markers):
        return page_queryset(filters, number, **markers)

    return FolderPage(list_sql.rows(build, shape, **values))


class FolderPage(Sequence):
    """The page's folders as ``to_folders`` makes them, made on first access
    (a host's template or code reading ``page_obj``); the query's tuples are
    ``rows``. Its length and truth need no instance."""

    def __init__(self, rows):
        self.rows = rows
        self._folders = None

    def __len__(self):
        return len(self.rows)

    def _made(self):
        if self._folders is None:
            self._folders = to_folders(self.rows)
        return self._folders

    def __getitem__(self, index):
        return self._made()[index]

    def __iter__(self):
        return iter(self._made())


class FolderRows(Sequence):
    """``folder_rows``' dicts of a ``FolderPage``, made on first access (a
    host's template reading ``rows``): the list's own template asks only
    whether there are any, and writes ``rows_html``."""

    def __init__(self, folders, previous_visit_at, url_of):
        self._folders, self._previous, self._url_of = folders, previous_visit_at, url_of
        self._rows = None

    def __len__(self):
        return len(self._folders)

    def _made(self):
        if self._rows is None:
            url_of = self._url_of
            self._rows = folders_.folder_rows(self._folders, self._previous, lambda folder: url_of(folder.pk))
        return self._rows

    def __getitem__(self, index):
        return self._made()[index]

    def __iter__(self):
        return iter(self._made())


def to_folders(rows):
    """Installations (with ``client`` and the annotations) from COLUMNS' rows.

    The same instances as ``Model.from_db`` with deferred fields (the rest
    is read on access), built without ``Model.__init__``'s per-field walk:
    50 instances a page. ``from_db`` is kept when a pre/post_init receiver
    listens to either model (it would expect ``__init__``)."""
    db = Installation.objects.db
    n_folder, n_client = len(FOLDER_FIELDS), len(CLIENT_FIELDS)
    new_folder, new_client = _maker(Installation, FOLDER_FIELDS, db), _maker(Client, CLIENT_FIELDS, db)
    cache_name = Installation.client.field.cache_name
    folders = []
    for row in rows:
        folder = new_folder(row[:n_folder])
        folder._state.fields_cache[cache_name] = new_client(row[n_folder : n_folder + n_client])
        folder.__dict__.update(zip(ANNOTATIONS, row[n_folder + n_client :], strict=True))
        folders.append(folder)
    return folders


def _maker(model, attnames, db):
    """values -> an instance of ``model`` loaded from ``db`` with ``attnames`` only."""
    if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
        return lambda values: model.from_db(db, attnames, values)
    new = model.__new__

    def make(values):
        instance = new(model)
        instance.__dict__.update(zip(attnames, values, strict=True))
        state = instance._state = ModelState()  # as from_db: saved, in ``db``
        state.adding, state.db = False, db
        return instance

    return make


def _time(value):
    if not value:
        return "—"
    return f'<time datetime="{value["iso"]}">{escape(value["text"])}</time>'


_COLUMNS = (
    ("client", gettext_noop("Client")),
    ("town", gettext_noop("Town")),
    ("address", gettext_noop("Address")),
    ("reference", gettext_noop("Installation reference")),
    ("capacity", gettext_noop("Capacity")),
    ("installed", gettext_noop("Installed on")),
    ("stage", gettext_noop("Stage")),
    ("maintenance", gettext_noop("Last maintenance")),
    ("documents", gettext_noop("Documents")),
    ("latest", gettext_noop("Latest document")),
    ("proof", gettext_noop("Proof")),
    ("choose", gettext_noop("Choose")),
)
# language -> the rows' fixed texts, translated and escaped once per process
# (a catalogue does not change while it runs): 40 gettext calls a page less.
_texts_by_language: dict = {}


def _texts():
    language = get_language()
    texts = _texts_by_language.get(language)
    if texts is None:
        labels = {key: escape(_(text)) for key, text in _COLUMNS}
        # Each cell's opening markup, the row's first a <th> with its link's start.
        cells = [f'<td data-label="{labels[key]}">' for key, _text in _COLUMNS]
        cells[0] = f'<tr><th scope="row" data-label="{labels["client"]}"><a href="'
        new = escape(_("New"))  # out of the f-string: makemessages does not read inside one
        texts = (cells, f' <span class="aqp-badge">{new}</span>', _("Choose %(name)s (%(ref)s)"))
        if len(_texts_by_language) < 50:  # the site's languages: a handful
            _texts_by_language[language] = texts
    return texts


_labels_by_language: dict = {}


def _labels():
    """(stage -> label, proof status -> its badge), escaped, once per language as ``_texts``."""
    language = get_language()
    labels = _labels_by_language.get(language)
    if labels is None:
        stages = {value: escape(str(label)) for value, label in Stage.choices}
        badges = {
            status: f'<span class="aqp-proof aqp-proof--{escape(status)}">{escape(str(label))}</span>'
            for status, label in PROOF_LABELS.items()
        }
        labels = (stages, badges)
        if len(_labels_by_language) < 50:
            _labels_by_language[language] = labels
    return labels


def rows_html(rows):
    """The table's body rows (``folder_rows``' dicts) as one safe string, the
    markup folder_list.html wrote for them."""
    cells, new, choose_text = _texts()
    client, town, address, reference_, capacity, installed, stage, maint, documents, latest, proof_, choose_ = cells
    out = []
    for row in rows:
        pk = row["folder"].pk
        proof = row["proof"]
        name, reference = escape(row["name"]), escape(row["reference"])
        # As {% blocktranslate %}: the values escaped, the sentence as translated.
        choose = choose_text % {"name": name, "ref": reference}
        out.append(
            f'{client}{escape(row["url"])}">{name}</a>{new if row["new"] else ""}</th>'
            f"{town}{escape(row['town'])}</td>"
            f"{address}{escape(row['address'])}</td>"
            f"{reference_}{reference}</td>"
            f"{capacity}{escape(row['capacity'])}</td>"
            f"{installed}{_time(row['installed'])}</td>"
            f"{stage}{escape(row['stage'])}</td>"
            f"{maint}{_time(row['maintenance'])}</td>"
            f"{documents}{row['documents']}</td>"
            f"{latest}{_time(row['latest'])}</td>"
            f"{proof_}"
            + (
                f'<span class="aqp-proof aqp-proof--{escape(proof["status"])}">{escape(proof["text"])}</span>'
                if proof
                else "—"
            )
            + "</td>"
            f'{choose_}<input type="checkbox" name="folder" value="{pk}" '
            f'id="aqp-folder-{pk}" aria-label="{choose}"></td>'
            "</tr>\n"
        )
    return mark_safe("".join(out))  # noqa: S308  every value above is escaped


def rows_html_of(folders, previous_visit_at, url_of):
    """``rows_html(folder_rows(folders, ...))`` of a ``FolderPage``, written
    straight from its tuples in one pass: no instance, no dict per row.
    ``url_of`` gives a folder's URL from its pk."""
    cells, new, choose_text = _texts()
    client, town_, address_, reference_, capacity_, installed_, stage_, maint, documents, latest_, proof_, choose_ = (
        cells
    )
    rows = [_CELLS(row) for row in folders.rows]
    # Every text of the database escaped in one call (they cannot hold a NUL,
    # the separator; when one does, as SQLite allows, each is escaped alone).
    texts = []
    for pk, last, first, city, postcode, address, reference, *_rest in rows:
        town = f"{city} ({postcode})" if postcode else city
        texts += (url_of(pk), f"{last} {first}", town, address or "—", reference)
    joined = "\0".join(texts)
    if joined.count("\0") == len(texts) - 1:
        escaped = escape(joined).split("\0") if texts else []
    else:
        escaped = [escape(text) for text in texts]
    date_html = _date_html()
    today = timezone.localdate()
    stages, proofs_html = _labels()
    capacities = {}
    out = []
    for number, row in enumerate(rows):
        pk, _last, _first, _city, _postcode, _address, _reference, label, installed, stage, maintenance = row[:11]
        count, latest, received, status, due_on = row[11:]
        url, name, town, address, reference = escaped[5 * number : 5 * number + 5]
        capacity = capacities.get(label)
        if capacity is None:
            capacity = capacities[label] = escape(folders_.capacity_of(label) or "—")
        if status:
            status = proofs.display_status(status, due_on, today)
        is_new = previous_visit_at and received and received > previous_visit_at
        # As {% blocktranslate %}: the values escaped, the sentence as translated.
        choose = choose_text % {"name": name, "ref": reference}
        out.append(
            f'{client}{url}">{name}</a>{new if is_new else ""}</th>'
            f"{town_}{town}</td>"
            f"{address_}{address}</td>"
            f"{reference_}{reference}</td>"
            f"{capacity_}{capacity}</td>"
            f"{installed_}{'—' if stage in folders_.NOT_BUILT else date_html(installed)}</td>"
            f"{stage_}{stages[stage] if stage in stages else escape(str(stage))}</td>"
            f"{maint}{date_html(maintenance)}</td>"
            f"{documents}{count}</td>"
            f"{latest_}{date_html(latest)}</td>"
            f"{proof_}{proofs_html[status] if status else '—'}</td>"
            f'{choose_}<input type="checkbox" name="folder" value="{pk}" '
            f'id="aqp-folder-{pk}" aria-label="{choose}"></td>'
            "</tr>\n"
        )
    return mark_safe("".join(out))  # noqa: S308  every value above is escaped


def _date_html():
    """A date's or an aware datetime's cell markup, from its (iso, text) as
    ``folder_rows`` gives them ("—" when none)."""
    date_format = get_format("SHORT_DATE_FORMAT")
    text_of, text_of_iso = folders_.date_formatter(date_format), folders_.iso_date_text(date_format)
    zone = timezone.get_current_timezone()

    def iso_of(value):
        if isinstance(value, datetime.datetime):
            return value.astimezone(zone).isoformat(timespec="seconds")  # <time datetime>: at most 3 digits of a second
        return value.isoformat()

    if text_of_iso is not None and escape(date_format) == date_format:
        # The usual case (French "d/m/Y"): digits cut from the ISO text, nothing to escape; 75 dates a page.
        def date_html(value):
            if not value:
                return "—"
            iso = iso_of(value)
            return f'<time datetime="{iso}">{text_of_iso(iso)}</time>'

        return date_html

    def date_html(value):
        if not value:
            return "—"
        if isinstance(value, datetime.datetime):
            value = value.astimezone(zone)
        iso = iso_of(value)
        return f'<time datetime="{iso}">{escape(text_of_iso(iso) if text_of_iso else text_of(value))}</time>'

    return date_html


PAGINATION_TEMPLATE = "aquatiris_portal/_pagination.html"
_OWN_PAGINATION = Path(__file__).resolve().parent.parent / "templates" / PAGINATION_TEMPLATE
_pagination_is_own: list = []  # found once per process (a template is not overridden while it runs)


@receiver(setting_changed)
def _forget_pagination(**kwargs):
    _pagination_is_own.clear()


def list_pagination_html(get, page_obj):
    """``pagination_html`` of the list, or None when a host overrides
    _pagination.html (documented as overridable): its template then renders."""
    if not _pagination_is_own:
        origin = get_template(PAGINATION_TEMPLATE).origin.name
        _pagination_is_own.append(Path(origin).resolve() == _OWN_PAGINATION)
    return pagination_html(get, page_obj) if _pagination_is_own[0] else None


def pagination_html(get, page_obj, label=None):
    """What ``{% include "aquatiris_portal/_pagination.html" with label=label %}``
    writes for the list's page (its links ``{% querystring page=N %}`` of
    ``get``, the request's query), written here: its four querystring tags
    cost more than the list's rows. The label: the list's own by default."""
    if not page_obj.has_other_pages():
        return "\n"  # the include's last line
    params = get.copy()

    def item(number, text, rel=""):
        params["page"] = number
        return f'<li><a href="?{escape(params.urlencode())}"{rel}>{escape(text)}</a></li>'

    # The texts out of the f-strings: makemessages does not read inside one.
    number, pages = page_obj.number, page_obj.paginator.num_pages
    label = _("Pages of the folder list") if label is None else label or _("Pages")
    out = [f'\n<nav class="aqp-pagination" aria-label="{escape(label)}">\n  <ul>\n    ']
    if page_obj.has_previous():
        first = item(1, _("First page")) if number > 2 else ""
        previous = item(number - 1, _("Previous page"), ' rel="prev"')
        out.append(f"\n    {first}\n    {previous}\n    ")
    # As {% blocktranslate %}: the values escaped (numbers), the sentence as translated.
    current = _("Page %(number)s of %(pages)s") % {"number": number, "pages": pages}
    out.append(f'\n    <li><span aria-current="page">{current}</span></li>\n    ')
    if page_obj.has_next():
        following = item(number + 1, _("Next page"), ' rel="next"')
        last = item(pages, _("Last page")) if pages > number + 1 else ""
        out.append(f"\n    {following}\n    {last}\n    ")
    out.append("\n  </ul>\n</nav>\n\n")
    return mark_safe("".join(out))  # noqa: S308  every value above is escaped


def _options(choices, current):
    return "".join(
        f'<option value="{escape(str(value))}"{" selected" if value == current else ""}>{escape(str(label))}</option>'
        for value, label in choices
    )


def filter_options(*, overdue_choices, overdue_months, stage_choices, stage, proof_choices, proof):
    """The filter form's <option>s (maintenance, stage, proof), the current
    one selected, written once here rather than by three template loops."""
    overdue = [
        (
            months,
            ngettext(
                "No maintenance for more than %(counter)s month",
                "No maintenance for more than %(counter)s months",
                months,
            )
            % {"counter": months},
        )
        for months in overdue_choices
    ]
    return {
        "overdue": mark_safe(_options(overdue, overdue_months)),  # noqa: S308  escaped in _options
        "stage": mark_safe(_options(stage_choices, stage)),  # noqa: S308
        "proof": mark_safe(_options(proof_choices, proof)),  # noqa: S308
    }
