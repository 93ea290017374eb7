"""An iCalendar (RFC 5545, iTIP RFC 5546) invitation for one visit.

The UID is stable per visit (its exchange id), so a calendar updates the
entry it already has when a moved visit comes with a higher SEQUENCE, and
removes it on METHOD:CANCEL. A visit with a slot is timed (morning 8:00-12:00,
afternoon 14:00-18:00, local time written in UTC); without, an all-day event.

``invitation`` is the one .ics of a visit for one client: the reminder mail
(digests/visit_reminders.py) attaches it and the client space's "add to my
calendar" (pages/client_visits.py) downloads it, so both carry the same UID
and SEQUENCE and a calendar keeps one entry. It lives with the records, below
both rooms, and reads only conf.
"""

import datetime
import re
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from ..conf import public_base_url
from .emails import display_email

SLOT_HOURS = {"morning": (8, 12), "afternoon": (14, 18)}


# Every kind of line break (a lone CR from an old export, U+2028 from a
# word processor) is the value's one \n: a mail transfer turns a lone CR into
# a line end, cutting the property in two. Other control characters have no
# place in a TEXT value (RFC 5545 3.3.11): dropped.
_BREAKS = re.compile("\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def escape(value):
    return (
        _CONTROLS.sub("", _BREAKS.sub("\n", str(value)))
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\n", "\\n")
    )


def fold(line):
    """Lines of at most 75 octets, continued by CRLF + space (RFC 5545 3.1), never inside a character."""
    raw, out, current = line.encode("utf-8"), [], b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current)
            current = b""
        current += encoded
    out.append(current)
    if b"".join(out) != raw:  # never with the loop above: a guard, kept under python -O
        raise ValueError("folding lost bytes")
    return "\r\n ".join(part.decode("utf-8") for part in out)


def param(value):
    """A quoted parameter value (RFC 5545 3.2: any text but control
    characters and the double quote, shown as '); a caret doubled, as RFC
    6868 reads ``^'``, ``^n`` and ``^^`` (icalendar does)."""
    text = _CONTROLS.sub("", _BREAKS.sub(" ", str(value)))
    return '"' + text.replace("^", "^^").replace('"', "'") + '"'


def _utc(value):
    return value.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def uid(visit, base_url):
    host = urlsplit(base_url).hostname or "aquatiris-portal"
    return f"visit-{visit.external_id}@{host}"


def visit_ics(
    visit,
    *,
    method,
    sequence,
    summary,
    description,
    location,
    organizer,
    attendee,
    base_url,
    now=None,
    organizer_name="",
    attendee_name="",
):
    """The .ics text (CRLF lines) of ``visit``; ``method`` is REQUEST or CANCEL.

    ``organizer`` and ``attendee`` are addresses as sent (ASCII): the
    ``mailto:`` URIs; their CN, what a calendar shows, is the name given, else
    the address as people read it (its domain in Unicode)."""
    now = now or timezone.now()
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Aquatiris//Portail client//FR",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
        "BEGIN:VEVENT",
        f"UID:{escape(uid(visit, base_url))}",
        f"SEQUENCE:{sequence}",
        f"DTSTAMP:{_utc(now)}",
    ]
    day = visit.planned_for
    if visit.slot in SLOT_HOURS:
        start, end = SLOT_HOURS[visit.slot]
        zone = timezone.get_current_timezone()
        lines += [
            f"DTSTART:{_utc(datetime.datetime.combine(day, datetime.time(start), zone))}",
            f"DTEND:{_utc(datetime.datetime.combine(day, datetime.time(end), zone))}",
        ]
    else:
        lines += [f"DTSTART;VALUE=DATE:{day:%Y%m%d}", f"DTEND;VALUE=DATE:{day + datetime.timedelta(days=1):%Y%m%d}"]
    lines += [
        f"SUMMARY:{escape(summary)}",
        f"DESCRIPTION:{escape(description)}",
        f"LOCATION:{escape(location)}",
        f"ORGANIZER;CN={param(organizer_name or display_email(organizer))}:mailto:{organizer}",
        f"ATTENDEE;CN={param(attendee_name or display_email(attendee))};ROLE=REQ-PARTICIPANT;RSVP=FALSE"
        f":mailto:{attendee}",
        f"STATUS:{'CANCELLED' if method == 'CANCEL' else 'CONFIRMED'}",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)


def pending_sequence(visit):
    """The SEQUENCE the visit's next invitation carries: the one last mailed,
    or one more once the visit moved since (what the update mail will send)."""
    moved = visit.reminded_for is not None and (
        visit.reminded_for != visit.planned_for or visit.reminded_slot != visit.slot
    )
    return visit.ics_sequence + (1 if moved else 0)


def invitation(visit, *, attendee, method="REQUEST", sequence=None, base_url=None, now=None):
    """The .ics of ``visit`` for the client ``attendee`` (an address): summary,
    description with the franchisee's contact, the installation's address.
    ``visit.installation`` and its ``franchisee`` are read (select them)."""
    installation = visit.installation
    franchisee = installation.franchisee
    summary = _("%(kind)s — %(place)s") % {"kind": visit.get_kind_display(), "place": installation.display_name}
    description = _("Aquatiris visit of your installation %(reference)s. Your franchisee: %(contact)s.") % {
        "reference": installation.reference,
        "contact": ", ".join(
            part
            for part in (
                franchisee and franchisee.company,
                franchisee and franchisee.phone,
                franchisee and display_email(franchisee.email),
            )
            if part
        )
        or "—",
    }
    if franchisee and franchisee.email:
        organizer, organizer_name = franchisee.email, franchisee.company
    else:  # "Aquatiris <no-reply@…>": the name is the CN, the address alone the URI
        organizer_name, organizer = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return visit_ics(
        visit,
        method=method,
        sequence=pending_sequence(visit) if sequence is None else sequence,
        summary=summary,
        description=description,
        location=installation.address_one_line,
        attendee=attendee,
        base_url=base_url or public_base_url(),
        now=now,
        organizer=organizer,
        organizer_name=organizer_name,
    )
