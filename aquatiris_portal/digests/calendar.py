"""An iCalendar (RFC 5545, iTIP RFC 5546) invitation for one visit.

The UID is stable per visit (its exchange id), so a calendar updates the
entry it already has when a moved visit comes with a higher SEQUENCE, and
removes it on METHOD:CANCEL. A visit with a slot is timed (morning 8:00-12:00,
afternoon 14:00-18:00, local time written in UTC); without, an all-day event.
"""

import datetime
from urllib.parse import urlsplit

from django.utils import timezone

SLOT_HOURS = {"morning": (8, 12), "afternoon": (14, 18)}


def escape(value):
    return (str(value).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


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
    assert b"".join(out) == raw
    return "\r\n ".join(part.decode("utf-8") for part in out)


def _utc(value):
    return value.astimezone(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def uid(visit, base_url):
    host = urlsplit(base_url).hostname or "aquatiris-portal"
    return f"visit-{visit.external_id}@{host}"


def visit_ics(visit, *, method, sequence, summary, description, location, organizer, attendee, base_url, now=None):
    """The .ics text (CRLF lines) of ``visit``; ``method`` is REQUEST or CANCEL."""
    now = now or timezone.now()
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Aquatiris//Portail client//FR", "CALSCALE:GREGORIAN",
        f"METHOD:{method}", "BEGIN:VEVENT",
        f"UID:{uid(visit, base_url)}", f"SEQUENCE:{sequence}", f"DTSTAMP:{_utc(now)}",
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
        f"ORGANIZER:mailto:{organizer}",
        f"ATTENDEE;ROLE=REQ-PARTICIPANT;RSVP=FALSE:mailto:{attendee}",
        f"STATUS:{'CANCELLED' if method == 'CANCEL' else 'CONFIRMED'}",
        "TRANSP:OPAQUE",
        "END:VEVENT", "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)
