"""A visit's .ics with what exports really carry in an address, a place's
name or a franchisee's company: line breaks of every kind (a lone CR from an
old export, U+2028), control characters, commas and semicolons, accents,
emoji. The invitation stays one valid RFC 5545 file, also once attached to
a mail (whose transfer turns a lone CR into a line end), and a calendar
reads each value back with all its visible characters."""

import datetime
import email
import types
import unicodedata

import icalendar
from django.core.mail import EmailMessage
from hypothesis import example, given
from hypothesis import strategies as st

from aquatiris_portal.records.visit_calendar import visit_ics
from tests.ics import parse_ics

VISIT = types.SimpleNamespace(external_id="V-1", planned_for=datetime.date(2026, 12, 8), slot="morning")
texts = st.text(
    st.one_of(st.characters(exclude_categories=["Cs"]), st.sampled_from('\r\n\x0b\x0c\x85\u2028\u2029\t,;:\\"’é€😀')),
    max_size=200,
)


def visible(text):
    # What a person sees of a value: not its line breaks or control characters.
    return "".join(char for char in text if unicodedata.category(char) not in ("Cc", "Zl", "Zp"))


def ics_of(summary, description, location):
    return visit_ics(
        VISIT,
        method="REQUEST",
        sequence=0,
        summary=summary,
        description=description,
        location=location,
        organizer="luc@aquatiris.example",
        attendee="zoe@example.org",
        base_url="https://portail.example",
    )


def through_a_mail(ics):
    message = EmailMessage("Visite", "Votre visite", "luc@aquatiris.example", ["zoe@example.org"])
    message.attach("visite.ics", ics.encode("utf-8"), "text/calendar")
    parsed = email.message_from_bytes(message.message().as_bytes())
    (part,) = [part for part in parsed.walk() if part.get_content_type() == "text/calendar"]
    return part.get_payload(decode=True)


@given(texts, texts, texts)
@example("Filtre", "Visite", "12 rue des Saules\rBâtiment B")
@example("Filtre\u2028compact", "Visite\x85annuelle", "12 rue des Saules\x0bDinan")
def test_any_text_gives_one_valid_invitation_even_after_a_mail_transfer(summary, description, location):
    ics = ics_of(summary, description, location)
    _calendar, event = parse_ics(ics.encode("utf-8"))
    _calendar, mailed = parse_ics(through_a_mail(ics), crlf=False)
    assert mailed == event
    read = icalendar.Calendar.from_ical(ics).walk("VEVENT")[0]
    for name, value in (("SUMMARY", summary), ("DESCRIPTION", description), ("LOCATION", location)):
        assert visible(str(read[name])) == visible(value), name


ids = st.text(
    st.one_of(st.characters(exclude_categories=["Cs"]), st.sampled_from("\r\n,;\\ ")), min_size=1, max_size=64
)


@given(ids)
@example("V-2024;17")
@example("V 2024,17\n")
def test_any_visit_id_gives_one_valid_invitation_whose_uid_is_stable(external_id):
    # The export's id (any text of 1 to 64 characters) makes the UID; a
    # calendar reads back the same UID at every mail of that visit.
    visit = types.SimpleNamespace(external_id=external_id, planned_for=VISIT.planned_for, slot="")
    ics = visit_ics(
        visit,
        method="REQUEST",
        sequence=0,
        summary="Visite",
        description="",
        location="",
        organizer="luc@aquatiris.example",
        attendee="zoe@example.org",
        base_url="https://portail.example",
    )
    parse_ics(ics.encode("utf-8"))
    parse_ics(through_a_mail(ics), crlf=False)
    read = icalendar.Calendar.from_ical(ics).walk("VEVENT")[0]
    assert visible(str(read["UID"])) == visible(f"visit-{external_id}@portail.example")
