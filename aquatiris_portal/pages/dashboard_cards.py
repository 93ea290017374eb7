"""The dashboard's installation cards, written in Python: the cards are
most of the screen's markup, and the template engine spent more time on
them (four includes, about a hundred tags per card) than the screen's
queries. The markup is the one templates gave (client_space/_next_visit.html
and _franchisee.html for the parts the installation screen still renders
from them; tests/unit/pages/test_dashboard_cards.py compares both).

Every value from a record is escaped (``e``); the texts are the templates'
msgids, translated once per process and language (``texts_now``),
trusted as the templates trust them."""

import functools
from html import escape
from itertools import groupby

from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from ..records.emails import display_email
from ..records.plain_text import capacity_text, portal_date
from ..records.visits import VisitKind, VisitSlot

# A pk no record has: its place in a reversed route is where each row's pk goes.
_PK = 987654321987


def e(value):
    """A value as HTML text: Django's ``escape`` (same entities), but safe strings kept as they are."""
    return value if isinstance(value, SafeString) else escape(str(value))


class Texts:
    """The cards' fixed texts in the active language. Spelled ``_("...")``
    so that makemessages finds the msgids."""

    def __init__(self):
        self.no_visit = _("No visit planned.")
        self.visit_slot = _("%(kind)s on %(date)s (%(slot)s)")
        self.visit = _("%(kind)s on %(date)s")
        self.with_name = _("with %(name)s")
        self.add_to_calendar = _("Add to my calendar")
        self.move_visit = _("Move my visit")
        self.reminder_sent = _("The reminder with the invitation for your calendar was emailed to you.")
        self.reminders_off = _("You turned visit reminders off: no email will come before the visit.")
        self.turn_on = _("Turn them on in “Email notifications” (Visit reminders)")
        self.no_franchisee = _("Your franchisee's contact details will appear here.")
        self.phone = _("Phone:")
        self.email = _("Email:")
        self.your_franchisee = _("Your franchisee:")
        self.in_service_since = _("In service since %(date)s")
        self.in_service = _("In service")
        self.current_stage = _("Current stage: %(stage)s")
        self.extended_until = _("Extended until %(date)s")
        self.extend = _("Extend my warranty")
        self.not_built = _("Can be extended once your installation is built")
        self.active_until = _("Active until %(date)s")
        self.active = _("Active")
        self.asked_on = _("Asked on %(date)s: %(status)s")
        self.ask_contract = _("Ask for a maintenance contract")
        self.contract_not_built = _("Can be asked once your installation is built")
        self.where = _("Where it stands")
        self.warranty = _("Warranty")
        self.next_visit = _("Next visit")
        self.contract = _("Maintenance contract")
        self.documents = _("Documents")
        self.details = _("Progress and details")
        # get_kind_display() / get_slot_display() rebuild the choices on every call.
        self.kinds = {value: str(label) for value, label in VisitKind.choices}
        self.slots = {value: str(label) for value, label in VisitSlot.choices}

    @staticmethod
    def reminder(days):
        return ngettext(
            "You will receive an email reminder %(days)s day before, with the invitation for your calendar.",
            "You will receive an email reminder %(days)s days before, with the invitation for your calendar.",
            days,
        ) % {"days": e(days)}

    @staticmethod
    def new(count):
        return ngettext("%(counter)s new", "%(counter)s new", count) % {"counter": e(count)}


@functools.lru_cache(maxsize=16)
def _texts(language):
    return Texts()


def texts_now():
    """The cards' texts in the active language (the same for everyone: looked up once per process)."""
    return _texts(get_language())


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


def next_visit_html(visit, reminders, links, texts=None):
    """client_space/_next_visit.html for ``visit`` (None: no visit planned)."""
    texts = texts or texts_now()
    if visit is None:
        return f'<p class="aqp-muted">{texts.no_visit}</p>'
    date = e(portal_date(visit.planned_for))
    kind = e(texts.kinds.get(visit.kind, visit.kind))
    if visit.slot:
        what = texts.visit_slot % {"kind": kind, "date": date, "slot": e(texts.slots.get(visit.slot, visit.slot))}
    else:
        what = texts.visit % {"kind": kind, "date": date}
    if visit.technician:
        what += " — " + texts.with_name % {"name": e(visit.technician)}
    html = (
        f'<p class="aqp-next-visit">{what}</p><p class="aqp-visit-actions">'
        f'<a class="aqp-button aqp-button--secondary" href="{e(links.route("visit_calendar", visit.pk))}" download'
        f' data-aqp-visit-calendar>{texts.add_to_calendar}<span class="aqp-visually-hidden"> — {date}</span></a> '
        f'<a class="aqp-button aqp-button--secondary" href="{e(links.route("move_visit", visit.pk))}"'
        f' data-aqp-move-visit>{texts.move_visit}<span class="aqp-visually-hidden"> — {date}</span></a></p>'
    )
    if not reminders:
        return html
    if reminders["on"] and visit.reminded_for == visit.planned_for and visit.reminded_slot == visit.slot:
        said = texts.reminder_sent
    elif reminders["on"]:
        said = texts.reminder(reminders["days"])
    else:
        preferences = e(reverse("aquatiris_portal:notification_preferences"))
        said = f'{texts.reminders_off} <a href="{preferences}">{texts.turn_on}</a>'
    return f'{html}<p class="aqp-help aqp-visit-reminder">{said}</p>'


