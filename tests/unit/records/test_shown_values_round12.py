"""A visit's invitation as a calendar shows it: the organizer's and the
attendee's names (CN) and the description read an internationalised domain
in Unicode (``zoe@exämple.fr``), while the ``mailto:`` URIs a calendar
answers to stay the ASCII address the mail goes to."""

import datetime
import re
import unicodedata
from html import unescape

import icalendar
import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from hypothesis import example, given
from hypothesis import strategies as st

from aquatiris_portal.backoffice.groups import CUSTOMER_SERVICE
from aquatiris_portal.models import Visit
from aquatiris_portal.records.emails import canonical_email
from aquatiris_portal.records.visit_calendar import invitation, param
from tests import factories
from tests.ics import parse_ics
from tests.unit.backoffice.test_backoffice import staff

TYPED = "Zoe@Exämple.fr"  # as a person types it
STORED = canonical_email(TYPED)  # as the portal stores and sends it
SHOWN = "zoe@exämple.fr"
FRANCHISEE_TYPED = "Luc@Aquatiris-Côte.fr"
BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def visible(char):
    return char == "\t" or unicodedata.category(char) != "Cc"


def test_the_example_addresses_are_stored_in_ascii():
    assert STORED == "zoe@xn--exmple-cua.fr"
    assert canonical_email(FRANCHISEE_TYPED).startswith("luc@xn--aquatiris-")


def _visit(franchisee):
    installation = factories.installation(franchisee=franchisee, city="Dinan")
    return Visit.objects.create(
        external_id="V-IDN-1",
        installation=installation,
        kind="maintenance",
        visible_to_client=True,
        planned_for=timezone.localdate() + datetime.timedelta(days=5),
        slot="morning",
    )


def _event(ics):
    parse_ics(ics.encode("utf-8"))  # the strict reading: folding, CRLF
    (event,) = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    return event


@pytest.mark.django_db
def test_the_invitation_shows_unicode_domains_and_mails_the_ascii_addresses():
    franchisee_stored = canonical_email(FRANCHISEE_TYPED)
    franchisee = factories.franchisee(company="Aquatiris Côte", phone="02 99 00 00 01", email=franchisee_stored)
    event = _event(invitation(_visit(franchisee), attendee=STORED))

    assert str(event["ATTENDEE"]) == f"mailto:{STORED}"
    assert event["ATTENDEE"].params["CN"] == SHOWN
    assert str(event["ORGANIZER"]) == f"mailto:{franchisee_stored}"
    assert event["ORGANIZER"].params["CN"] == "Aquatiris Côte"
    description = str(event["DESCRIPTION"])
    assert "luc@aquatiris-côte.fr" in description
    shown = [description, event["ATTENDEE"].params["CN"], event["ORGANIZER"].params["CN"], str(event["SUMMARY"])]
    assert not any("xn--" in text for text in shown)


@pytest.mark.django_db
def test_without_a_franchisee_address_the_sender_is_the_organizer_its_name_the_cn(settings):
    # DEFAULT_FROM_EMAIL carries a name: the URI must hold the address alone.
    settings.DEFAULT_FROM_EMAIL = "Aquatiris <no-reply@xn--exmple-cua.fr>"
    event = _event(invitation(_visit(factories.franchisee(email="")), attendee=STORED))
    assert str(event["ORGANIZER"]) == "mailto:no-reply@xn--exmple-cua.fr"
    assert event["ORGANIZER"].params["CN"] == "Aquatiris"


@given(st.text(st.one_of(st.characters(exclude_categories=["Cs"]), st.sampled_from("^'n\"\r\n\u2028;:,")), max_size=80))
@example('Aquatiris "Côte" ^\'^n^^ ; Rennes: Nord')
@example("Ligne 1\r\nLigne 2\u2028\tfin\x00")
def test_any_name_is_one_quoted_parameter_a_calendar_reads_back(name):
    # What a person sees of it: every character but control ones, a double quote as '.
    line = f"ORGANIZER;CN={param(name)};ROLE=CHAIR:mailto:a@example.org"
    prop = icalendar.Calendar.from_ical(
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n" + line + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).walk("VEVENT")[0]["ORGANIZER"]
    assert str(prop) == "mailto:a@example.org" and prop.params["ROLE"] == "CHAIR"
    typed = name.replace("\r\n", "\n")
    shown = "".join(" " if c in BREAKS else "'" if c == '"' else c for c in typed if c in BREAKS or visible(c))
    assert prop.params["CN"] == shown


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["client", "franchisee", "spanc"])
def test_the_records_lists_of_the_admin_show_addresses_in_unicode(model):
    getattr(factories, model)(email=STORED)
    http = HttpClient()
    staff(http, CUSTOMER_SERVICE)
    response = http.get(reverse(f"aquatiris_portal_{model}_modeladmin_index"))
    assert response.status_code == 200
    text = unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))
    assert SHOWN in text and "xn--" not in text
