"""The dashboard's installation cards, written in Python: the cards are
most of the screen's markup, and the template engine spent more time on
them (four includes, about a hundred tags per card) than the screen's
queries. The markup is the one templates gave (client_space/_next_visit.html
and _franchisee.html for the parts the installation screen still renders
from them; tests/unit/pages/test_dashboard_cards.py compares both).

Every value is escaped (``format_html``, ``conditional_escape``); texts
are the templates' msgids, so the translations are the same."""

from django.urls import reverse
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..records.plain_text import capacity_text, portal_date

# A pk no record has: its place in a reversed route is where each row's pk goes.
_PK = 987654321987


def t(translated):
    """``{% translate %}``: the translation, trusted as the template trusts it
    (``t(_("..."))``: makemessages finds the msgid in ``_``)."""
    return mark_safe(translated)  # noqa: S308  the package's catalogue, not what people type


def blocktrans(text, **values):
    """``{% blocktranslate %}``: the (trusted) translation with its values escaped."""
    escaped = {name: conditional_escape(value) for name, value in values.items()}
    return mark_safe(text % escaped)  # noqa: S308  our msgid, each value escaped


class Links:
    """The client space's URLs of one request, each route reversed once."""

    def __init__(self, page, request):
        base = page.get_url(request) or ""
        self.base = base if base.endswith("/") else base + "/"
        self.page = page
        self._routes = {}

    def route(self, name, *args):
        if not args:
            return self.base + self.page.reverse_subpage(name)
        if name not in self._routes:
            self._routes[name] = (self.base + self.page.reverse_subpage(name, args=(_PK,))).split(str(_PK))
        before, after = self._routes[name]
        return f"{before}{args[0]}{after}"

    def request_detail(self, reference):
        return self.base + self.page.reverse_subpage("request_detail", args=(reference,))


def next_visit_html(visit, reminders, links):
    """client_space/_next_visit.html for ``visit`` (None: no visit planned)."""
    if visit is None:
        return format_html('<p class="aqp-muted">{}</p>', t(_("No visit planned.")))
    date = portal_date(visit.planned_for)
    if visit.slot:
        what = blocktrans(
            _("%(kind)s on %(date)s (%(slot)s)"),
            kind=visit.get_kind_display(),
            date=date,
            slot=visit.get_slot_display(),
        )
    else:
        what = blocktrans(_("%(kind)s on %(date)s"), kind=visit.get_kind_display(), date=date)
    if visit.technician:
        what = format_html("{} — {}", what, blocktrans(_("with %(name)s"), name=visit.technician))
    html = format_html(
        '<p class="aqp-next-visit">{}</p><p class="aqp-visit-actions">'
        '<a class="aqp-button aqp-button--secondary" href="{}" download data-aqp-visit-calendar>{}'
        '<span class="aqp-visually-hidden"> — {}</span></a> '
        '<a class="aqp-button aqp-button--secondary" href="{}" data-aqp-move-visit>{}'
        '<span class="aqp-visually-hidden"> — {}</span></a></p>',
        what,
        links.route("visit_calendar", visit.pk),
        t(_("Add to my calendar")),
        date,
        links.route("move_visit", visit.pk),
        t(_("Move my visit")),
        date,
    )
    if not reminders:
        return html
    if reminders["on"] and visit.reminded_for == visit.planned_for and visit.reminded_slot == visit.slot:
        said = t(_("The reminder with the invitation for your calendar was emailed to you."))
    elif reminders["on"]:
        said = blocktrans(
            ngettext(
                "You will receive an email reminder %(days)s day before, with the invitation for your calendar.",
                "You will receive an email reminder %(days)s days before, with the invitation for your calendar.",
                reminders["days"],
            ),
            days=reminders["days"],
        )
    else:
        said = format_html(
            '{} <a href="{}">{}</a>',
            t(_("You turned visit reminders off: no email will come before the visit.")),
            reverse("aquatiris_portal:notification_preferences"),
            t(_("Turn them on in “Email notifications” (Visit reminders)")),
        )
    return format_html('{}<p class="aqp-help aqp-visit-reminder">{}</p>', html, said)


