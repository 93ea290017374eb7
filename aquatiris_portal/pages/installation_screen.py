"""The client space's installation and documents screens (routed by
client_space.py). Their data is read as plain rows (installation_queries.py),
and what repeats (the header and switcher, the progress steps, the visits
done, the themes, the documents) is written here in Python, every value
escaped (``format_html``; ``e`` in the documents' and visits' rows, the
hottest), rather than through a dozen template nodes per row: each node
costs as much as a row written here. The documents and warranty
templates keep their page's structure and its one-off texts; the
installation screen's body is written in Python too (installation_body.py).

Texts of the package's own catalogue are marked safe as Django's
``{% translate %}`` marks them; everything from the database is escaped."""

import functools
from itertools import groupby

from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.template.defaultfilters import filesizeformat, linebreaksbr
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext
from wagtail.models import Site

from .. import access
from ..enquiries import archives
from ..enquiries.archive_models import PersonalArchive
from ..records.control_results import ControlResult
from ..records.plain_text import capacity_text, portal_date
from ..records.visits import VisitKind
from ..snippets.stages import progress_for, stage_texts
from . import client_visits, dashboard_cards, installation_queries
from .dashboard_cards import e

# The documents screen's columns (installation_queries.DOCUMENT_FIELDS).
DOCUMENT_FIELDS = installation_queries.DOCUMENT_FIELDS
PK, TITLE, CONTENT_TYPE, SIZE, ISSUED_ON, CONTROL_RESULT, DOCUMENT_TYPE, CREATED_AT, THEME_ID, THEME_NAME = range(10)


def text(translated):
    """A translation of the package's catalogue, safe as ``{% translate %}``
    gives it (call sites spell ``gettext("...")``: makemessages finds them)."""
    return mark_safe(translated)  # noqa: S308  the package's own catalogue, not what people type


def counted(translated, count):
    """``{% blocktranslate count counter=... %}`` in Python, from ``ngettext(...)``."""
    return mark_safe(translated % {"counter": count})  # noqa: S308  catalogue + an int


class Routes:
    """The space's route URLs for one request: the page's own URL is read
    once (``{% routablepageurl %}`` reads it for each link), each route's
    path once per process (``subpage_path``)."""

    def __init__(self, page, request):
        self.page = page
        base = page.relative_url(Site.find_for_request(request), request)
        self.base = base if base.endswith("/") else base + "/"

    def __call__(self, name, *args):
        if len(args) == 1 and type(args[0]) is int and args[0] >= 0:  # what <int:pk> matches; else reverse says
            before, after = subpage_path(type(self.page), name)
            return f"{self.base}{before}{args[0]}{after}"
        return self.base + self.page.reverse_subpage(name, args=args)

    route = __call__  # as dashboard_cards.Links, for its writers


# A pk no record has: its place in a reversed route is where each row's pk goes.
_MARKER = 2_147_483_647


@functools.lru_cache(maxsize=64)
def subpage_path(page_class, name):
    """(before, after) the pk in the path of ``name``, a route of
    ``page_class`` taking one pk: the routes are the class's (its
    ``@path`` decorators), the same for every page and request."""
    before, after = page_class.get_resolver().reverse(name, _MARKER).rsplit(str(_MARKER), 1)
    return before, after


def object_url(name):
    """``pk -> reverse(name, args=[pk])`` with one ``reverse`` per process,
    script prefix and URLconf (``_object_url``), not one per row."""
    before, after = _object_url(name, get_script_prefix(), get_urlconf())
    return lambda pk: f"{before}{int(pk)}{after}"


@functools.lru_cache(maxsize=64)
def _object_url(name, prefix, urlconf):
    return tuple(reverse(name, urlconf, args=[_MARKER]).rsplit(str(_MARKER), 1))


# --- the header shared by the installation, documents and warranty screens --


def header(page, request, installations, installation, route, routes=None):
    """What _installation_header.html shows: the tabs' links and the
    switcher's items (each installation on the same tab)."""
    routes = routes or Routes(page, request)
    pk = installation.pk
    switcher = ""
    if len(installations) > 1:
        current = text(gettext("Current installation:"))
        switcher = format_html_join(
            "\n      ",
            "{}",
            (
                (
                    format_html(
                        '<li><a href="{}" aria-current="true" class="aqp-switcher__current">'
                        '<span class="aqp-visually-hidden">{} </span>{} '
                        '<span class="aqp-switcher__ref">{}</span> ✓</a></li>',
                        routes(route, other.pk),
                        current,
                        other.display_name,
                        other.reference,
                    )
                    if other.pk == pk
                    else format_html(
                        '<li><a href="{}">{} <span class="aqp-switcher__ref">{}</span></a></li>',
                        routes(route, other.pk),
                        other.display_name,
                        other.reference,
                    ),
                )
                for other in installations
            ),
        )
    return {
        "overview": routes("installation", pk),
        "documents": routes("documents", pk),
        "warranty": routes("warranty", pk),
        "contact": f"{routes('contact')}?installation={pk}",
        "maintenance_contract": f"{routes('maintenance_contract')}?installation={pk}",
        "switcher": switcher,
        "routes": routes,
    }


