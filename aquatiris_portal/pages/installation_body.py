"""The installation screen's body under its header, written in Python
(``{% installation_body %}``): its cards were the screen's last template
nodes, about sixty a render (a {% translate %}, a variable, a condition
each), a fifth of the page's function calls. The markup is the one
client_space/installation.html gave (tests/unit/pages/installation_screen_golden
and test_installation_body.py compare them); the pieces written earlier
(progress, franchisee, next visit, log, themes: installation_screen.py)
are placed as they were.

Every value from a record is escaped (``e``); the texts are the package's
catalogue, translated once per process and language (``_texts``), trusted
as ``{% translate %}`` trusts them."""

import functools

from django.template.defaultfilters import linebreaksbr
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext, ngettext

from ..records.plain_text import portal_date
from .dashboard_cards import e


@functools.lru_cache(maxsize=16)
def _texts(language):
    """The body's fixed texts in ``language`` (the active one when called)."""
    return {
        "progress": gettext("Progress of your project"),
        "details": gettext("Details"),
        "reference": gettext("Reference"),
        "address": gettext("Address"),
        "installed_on": gettext("Installed on"),
        "not_yet": gettext("not yet"),
        "serial_number": gettext("Serial number"),
        "register": gettext("Register it to extend your warranty"),
        "not_built": gettext("Can be extended once your installation is built"),
        "franchisee": gettext("The franchisee following your project"),
        "write": gettext("Write to my franchisee"),
        "next_visit": gettext("Next visit"),
        "contract": gettext("Maintenance contract"),
        "active_until": gettext("Active until %(date)s"),
        "active": gettext("Active"),
        "due": gettext("Maintenance is due."),
        "due_text": gettext(
            "No maintenance was done for longer than your contract provides: ask your franchisee for a visit."
        ),
        "ask_visit": gettext("Ask for a maintenance visit"),
        "no_contract": gettext("No maintenance contract."),
        "ask_contract": gettext("Ask for a maintenance contract"),
        "log": gettext("Maintenance log"),
        "no_visit_done": gettext("No visit done yet."),
        "documents": gettext("Documents"),
        "all_documents": gettext("See all documents"),
        "no_document": gettext("No document yet: they will appear here as your project goes on."),
    }


def texts_now():
    return _texts(get_language())


def every_months(count):
    """``{% blocktranslate count counter=... %}a visit every month{% plural %}...``"""
    return ngettext("a visit every month", "a visit every %(counter)s months", count) % {"counter": e(count)}


def details_html(installation, links, texts):
    if installation.installed_on:
        installed = e(portal_date(installation.installed_on))
    else:
        installed = texts["not_yet"]
    if installation.serial_number:
        serial = e(installation.serial_number)
    elif installation.is_built:
        serial = f'<a href="{e(links["warranty"])}">{texts["register"]}</a>'
    else:
        serial = texts["not_built"]
    address = linebreaksbr(installation.full_address, autoescape=True)
    return (
        '<section class="aqp-card" aria-labelledby="details-heading">\n'
        f'    <h2 id="details-heading">{texts["details"]}</h2>\n'
        '    <dl class="aqp-facts">\n'
        f"      <div><dt>{texts['reference']}</dt><dd>{e(installation.reference)}</dd></div>\n"
        f"      <div><dt>{texts['address']}</dt><dd>{address}</dd></div>\n"
        f"      <div><dt>{texts['installed_on']}</dt><dd>{installed}</dd></div>\n"
        f"      <div><dt>{texts['serial_number']}</dt><dd>{serial}</dd></div>\n"
        "    </dl>\n"
        "  </section>"
    )


def contract_html(installation, links, maintenance_due, texts):
    if installation.has_active_contract:
        until = installation.maintenance_contract_until
        state = texts["active_until"] % {"date": e(portal_date(until))} if until else texts["active"]
        every = installation.maintenance_contract_every_months
        visits = f" — {every_months(every)}" if every else ""
        due = ""
        if maintenance_due:
            due = (
                f'\n    <p class="aqp-alert aqp-maintenance-due" role="status"><strong>{texts["due"]}</strong> '
                f'{texts["due_text"]} <a href="{e(links["contact"])}">{texts["ask_visit"]}</a></p>'
            )
        body = f"<p>{state}{visits}</p>{due}"
    else:
        ask = ""
        if installation.is_past_quote:
            ask = (
                f'\n    <p><a class="aqp-button aqp-button--secondary" href="{e(links["maintenance_contract"])}">'
                f"{texts['ask_contract']}</a></p>"
            )
        body = f"<p>{texts['no_contract']}</p>{ask}"
    return (
        '<section class="aqp-card" aria-labelledby="contract-heading">\n'
        f'    <h2 id="contract-heading">{texts["contract"]}</h2>\n'
        f"    {body}\n"
        "  </section>"
    )


def body_html(context, dossier):
    """Everything under the header, from the screen's context
    (installation_screen.installation_context), ``dossier`` the dossier's
    card (installation_screen.dossier_html)."""
    texts = texts_now()
    installation, links = context["installation"], context["installation_links"]
    if context["maintenance_log_html"]:
        log = f'<ol class="aqp-log">\n    {context["maintenance_log_html"]}\n  </ol>'
    else:
        log = f"<p>{texts['no_visit_done']}</p>"
    if context["themes_html"]:
        themes = (
            f'<ul class="aqp-theme-summary">\n    {context["themes_html"]}\n  </ul>\n'
            f'  <p><a class="aqp-button aqp-button--primary" href="{e(links["documents"])}">'
            f"{texts['all_documents']}</a></p>"
        )
    else:
        themes = f"<p>{texts['no_document']}</p>"
    return mark_safe(  # noqa: S308  every value escaped by e() here or by the writers of the pieces
        '<section class="aqp-progress" aria-labelledby="progress-heading">\n'
        f'  <h2 id="progress-heading">{texts["progress"]}</h2>\n'
        '  <ol class="aqp-steps">\n'
        f"    {context['progress_html']}\n"
        "  </ol>\n"
        "</section>\n\n"
        '<div class="aqp-columns">\n'
        f"  {details_html(installation, links, texts)}\n"
        '  <section class="aqp-card" aria-labelledby="franchisee-heading">\n'
        f'    <h2 id="franchisee-heading">{texts["franchisee"]}</h2>\n'
        f"    {context['franchisee_html']}\n"
        f'    <p><a class="aqp-button aqp-button--secondary" href="{e(links["contact"])}">{texts["write"]}</a></p>\n'
        "  </section>\n"
        "</div>\n\n"
        '<div class="aqp-columns">\n'
        '  <section class="aqp-card" aria-labelledby="next-visit-heading">\n'
        f'    <h2 id="next-visit-heading">{texts["next_visit"]}</h2>\n'
        f"    {context['next_visit_html']}\n"
        "  </section>\n"
        f"  {contract_html(installation, links, context['maintenance_due'], texts)}\n"
        "</div>\n\n"
        '<section aria-labelledby="log-heading" class="aqp-maintenance-log">\n'
        f'  <h2 id="log-heading">{texts["log"]}</h2>\n'
        f"  {log}\n"
        "</section>\n\n"
        f"{dossier}\n\n"
        '<section aria-labelledby="themes-heading">\n'
        f'  <h2 id="themes-heading">{texts["documents"]}</h2>\n'
        f"  {themes}\n"
        "</section>"
    )
