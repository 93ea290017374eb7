"""What the client space shows of visits (issue 17): the next visit of each
installation, the maintenance log, whether maintenance is due. Everything
through ``access.client_visits``: a constant number of queries whatever the
number of visits."""

import calendar
import datetime

from django.db.models import Q
from django.utils import timezone

from .. import access


def add_months(day, months):
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_visits(user, installations, today=None):
    """{installation pk: the next planned visit (not done, today or later)} in one query."""
    today = today or timezone.localdate()
    found = {}
    pks = [installation.pk for installation in installations]
    for visit in (access.client_visits(user).planned().filter(installation_id__in=pks, planned_for__gte=today)
                  .order_by("installation_id", "planned_for", "pk").prefetch_related(None)):
        found.setdefault(visit.installation_id, visit)
    return found


def installation_visits(user, installation, today=None):
    """(next visit or None, maintenance log) of one installation in one query
    (and one for the reports, none when no visit has one): the next planned
    visit as ``next_visits`` gives it, and the visits done, newest first, each
    with ``report`` (None unless the client may read it)."""
    today = today or timezone.localdate()
    visits = list(
        access.client_visits(user).filter(installation=installation)
        .filter(Q(done_on__isnull=False) | Q(planned_for__gte=today)).order_by("-done_on", "-pk")
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