def franchisee_html(franchisee):
    """client_space/_franchisee.html."""
    if franchisee is None:
        return format_html('<p class="aqp-muted">{}</p>', t(_("Your franchisee's contact details will appear here.")))
    contact = format_html(" ({})", franchisee.contact_name) if franchisee.contact_name else ""
    phone = (
        format_html(
            '<li><a href="tel:{}"><span aria-hidden="true">☎ </span>{} {}</a></li>',
            franchisee.phone.replace(" ", ""),
            t(_("Phone:")),
            franchisee.phone,
        )
        if franchisee.phone
        else ""
    )
    email = (
        format_html(
            '<li><a href="mailto:{}"><span aria-hidden="true">✉ </span>{} {}</a></li>',
            franchisee.email,
            t(_("Email:")),
            franchisee.email,
        )
        if franchisee.email
        else ""
    )
    return format_html(
        '<div class="aqp-contact"><p><span class="aqp-contact__label">{}</span> <strong>{}</strong>{}</p>'
        '<ul class="aqp-contact__links">{}{}</ul></div>',
        t(_("Your franchisee:")),
        franchisee.company,
        contact,
        phone,
        email,
    )


def _where_it_stands(installation):
    if installation.in_service and installation.installed_on:
        return blocktrans(_("In service since %(date)s"), date=portal_date(installation.installed_on))
    if installation.in_service:
        return t(_("In service"))
    return blocktrans(_("Current stage: %(stage)s"), stage=installation.stage_name)


def _warranty(installation, links):
    if installation.warranty_ends_on:
        return blocktrans(_("Extended until %(date)s"), date=portal_date(installation.warranty_ends_on))
    if installation.is_built:
        return format_html('<a href="{}">{}</a>', links.route("warranty", installation.pk), t(_("Extend my warranty")))
    return t(_("Can be extended once your installation is built"))


def _contract(installation, links):
    contract = installation.contract_request
    if installation.has_active_contract:
        if installation.maintenance_contract_until:
            return blocktrans(_("Active until %(date)s"), date=portal_date(installation.maintenance_contract_until))
        return t(_("Active"))
    if contract:
        return format_html(
            '<a href="{}">{}</a>',
            links.request_detail(contract.reference),
            blocktrans(
                _("Asked on %(date)s: %(status)s"),
                date=portal_date(contract.created_at),
                status=contract.get_status_display(),
            ),
        )
    if installation.is_past_quote:
        return format_html(
            '<a href="{}?installation={}">{}</a>',
            links.route("maintenance_contract"),
            installation.pk,
            t(_("Ask for a maintenance contract")),
        )
    return t(_("Can be asked once your installation is built"))


def installation_card(installation, links, reminders):
    """One ``<li>`` of the dashboard's installations: ``installation`` as the
    dashboard annotates it (stage_name, in_service, warranty_ends_on,
    contract_request, next_visit, new_documents)."""
    url = links.route("installation", installation.pk)
    label = format_html('<p class="aqp-muted">{}</p>', capacity_text(installation.label)) if installation.label else ""
    badge = (
        format_html(
            ' <span class="aqp-badge">{}</span>',
            blocktrans(
                ngettext("%(counter)s new", "%(counter)s new", installation.new_documents),
                counter=installation.new_documents,
            ),
        )
        if installation.new_documents
        else ""
    )
    return format_html(
        '<li class="aqp-card aqp-installation-card">'
        '<h3><a href="{}">{}</a> <span class="aqp-ref">{}</span></h3>{}'
        '<dl class="aqp-facts">'
        "<div><dt>{}</dt><dd>{}</dd></div>"
        "<div><dt>{}</dt><dd>{}</dd></div>"
        "<div><dt>{}</dt><dd>{}</dd></div>"
        "<div><dt>{}</dt><dd>{}</dd></div>"
        "</dl>{}"
        '<p class="aqp-card__links">'
        '<a class="aqp-button aqp-button--primary" href="{}">{}{}</a> '
        '<a class="aqp-button aqp-button--secondary" href="{}">{}</a>'
        "</p></li>",
        url,
        installation.display_name,
        installation.reference,
        label,
        t(_("Where it stands")),
        _where_it_stands(installation),
        t(_("Warranty")),
        _warranty(installation, links),
        t(_("Next visit")),
        next_visit_html(installation.next_visit, reminders, links),
        t(_("Maintenance contract")),
        _contract(installation, links),
        franchisee_html(installation.franchisee),
        links.route("documents", installation.pk),
        t(_("Documents")),
        badge,
        url,
        t(_("Progress and details")),
    )


def installation_cards(page, request, installations, reminders):
    """The cards of ``installations``, in order, as one safe string."""
    links = Links(page, request)
    rows = ((installation_card(installation, links, reminders),) for installation in installations)
    return format_html_join("", "{}", rows)
