"""« Last came » on « Personnes » (Membership.last_seen_at), written cheaply:
the session remembers when it last wrote, so most requests cost nothing,
and at most once per LAST_SEEN_MINUTES one UPDATE marks the records the
person is in (the memberships come from access's one read per request)."""

import time

from django.utils import timezone

from .. import access
from ..conf import app_settings
from .models import Membership

SESSION_KEY = "aquatiris_portal_seen_at"


def touch(request) -> bool:
    """Mark the person's current records as seen now, if the last mark is
    older than LAST_SEEN_MINUTES; returns whether it wrote."""
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    if user is None or session is None or not user.is_authenticated:
        return False
    now = int(time.time())
    if now - int(session.get(SESSION_KEY) or 0) < app_settings.LAST_SEEN_MINUTES * 60:
        return False
    session[SESSION_KEY] = now
    current = [access.current_membership(user, kind) for kind in access.KINDS]
    pks = [membership.pk for membership in current if membership is not None]
    if pks:
        Membership.objects.filter(pk__in=pks).update(last_seen_at=timezone.now())
    return bool(pks)