def header_html(installation, heading, route, links):
    """The installation's header: its name, the switcher, the tabs (``route``: the current tab's)."""
    current = mark_safe(' aria-current="page"')  # noqa: S308  a constant
    switcher = ""
    if links["switcher"]:
        switcher = format_html(
            '\n  <details class="aqp-switcher">\n'
            '  <summary><span class="aqp-switcher__label">{}</span> {} <span class="aqp-switcher__ref">{}</span>'
            ' — <span class="aqp-switcher__change">{}</span></summary>\n'
            '  <nav aria-label="{}">\n    <ul>\n      {}\n    </ul>\n  </nav>\n  </details>',
            text(gettext("Your installations:")),
            installation.display_name,
            installation.reference,
            text(gettext("change")),
            text(gettext("Switch installation")),
            links["switcher"],
        )
    warranty = ""
    if installation.is_built:
        warranty = format_html(
            '<li><a href="{}"{}>{}</a></li>',
            links["warranty"],
            current if route == "warranty" else "",
            text(gettext("Warranty extension")),
        )
    return format_html(
        '<header class="aqp-installation-header">\n'
        '  <p class="aqp-eyebrow">{} {}</p>\n'
        "  <h1>{}</h1>\n"
        '  <p class="aqp-muted">{}{}</p>{}\n'
        '  <nav class="aqp-tabs" aria-label="{}">\n'
        "    <ul>\n"
        '      <li><a href="{}"{}>{}</a></li>\n'
        '      <li><a href="{}"{}>{}</a></li>\n'
        "      {}\n"
        '      <li><a href="{}">{}</a></li>\n'
        "    </ul>\n"
        "  </nav>\n"
        "</header>",
        text(gettext("Installation")),
        installation.reference,
        heading,
        format_html("{} — ", installation.display_name) if route != "installation" else "",
        capacity_text(installation.label) if installation.label else "",
        switcher,
        text(gettext("This installation")),
        links["overview"],
        current if route == "installation" else "",
        text(gettext("Overview")),
        links["documents"],
        current if route == "documents" else "",
        text(gettext("Documents")),
        warranty,
        links["contact"],
        text(gettext("Write to my franchisee")),
    )


# --- installation -------------------------------------------------------------


def installation_context(page, request, context, installation, since):
    """The installation screen's context (``since``: documents added after it are new; None, all of them)."""
    user = request.user
    client = access.client_for(user)
    links = header(page, request, context["installations"], installation, "installation")
    themes = [
        {"theme__name": name, "theme__sort_order": order, "total": total, "new": new}
        for name, order, total, new in installation_queries.themes(client, installation, since)
    ]
    progress = progress_for(installation.stage, stage_texts())
    next_visit, maintenance_log = visits_of(user, client, installation)
    reminders = client_visits.reminder_notice(user, next_visit) if next_visit else None
    texts = dashboard_cards.texts_now()
    return {
        "installation": installation,
        "installation_links": links,
        "themes": themes,
        "themes_html": themes_html(themes, links["documents"]),
        "progress": progress,
        "progress_html": progress_html(progress),
        "next_visit": next_visit,
        "maintenance_log": maintenance_log,
        "maintenance_log_html": log_html(maintenance_log),
        "maintenance_due": client_visits.maintenance_due(installation),
        "visit_reminders": reminders,
        "next_visit_html": mark_safe(dashboard_cards.next_visit_html(next_visit, reminders, links["routes"], texts)),  # noqa: S308  escaped there
        "franchisee_html": mark_safe(dashboard_cards.franchisee_html(installation.franchisee, texts)),  # noqa: S308  escaped there
    }


def visits_of(user, client, installation, today=None):
    """(next visit or None, maintenance log) as ``client_visits.installation_visits`` gives them."""
    visits = installation_queries.visits(user, client, installation, today or timezone.localdate())
    upcoming = [visit for visit in visits if visit.done_on is None]
    log = [visit for visit in visits if visit.done_on is not None]
    return (min(upcoming, key=lambda visit: (visit.planned_for, visit.pk)) if upcoming else None), log


