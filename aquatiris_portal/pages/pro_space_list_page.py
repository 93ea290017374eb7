"""One page of the SPANC's folder list: its folders and the list's count in
one SQL query, and its table rows written once in Python.

The count is an uncorrelated subquery of the page's query (the database
computes it once), so a page costs one query on a territory of 5 folders
as on one of 5,000. A page past the end (an old link) falls back to the
paginator's own count, then its last page, as ``Paginator.get_page``.

The rows are the table's only per-folder markup: 25 rows of twelve cells
through the template engine cost more than the rest of the page, the same
string written here costs a fraction of it. Every value is escaped; the
dicts of ``folder_rows`` stay in the context for a host's own template.
"""

from django.core.paginator import Page, Paginator
from django.db.models import Count, IntegerField, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .. import access
from ..enquiries import proofs
from . import pro_space_folders as folders_


def paginate(user, keys, sort, number):
    """(paginator, page): ``page.object_list`` is the page's annotated
    folders (``folders_.with_document_stats``, proof status), in order."""
    paginator = Paginator(keys, folders_.PER_PAGE)
    try:
        wanted = int(number)
    except (TypeError, ValueError):
        wanted = 1  # as get_page: not a number, the first page
    if wanted >= 1:
        folders = _annotated_page(user, keys, sort, wanted)
        if folders or wanted == 1:
            # The page's query counted the list: the paginator asks nothing more.
            paginator.count = folders[0].list_total if folders else 0
            return paginator, Page(folders, wanted, paginator)
    page = paginator.get_page(number)  # past the end: count, then the last page
    folders = _annotated_page(user, keys, sort, page.number) if paginator.count else []
    return paginator, Page(folders, page.number, paginator)


def _annotated_page(user, keys, sort, number):
    offset = (number - 1) * folders_.PER_PAGE
    page_keys = keys.values("pk")[offset : offset + folders_.PER_PAGE]
    # Every key is on the user's one territory: grouped by it, one row, the count.
    count = keys.order_by().values("spanc").annotate(n=Count("*")).values("n")
    folders = access.installations_for_spanc(user).filter(pk__in=page_keys)
    folders = proofs.with_proof_status(folders_.with_document_stats(user, folders)).annotate(
        list_total=Coalesce(Subquery(count, output_field=IntegerField()), Value(0))
    )
    return list(folders.select_related("client").order_by(*folders_.ordering(sort)))


def _time(value):
    if not value:
        return "—"
    return f'<time datetime="{value["iso"]}">{escape(value["text"])}</time>'


def rows_html(rows):
    """The table's body rows (``folder_rows``' dicts) as one safe string, the
    markup folder_list.html wrote for them."""
    labels = {
        key: escape(text)
        for key, text in (
            ("client", _("Client")),
            ("town", _("Town")),
            ("address", _("Address")),
            ("reference", _("Installation reference")),
            ("capacity", _("Capacity")),
            ("installed", _("Installed on")),
            ("stage", _("Stage")),
            ("maintenance", _("Last maintenance")),
            ("documents", _("Documents")),
            ("latest", _("Latest document")),
            ("proof", _("Proof")),
            ("choose", _("Choose")),
        )
    }
    new = f'<span class="aqp-badge">{escape(_("New"))}</span>'
    out = []
    for row in rows:
        pk = row["folder"].pk
        proof = row["proof"]
        # As {% blocktranslate %}: the values escaped, the sentence as translated.
        choose = _("Choose %(name)s (%(ref)s)") % {"name": escape(row["name"]), "ref": escape(row["reference"])}
        out.append(
            "<tr>"
            f'<th scope="row" data-label="{labels["client"]}"><a href="{escape(row["url"])}">{escape(row["name"])}</a>'
            f"{' ' + new if row['new'] else ''}</th>"
            f'<td data-label="{labels["town"]}">{escape(row["town"])}</td>'
            f'<td data-label="{labels["address"]}">{escape(row["address"])}</td>'
            f'<td data-label="{labels["reference"]}">{escape(row["reference"])}</td>'
            f'<td data-label="{labels["capacity"]}">{escape(row["capacity"])}</td>'
            f'<td data-label="{labels["installed"]}">{_time(row["installed"])}</td>'
            f'<td data-label="{labels["stage"]}">{escape(row["stage"])}</td>'
            f'<td data-label="{labels["maintenance"]}">{_time(row["maintenance"])}</td>'
            f'<td data-label="{labels["documents"]}">{row["documents"]}</td>'
            f'<td data-label="{labels["latest"]}">{_time(row["latest"])}</td>'
            f'<td data-label="{labels["proof"]}">'
            + (
                f'<span class="aqp-proof aqp-proof--{escape(proof["status"])}">{escape(proof["text"])}</span>'
                if proof
                else "—"
            )
            + "</td>"
            f'<td data-label="{labels["choose"]}"><input type="checkbox" name="folder" value="{pk}" '
            f'id="aqp-folder-{pk}" aria-label="{choose}"></td>'
            "</tr>\n"
        )
    return mark_safe("".join(out))  # noqa: S308  every value above is escaped
