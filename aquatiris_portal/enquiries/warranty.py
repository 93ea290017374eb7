"""The extended warranty: its dates, and the check of a serial number
against the admins' pattern (fail closed)."""

import hashlib
import logging
import re

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone

from ..notifications.mail import queue_mail
from ..notifications.models import OutgoingMail
from ..security_log import record_security_event
from ..security_log.cache_outage import warn_once
from ..snippets.serial_patterns import MAX_SERIAL_LENGTH, pattern_problem, problem_message

logger = logging.getLogger(__name__)

PATTERN_EVENT = "serial_pattern_unusable"


def warranty_end(installation, portal_settings, registered_at=None):
    """The last day of the extended warranty: the editors' number of years
    (PortalSettings.warranty_years) from the installation date, or from the
    registration when that date is unknown."""
    years = getattr(portal_settings, "warranty_years", None) or 10
    start = installation.installed_on or timezone.localdate(registered_at or timezone.now())
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)


# -- the serial number pattern of the portal settings ------------------------------


class SerialPatternUnusable(Exception):
    """The stored pattern is not safe to run (saved before it was checked, or
    written in the database): every serial is refused until an admin fixes
    it, rather than every serial accepted."""


def serial_matches(pattern, serial):
    """Whether the canonical ``serial`` matches the admins' ``pattern``.

    Fails closed: a pattern that ``serial_patterns.pattern_problem`` refuses
    (invalid, catastrophic) raises ``SerialPatternUnusable`` and alerts the
    superusers (``alert_unusable_pattern``); a serial longer than
    MAX_SERIAL_LENGTH is refused before any matching."""
    problem = pattern_problem(pattern) if pattern else ("invalid", {"error": "empty"})
    if problem is not None:
        alert_unusable_pattern(pattern, problem)
        raise SerialPatternUnusable(problem[0])
    if len(serial) > MAX_SERIAL_LENGTH:
        return False
    return re.search(pattern, serial) is not None


def alert_unusable_pattern(pattern, problem):
    """Tell the superusers, once a day per pattern: a security log event and
    a mail (its key makes it once); a log line each time."""
    logger.error(
        "The serial number pattern of the portal settings is refused (%s): %r; every serial is refused "
        "until an admin fixes it",
        problem[0],
        pattern,
    )
    digest = hashlib.sha256(str(pattern).encode()).hexdigest()[:16]
    key = f"serial_pattern_unusable:{digest}:{timezone.localdate():%Y-%m-%d}"
    try:
        first = cache.add(f"aqp:{key}", 1, 24 * 3600)
    except Exception as error:  # the cache is unreachable (Redis restarting): the mail's row alone decides
        warn_once(logger, "serial_pattern_alert", "Cache unreachable: the alert is kept once by its mail: %s", error)
        first = True
    # The mail's key makes it once even when the cache forgot or could not answer.
    if not first or OutgoingMail.objects.filter(key=key).exists():
        return
    record_security_event(PATTERN_EVENT, pattern=str(pattern)[:300], problem=problem[0])
    recipients = sorted(
        {
            email.strip().lower()
            for email in get_user_model()
            .objects.filter(is_superuser=True, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        }
    )
    if not recipients:
        logger.error("No active superuser with an email address to tell that the serial pattern is refused")
        return
    queue_mail(
        key=key,
        to=recipients,
        template="aquatiris_portal/mail/serial_pattern_unusable",
        context={"pattern": pattern, "problem": problem_message(problem)},
    )