def dossier_html(request, installation, csrf_token):
    """The installation dossier's card (its template was _dossier.html). The
    person's last archive is read only when they asked for one
    (``has_dossier``, installation_queries.space_installations).
    ``csrf_token``: the template context's (the one the page's other forms
    carry: a second masked token would cost as much again)."""
    archive = None
    if getattr(installation, "has_dossier", None) is not False:  # not annotated: read, as the template did
        archive = archives.latest(request.user, PersonalArchive.Kind.DOSSIER, installation)
    status = ""
    if archive is not None and (said := archives.status_text(archive)):
        link = ""
        if archive.is_ready:
            download = text(gettext("Download the dossier"))  # makemessages does not read inside an f-string
            link = f' <a href="{e(archives.download_path(archive))}">{download}</a>'
        status = f'\n  <p class="aqp-alert" role="status" id="dossier-status">{e(said)}{link}</p>'
    form = ""
    if archive is None or not archive.is_pending:
        prepare = text(gettext("Prepare the installation dossier"))
        form = (
            f'\n  <form method="post" action="{e(object_url("aquatiris_portal:dossier_start")(installation.pk))}">\n'
            f"    {csrf_input(csrf_token)}"
            f'<input type="hidden" name="next" value="{e(request.get_full_path())}">\n'
            '    <button type="submit" class="aqp-button aqp-button--secondary">'
            f"{prepare}</button>\n"
            "  </form>"
        )
    every_document = text(
        gettext(
            "Every document of this installation you can see here, with a summary (installation, serial number, "
            "warranty, maintenance, SPANC controls, requests), in one ZIP file. We prepare it in the background "
            "and send you the link by email."
        )
    )
    heading, selling = text(gettext("Installation dossier")), text(gettext("I am selling my house"))
    return mark_safe(  # noqa: S308  every value escaped by e()
        '<section class="aqp-card aqp-dossier" aria-labelledby="dossier-heading">\n'
        f'  <h2 id="dossier-heading">{heading}</h2>\n'
        f"  <p>{every_document}</p>{status}{form}\n"
        f'  <p><a href="{e(object_url("aquatiris_portal:handover")(installation.pk))}">'
        f"{selling}</a></p>\n"
        "</section>"
    )


def csrf_input(token):
    """What ``{% csrf_token %}`` writes for the context's ``csrf_token``."""
    if not token or token == "NOTPROVIDED":  # noqa: S105  the context processor's "no token"
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{e(token)}">'


def progress_html(steps):
    """The project's stages, done, current and to come."""
    statuses = {
        "done": text(gettext("Done")),
        "current": text(gettext("Current stage")),
        "to come": text(gettext("To come")),
    }
    classes = {"done": " aqp-step--done", "current": " aqp-step--current", "to come": ""}
    rows = []
    for step in steps:
        state = "done" if step["done"] else "current" if step["current"] else "to come"
        here = ' aria-current="step"' if state == "current" else ""
        rows.append(
            f'<li class="aqp-step{classes[state]}"{here}>\n'
            f'      <span class="aqp-step__marker" aria-hidden="true">{"✓" if state == "done" else e(step["number"])}'
            "</span>\n"
            '      <span class="aqp-step__body">\n'
            f'        <span class="aqp-step__name">{e(step["name"])}</span>\n'
            f'        <span class="aqp-step__status">{statuses[state]}</span>\n'
            f'        <span class="aqp-step__description">{e(step["description"])}</span>\n'
            "      </span>\n"
            "    </li>"
        )
    return mark_safe("\n    ".join(rows))  # noqa: S308  every value escaped by e()


def log_html(visits):
    """The maintenance log's items: the visits done, newest first, each with its report when the client may read it."""
    if not visits:
        return ""
    kinds = dict(VisitKind.choices)
    download = object_url("aquatiris_portal:document_download")
    report = text(gettext("Visit report"))
    rows = []
    for visit in visits:
        done_on = e(portal_date(visit.done_on))
        technician = f" ({e(visit.technician)})" if visit.technician else ""
        summary = f"<p>{linebreaksbr(visit.summary, autoescape=True)}</p>" if visit.summary else ""
        link = ""
        if visit.report:
            link = (
                f'<p><a href="{e(download(visit.report.pk))}">{report}'
                f'<span class="aqp-visually-hidden"> {done_on}</span></a></p>'
            )
        kind = e(kinds.get(visit.kind, visit.kind))
        rows.append(f"<li><strong>{done_on}</strong> — {kind}{technician}\n      {summary}\n      {link}\n    </li>")
    return mark_safe("\n    ".join(rows))  # noqa: S308  every value escaped by e()