def franchisee_html(franchisee, texts=None):
    """client_space/_franchisee.html."""
    texts = texts or texts_now()
    if franchisee is None:
        return f'<p class="aqp-muted">{texts.no_franchisee}</p>'
    contact = f" ({e(franchisee.contact_name)})" if franchisee.contact_name else ""
    phone = email = ""
    if franchisee.phone:
        phone = (
            f'<li><a href="tel:{e(franchisee.phone.replace(" ", ""))}"><span aria-hidden="true">☎ </span>'
            f"{texts.phone} {e(franchisee.phone)}</a></li>"
        )
    if franchisee.email:
        email = (
            f'<li><a href="mailto:{e(franchisee.email)}"><span aria-hidden="true">✉ </span>'
            f"{texts.email} {e(display_email(franchisee.email))}</a></li>"
        )
    return (
        f'<div class="aqp-contact"><p><span class="aqp-contact__label">{texts.your_franchisee}</span>'
        f" <strong>{e(franchisee.company)}</strong>{contact}</p>"
        f'<ul class="aqp-contact__links">{phone}{email}</ul></div>'
    )


def _where_it_stands(installation, texts):
    if installation.in_service and installation.installed_on:
        return texts.in_service_since % {"date": e(portal_date(installation.installed_on))}
    if installation.in_service:
        return texts.in_service
    return texts.current_stage % {"stage": e(installation.stage_name)}


def _warranty(installation, links, texts):
    if installation.warranty_ends_on:
        return texts.extended_until % {"date": e(portal_date(installation.warranty_ends_on))}
    if installation.is_built:
        return f'<a href="{e(links.route("warranty", installation.pk))}">{texts.extend}</a>'
    return texts.not_built


def _contract(installation, links, texts):
    contract = installation.contract_request
    if installation.has_active_contract:
        if installation.maintenance_contract_until:
            return texts.active_until % {"date": e(portal_date(installation.maintenance_contract_until))}
        return texts.active
    if contract:
        asked = texts.asked_on % {
            "date": e(portal_date(contract.created_at)),
            "status": e(contract.get_status_display()),
        }
        return f'<a href="{e(links.request_detail(contract.reference))}">{asked}</a>'
    if installation.is_past_quote:
        url = e(links.route("maintenance_contract"))
        return f'<a href="{url}?installation={e(installation.pk)}">{texts.ask_contract}</a>'
    return texts.contract_not_built


def installation_card(installation, links, reminders, texts=None):
    """One ``<li>`` of the dashboard's installations: ``installation`` as the
    dashboard annotates it (stage_name, in_service, warranty_ends_on,
    contract_request, next_visit, new_documents)."""
    texts = texts or texts_now()
    url = e(links.route("installation", installation.pk))
    label = f'<p class="aqp-muted">{e(capacity_text(installation.label))}</p>' if installation.label else ""
    count = installation.new_documents
    badge = f' <span class="aqp-badge">{texts.new(count)}</span>' if count else ""
    return (
        f'<li class="aqp-card aqp-installation-card"><h3><a href="{url}">{e(installation.display_name)}</a>'
        f' <span class="aqp-ref">{e(installation.reference)}</span></h3>{label}<dl class="aqp-facts">'
        f"<div><dt>{texts.where}</dt><dd>{_where_it_stands(installation, texts)}</dd></div>"
        f"<div><dt>{texts.warranty}</dt><dd>{_warranty(installation, links, texts)}</dd></div>"
        f"<div><dt>{texts.next_visit}</dt><dd>{next_visit_html(installation.next_visit, reminders, links, texts)}"
        f"</dd></div><div><dt>{texts.contract}</dt><dd>{_contract(installation, links, texts)}</dd></div></dl>"
        f'{franchisee_html(installation.franchisee, texts)}<p class="aqp-card__links">'
        f'<a class="aqp-button aqp-button--primary" href="{e(links.route("documents", installation.pk))}">'
        f"{texts.documents}{badge}</a> "
        f'<a class="aqp-button aqp-button--secondary" href="{url}">{texts.details}</a></p></li>'
    )


def installation_cards(links, installations, reminders):
    """The cards of ``installations``, in order, as one safe string."""
    texts = texts_now()
    html = "".join(installation_card(installation, links, reminders, texts) for installation in installations)
    return mark_safe(html)  # noqa: S308  every record value went through e()


def emergency_html(page, installations):
    """client_space/_emergency.html (the contact screen still renders it):
    the editors' text, then their one number or each franchisee's."""
    if not page.emergency_text:
        return ""
    if page.emergency_phone:
        call = _("Call")  # out of the f-string: makemessages does not read inside one
        number = (
            f'<p><a class="aqp-button aqp-button--primary" href="tel:{e(page.emergency_phone.replace(" ", ""))}">'
            f'<span aria-hidden="true">☎ </span>{call} {e(page.emergency_phone)}</a></p>'
        )
    else:
        rows = []
        several = len(installations) > 1
        for franchisee, group in groupby(installations, key=lambda installation: installation.franchisee):
            if franchisee is None or not franchisee.phone:
                continue
            which = ""
            if several:
                which = f' <span class="aqp-muted">({", ".join(e(item.display_name) for item in group)})</span>'
            rows.append(
                f'<li><a href="tel:{e(franchisee.phone.replace(" ", ""))}"><span aria-hidden="true">☎ </span>'
                f"{e(franchisee.company)} : {e(franchisee.phone)}</a>{which}</li>"
            )
        number = f'<ul class="aqp-emergency__phones">{"".join(rows)}</ul>'
    heading = _("In an emergency")
    html = (
        '<aside class="aqp-emergency" aria-labelledby="emergency-heading">'
        f'<h2 id="emergency-heading"><span aria-hidden="true">⚠ </span>{heading}</h2>'
        f"<p>{linebreaksbr(page.emergency_text, autoescape=True)}</p>{number}</aside>"
    )
    return mark_safe(html)  # noqa: S308  every value went through e() or linebreaksbr
