"""What the client space shows of visits: the next visit of each
installation, the maintenance log, whether maintenance is due, the visit's
calendar entry (the reminder's .ics) and the form to ask to move it.
Everything through ``access.client_visits``: a constant number of queries
whatever the number of visits; a visit the client may not see, done, past or
cancelled is a 404."""

import calendar
import datetime

from django.contrib import messages
from django.db.models import Q, Subquery
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import access
from ..conf import app_settings
from ..enquiries.forms import add_limit_error
from ..enquiries.limits import LimitReached
from ..enquiries.visit_moves import MAX_HALF_DAYS, VisitMoveForm, submit_visit_move, visit_label
from ..notifications.preferences import KINDS, NotificationPreference, wants
from ..records.visit_calendar import invitation
from . import dashboard_queries
from .dashboard_queries import REMINDER_KIND

_UNREAD = object()


def add_months(day, months):
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _with_reminder_choice(visits, user):
    """Each visit carries ``reminders_enabled``, the person's choice for visit
    reminders (None: never chosen), read in the visits' query: a screen
    showing a visit then needs no query of its own for it (``reminder_notice``)."""
    chosen = NotificationPreference.objects.filter(user=user, kind=REMINDER_KIND).values("enabled")[:1]
    return visits.annotate(reminders_enabled=Subquery(chosen))


def next_visits(user, installations, today=None):
    """{installation pk: the next planned visit (not done, today or later)} in one query."""
    today = today or timezone.localdate()
    found = {}
    # The client's visits are on their installations already: kept in
    # Python, not an IN list of them in the SQL (cheaper to build).
    pks = {installation.pk for installation in installations}
    client = access.client_for(user)
    for visit in dashboard_queries.next_visits(client, user, today) if client else []:
        if visit.installation_id in pks:
            found.setdefault(visit.installation_id, visit)
    return found


def installation_visits(user, installation, today=None):
    """(next visit or None, maintenance log) of one installation in one query
    (their reports in it): the next planned
    visit as ``next_visits`` gives it, and the visits done, newest first, each
    with ``report`` (None unless the client may read it)."""
    today = today or timezone.localdate()
    visits = list(
        _with_reminder_choice(
            access.client_visits(user, join_reports=True)
            .filter(installation=installation)
            .filter(Q(done_on__isnull=False) | Q(planned_for__gte=today))
            .order_by("-done_on", "-pk"),
            user,
        )
    )
    upcoming = [visit for visit in visits if visit.done_on is None]
    log = [visit for visit in visits if visit.done_on is not None]
    return (min(upcoming, key=lambda visit: (visit.planned_for, visit.pk)) if upcoming else None), log


def maintenance_due(installation, today=None):
    """A contract is active and no maintenance was done for longer than its ``every_months``
    (counted from the last maintenance, else the installation date; never maintained nor dated: due)."""
    every = installation.maintenance_contract_every_months
    if not (installation.has_active_contract and every):
        return False
    today = today or timezone.localdate()
    since = installation.last_maintenance_on or installation.installed_on
    return since is None or add_months(since, every) < today


def upcoming_visit_or_404(user, pk, today=None):
    """A planned visit of ``user``'s installations, today or later, with its
    installation and franchisee; anything else (another client's, not shared,
    cancelled, done, past, unknown) is a 404."""
    today = today or timezone.localdate()
    visit = (
        access.client_visits(user)
        .planned()
        .filter(pk=pk, planned_for__gte=today)
        .select_related("installation__franchisee")
        .prefetch_related(None)
        .first()
    )
    if visit is None:
        raise Http404
    return visit


def reminder_notice(user, visit=None):
    """What the visit cards say of the reminder mail: from ``visit`` when it
    was read with the person's choice (``next_visits``, ``installation_visits``),
    else one query."""
    chosen = getattr(visit, "reminders_enabled", _UNREAD)
    if chosen is _UNREAD:
        on = wants(user, REMINDER_KIND)
    else:
        on = KINDS[REMINDER_KIND].default if chosen is None else chosen
    return {"days": app_settings.VISIT_REMINDER_DAYS, "on": on}


def calendar_download(request, pk):
    """The visit's .ics, as the reminder mail attaches it (same UID, same SEQUENCE)."""
    visit = upcoming_visit_or_404(request.user, pk)
    ics = invitation(visit, attendee=request.user.email)
    response = HttpResponse(ics.encode("utf-8"), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="visite-aquatiris-{visit.planned_for:%Y-%m-%d}.ics"'
    # Like the private files: never cached, never sniffed, never run as a page.
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def move_visit(page, request, context, pk):
    """The "move my visit" form: half-days proposed, then a request in the thread."""
    visit = upcoming_visit_or_404(request.user, pk)
    today = timezone.localdate()
    if request.method == "POST":
        form = VisitMoveForm(request.POST, today=today, visit=visit)
        if form.is_valid():
            try:
                portal_request = submit_visit_move(
                    user=request.user,
                    client=context["client"],
                    visit=visit,
                    form=form,
                    portal_settings=context["portal_settings"],
                    site_url=request.build_absolute_uri("/").rstrip("/"),
                )
            except LimitReached as refused:
                add_limit_error(form, refused, text_field="half_days", request=request)
            else:
                messages.success(
                    request,
                    _("Your request to move the visit was sent to your franchisee. They will confirm the new date."),
                )
                return HttpResponseRedirect(page.route_url(request, "request_detail", portal_request.reference))
    else:
        form = VisitMoveForm(today=today, visit=visit)
    return page.render_screen(
        request,
        "move_visit",
        {
            **context,
            "nav": "installations",
            "visit": visit,
            "installation": visit.installation,
            "visit_label": visit_label(visit),
            "form": form,
            "max_half_days": MAX_HALF_DAYS,
            "reminders": reminder_notice(request.user),
        },
    )