def themes_html(themes, documents_url):
    """The documents' summary by theme (rows of theme__name, total, new)."""
    other, url = text(gettext("Other documents")), e(documents_url)
    rows = []
    for theme in themes:
        total, new = theme["total"], theme["new"]
        count = counted(ngettext("%(counter)s document", "%(counter)s documents", total), total)
        badge = ""
        if new:
            fresh = counted(
                ngettext("%(counter)s new", "%(counter)s new", new), new
            )  # not in the f-string: makemessages
            badge = f' <span class="aqp-badge">{fresh}</span>'
        rows.append(f'<li><a href="{url}">{e(theme["theme__name"] or other)}</a>\n      — {count}{badge}</li>')
    return mark_safe("\n    ".join(rows))  # noqa: S308  every value escaped by e()


# --- documents ------------------------------------------------------------------


def documents_context(page, request, context, installation, since, per_page):
    """The documents screen's context: a page of ``per_page`` documents
    grouped by theme (``since``: documents added after it are new; None,
    all of them)."""
    client = access.client_for(request.user)
    page_obj = page_of_rows(client, installation, per_page, request.GET.get("page"))
    rows = documents_rows(since)
    groups = [
        {"name": items[0][THEME_NAME], "documents": items, "html": rows(items)}
        for items in (list(group) for _theme, group in groupby(page_obj, key=lambda row: row[THEME_ID]))
    ]
    routes = Routes(page, request)
    return {
        "installation": installation,
        "installation_links": header(page, request, context["installations"], installation, "documents", routes),
        "document_accesses_url": routes("document_accesses"),
        "groups": groups,
        "page_obj": page_obj,
    }


def page_of_rows(client, installation, per_page, number):
    """``Paginator.get_page`` of ``DOCUMENT_FIELDS`` rows in one query
    instead of two: each row carries the list's count (a window over the
    whole list, computed before the page is cut), so the paginator asks for
    no count. A page past the end (an old link) or not a page falls back to
    ``get_page``."""
    try:
        wanted = int(number) if number is not None else 1
    except (TypeError, ValueError):
        wanted = 1  # as get_page: not a number, the first page
    if wanted >= 1:
        rows = installation_queries.documents(client, installation, (wanted - 1) * per_page, per_page)
        if rows or wanted == 1:
            paginator = Paginator([], per_page)  # its count given: the list is never read
            paginator.count = rows[0][-1] if rows else 0
            return PaginatorPage([row[:-1] for row in rows], wanted, paginator)
    every = (
        access.documents_of_client(client)
        .filter(installation=installation)
        .order_by("theme__sort_order", "theme__name", "theme_id", "-created_at", "-pk")
        .values_list(*DOCUMENT_FIELDS)
    )
    return Paginator(every, per_page).get_page(number)


def documents_rows(since):
    """``rows -> the <li> of each document``, as documents.html wrote them."""
    view, download = object_url("aquatiris_portal:document_view"), object_url("aquatiris_portal:document_download")
    results = {value: e(label) for value, label in ControlResult.choices}
    new = text(gettext("New"))  # out of the f-string: makemessages does not read inside one
    new = f' <span class="aqp-badge aqp-badge--new">{new}</span>'
    control_report, opens = text(gettext("Control report")), text(gettext("opens in a new tab"))
    view_label, download_label = text(gettext("View")), text(gettext("Download"))

    def row(document):
        pk, title, is_pdf = document[PK], e(document[TITLE]), document[CONTENT_TYPE] == "application/pdf"
        result = document[CONTROL_RESULT]
        control = ""
        if result:
            kind = e(document[DOCUMENT_TYPE]) if document[DOCUMENT_TYPE] else control_report
            control = (
                f'<span class="aqp-result aqp-result--{e(result)}">{kind} : {results.get(result) or e(result)}</span>'
            )
        issued = f"{e(portal_date(document[ISSUED_ON]))} · " if document[ISSUED_ON] else ""
        opens_in_tab = ""
        if is_pdf:
            opens_in_tab = (
                f'<a class="aqp-button aqp-button--secondary" href="{e(view(pk))}" target="_blank" rel="noopener">'
                f'{view_label}<span class="aqp-visually-hidden"> {title} ({opens})</span></a>'
            )
        return (
            '<li class="aqp-document">\n'
            '      <div class="aqp-document__title">\n'
            f"        <span>{title}</span>{new if since is None or document[CREATED_AT] > since else ''}\n"
            f"        {control}\n"
            f'        <span class="aqp-document__meta">{issued}{"PDF" if is_pdf else "Word"}'
            f" · {e(filesizeformat(document[SIZE]))}</span>\n"
            "      </div>\n"
            '      <div class="aqp-document__actions">\n'
            f"        {opens_in_tab}\n"
            f'        <a class="aqp-button aqp-button--primary" href="{e(download(pk))}" download>{download_label}'
            f'<span class="aqp-visually-hidden"> {title}</span></a>\n'
            "      </div>\n"
            "    </li>"
        )

    return lambda documents: mark_safe("\n    ".join(row(document) for document in documents))  # noqa: S308  e() escapes
