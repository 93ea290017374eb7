"""The visit in the client's calendar: "add to my calendar" downloads the
reminder's own .ics (same UID and SEQUENCE, one builder), only for a visit
the client may see; the card says when the reminder comes (or where to turn
reminders on); "move my visit" sends a request "Moving a visit" with the
half-days ticked, through the thread and the franchisee's mail, within the
account's sending limits, naming the visit by date and place only."""

import datetime
from html import unescape

import icalendar
import pytest
from django import forms
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext, ngettext, ngettext_lazy
from hypothesis import given
from hypothesis import strategies as st
from wagtail.models import Site

from aquatiris_portal.digests import visit_reminders
from aquatiris_portal.enquiries import visit_moves
from aquatiris_portal.models import NotificationPreference, OutgoingMail, PortalRequest, Visit
from aquatiris_portal.notifications.tasks import _build_message
from aquatiris_portal.pages.client_space import ClientSpacePage
from tests import factories
from tests.ics import parse_ics

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("portal_public_url")]

TODAY = timezone.localdate()
NOON = timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(12)))
FRANCHISEE_EMAIL = "luc@aquatiris.example"


def make_visit(installation, vid, **kw):
    data = dict(
        external_id=vid,
        installation=installation,
        kind="maintenance",
        visible_to_client=True,
        planned_for=TODAY + datetime.timedelta(days=5),
        slot="morning",
    )
    data.update(kw)
    return Visit.objects.create(**data)


@pytest.fixture
def owner():
    site = Site.objects.get(is_default_site=True)
    page = site.root_page.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))
    franchisee = factories.franchisee(
        company="Aquatiris Ille-et-Vilaine", phone="02 99 00 00 01", email=FRANCHISEE_EMAIL
    )
    client = factories.client()
    installation = factories.installation(
        client=client, franchisee=franchisee, city="Dinan", address_line1="3 rue des Saules"
    )
    user = factories.client_user(client)
    visit = make_visit(installation, "V-UX-1", technician="Julie Morvan")
    http = HttpClient()
    http.force_login(user)
    return {
        "page": page,
        "client": client,
        "installation": installation,
        "user": user,
        "http": http,
        "visit": visit,
        "base": page.url,
    }


def calendar_url(owner, visit):
    return f"{owner['base']}visites/{visit.pk}/agenda/"


def move_url(owner, visit):
    return f"{owner['base']}visites/{visit.pk}/deplacer/"


def html_of(response):
    assert response.status_code == 200, response.status_code
    return unescape(response.content.decode())


def download(owner, visit):
    response = owner["http"].get(calendar_url(owner, visit))
    assert response.status_code == 200
    return response


def event_of(data):
    calendar = icalendar.Calendar.from_ical(data)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    return calendar, events[0]


def reminder_event(mail):
    message = _build_message(mail)
    ((_filename, content, _type),) = message.attachments
    return event_of(content if isinstance(content, bytes) else content.encode())[1]


def test_the_button_downloads_the_reminders_ics_with_its_uid_and_sequence(owner):
    visit = owner["visit"]
    for url in (owner["base"], f"{owner['base']}installations/{owner['installation'].pk}/"):
        assert f'href="{calendar_url(owner, visit)}"' in html_of(owner["http"].get(url))
    response = download(owner, visit)
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;") and ".ics" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"] and response["X-Content-Type-Options"] == "nosniff"
    parse_ics(response.content)  # the strict reading the reminders' tests use: folding, CRLF
    calendar, event = event_of(response.content)
    assert str(event["UID"]) == "visit-V-UX-1@portail.example" and int(event["SEQUENCE"]) == 0
    start = event.decoded("DTSTART")
    assert timezone.localtime(start).date() == visit.planned_for and timezone.localtime(start).hour == 8
    assert str(event["ATTENDEE"]) == f"mailto:{owner['user'].email}"
    assert str(event["ORGANIZER"]) == f"mailto:{FRANCHISEE_EMAIL}"

    # The reminder mail carries the same entry.
    assert visit_reminders.send_due(now=NOON).reminders == 1
    mailed = reminder_event(OutgoingMail.objects.get(key__startswith="visit:"))
    assert (mailed["UID"], mailed["SEQUENCE"]) == (event["UID"], event["SEQUENCE"])
    assert mailed["SUMMARY"] == event["SUMMARY"] and mailed["LOCATION"] == event["LOCATION"]

    # Moved by an export: the download already has the update's SEQUENCE, the update mail the same.
    Visit.objects.filter(pk=visit.pk).update(planned_for=TODAY + datetime.timedelta(days=6))
    _calendar, moved = event_of(download(owner, visit).content)
    assert moved["UID"] == event["UID"] and int(moved["SEQUENCE"]) == 1
    assert visit_reminders.send_due(now=NOON).updates == 1
    update = reminder_event(OutgoingMail.objects.filter(key__startswith="visit:").order_by("pk").last())
    assert (update["UID"], update["SEQUENCE"]) == (moved["UID"], moved["SEQUENCE"])
    # Once sent, the download keeps that SEQUENCE.
    assert int(event_of(download(owner, visit).content)[1]["SEQUENCE"]) == 1


@pytest.mark.parametrize("case", ["other_client", "not_shared", "cancelled", "done", "past", "unknown"])
def test_a_visit_the_client_may_not_see_is_a_404_for_both_routes(owner, case):
    installation = owner["installation"]
    visit = {
        "other_client": lambda: make_visit(factories.installation(), "V-OTHER"),
        "not_shared": lambda: make_visit(installation, "V-HIDDEN", visible_to_client=False),
        "cancelled": lambda: make_visit(installation, "V-CANCELLED", cancelled_at=timezone.now()),
        "done": lambda: make_visit(installation, "V-DONE", done_on=TODAY),
        "past": lambda: make_visit(installation, "V-PAST", planned_for=TODAY - datetime.timedelta(days=1)),
        "unknown": lambda: Visit(pk=Visit.objects.order_by("-pk").first().pk + 1000),
    }[case]()
    assert owner["http"].get(calendar_url(owner, visit)).status_code == 404
    assert owner["http"].get(move_url(owner, visit)).status_code == 404
    assert owner["http"].post(move_url(owner, visit), {"half_days": []}).status_code == 404
    assert not PortalRequest.objects.exists()


def test_anonymous_goes_to_login_and_a_spanc_account_is_refused(owner):
    visit = owner["visit"]
    for url in (calendar_url(owner, visit), move_url(owner, visit)):
        response = HttpClient().get(url)
        assert response.status_code == 302 and "connexion" in response["Location"]
        spanc = HttpClient()
        factories.otp_login(spanc, factories.spanc_user(factories.spanc(email=f"s{len(url)}@example.org")))
        response = spanc.get(url)
        assert response.status_code in (403, 404) and b"BEGIN:VCALENDAR" not in response.content


def queries(callable_):
    with CaptureQueriesContext(connection) as captured:
        callable_()
    return len(captured)


def test_query_counts_do_not_grow_with_visits_or_installations(owner):
    http, base = owner["http"], owner["base"]
    # First requests: the session's and the site's caches filled.
    download(owner, owner["visit"]), http.get(base), http.get(move_url(owner, owner["visit"]))
    one_download = queries(lambda: download(owner, owner["visit"]))
    one_dashboard = queries(lambda: html_of(http.get(base)))
    one_move = queries(lambda: html_of(http.get(move_url(owner, owner["visit"]))))
    for n in range(3):
        installation = factories.installation(client=owner["client"])
        for days in (3, 9, 20):
            make_visit(installation, f"V-MORE-{n}-{days}", planned_for=TODAY + datetime.timedelta(days=days))
    assert queries(lambda: download(owner, owner["visit"])) == one_download
    assert queries(lambda: html_of(http.get(base))) == one_dashboard
    assert queries(lambda: html_of(http.get(move_url(owner, owner["visit"])))) == one_move
    assert one_download <= 8, one_download


def test_the_card_says_when_the_reminder_comes_or_where_to_turn_it_on(owner, settings):
    settings.AQUATIRIS_PORTAL_VISIT_REMINDER_DAYS = 5
    installation_url = f"{owner['base']}installations/{owner['installation'].pk}/"
    coming = ngettext(
        "You will receive an email reminder %(days)s day before, with the invitation for your calendar.",
        "You will receive an email reminder %(days)s days before, with the invitation for your calendar.",
        5,
    ) % {"days": 5}
    for url in (owner["base"], installation_url):
        assert coming in html_of(owner["http"].get(url))
    NotificationPreference.objects.create(user=owner["user"], kind="visit_reminders", enabled=False)
    html = html_of(owner["http"].get(installation_url))
    assert coming not in html
    assert gettext("You turned visit reminders off: no email will come before the visit.") in html
    assert 'href="/portail/compte/notifications/"' in html
    # Once mailed, the card says so.
    NotificationPreference.objects.filter(user=owner["user"]).delete()
    assert visit_reminders.send_due(now=NOON).reminders == 1
    html = html_of(owner["http"].get(installation_url))
    assert gettext("The reminder with the invitation for your calendar was emailed to you.") in html


def test_the_move_form_names_the_visit_by_date_and_place_never_its_id(owner):
    html = html_of(owner["http"].get(move_url(owner, owner["visit"])))
    assert "V-UX-1" not in html
    assert visit_moves.visit_label(owner["visit"]) in html and "3 rue des Saules" in html
    # The contact form's prefill (the former link) names it the same way.
    html = html_of(owner["http"].get(f"{owner['base']}contact/?visit={owner['visit'].pk}"))
    assert "V-UX-1" not in html and owner["installation"].display_name in html


def ticked(owner, count):
    days = visit_moves.working_days(TODAY)
    return [visit_moves.half_day_value(days[n // 2 * 3], visit_moves.HALVES[n % 2]) for n in range(count)]


def test_moving_creates_one_request_with_the_half_days_and_mails_the_franchisee_once(owner):
    chosen = ticked(owner, 2)
    response = owner["http"].post(
        move_url(owner, owner["visit"]), {"half_days": list(reversed(chosen)), "message": "Le portail sera ouvert."}
    )
    portal_request = PortalRequest.objects.get()
    assert response.status_code == 302 and str(portal_request.reference) in response["Location"]
    assert portal_request.subject_label == gettext("Moving a visit")
    assert portal_request.installation == owner["installation"] and portal_request.submitted_by == owner["user"]
    labels = [
        f"{visit_moves.day_label(datetime.date.fromisoformat(value[:10]))}, {gettext(value[11:])}" for value in chosen
    ]
    message = portal_request.message
    assert message.index(labels[0]) < message.index(labels[1])  # calendar order
    assert visit_moves.visit_label(owner["visit"]) in message and "Le portail sera ouvert." in message
    to_franchisee = OutgoingMail.objects.filter(to=[FRANCHISEE_EMAIL])
    assert to_franchisee.count() == 1
    mail = to_franchisee.get()
    assert gettext("Moving a visit") in mail.subject and labels[0] in mail.body_text
    assert OutgoingMail.objects.filter(to=[owner["user"].email]).count() == 1  # the client's copy
    # The thread shows it; the internal id is nowhere.
    thread = html_of(owner["http"].get(response["Location"]))
    assert labels[0] in thread and labels[1] in thread and gettext("Moving a visit") in thread
    for text in (message, thread, mail.subject, mail.body_text, mail.body_html):
        assert "V-UX-1" not in text


INVALID_CHOICE = forms.MultipleChoiceField.default_error_messages["invalid_choice"]
TOO_MANY = ngettext_lazy(
    "Please tick at most %(count)s half-day (you ticked %(ticked)s).",
    "Please tick at most %(count)s half-days (you ticked %(ticked)s).",
    3,
)


@pytest.mark.parametrize(
    "data, error",
    [
        ({}, "Please tick at least one half-day, or type the dates that suit you."),
        ({"half_days": "four"}, TOO_MANY),
        ({"half_days": ["2000-01-01:morning"]}, INVALID_CHOICE),
        ({"half_days": ["weekend"]}, INVALID_CHOICE),
    ],
)
def test_a_wrong_move_form_stores_nothing_and_shows_an_error_summary(owner, data, error):
    if data.get("half_days") == "four":
        data = {"half_days": ticked(owner, 4)}
    if data.get("half_days") == ["weekend"]:
        saturday = TODAY + datetime.timedelta(days=(5 - TODAY.weekday()) % 7 or 7)
        data = {"half_days": [visit_moves.half_day_value(saturday, "morning")]}
    html = html_of(owner["http"].post(move_url(owner, owner["visit"]), data))
    summary = html.split("data-aqp-error-summary", 1)[1].split("</div>", 1)[0]
    assert "autofocus" in html.split("data-aqp-error-summary", 1)[0].rsplit("<div", 1)[1]
    assert 'href="#id_half_days_0"' in summary
    assert gettext(error).split("%")[0] in summary
    assert not PortalRequest.objects.exists() and not OutgoingMail.objects.exists()


def test_typed_dates_alone_are_enough(owner):
    response = owner["http"].post(move_url(owner, owner["visit"]), {"other_dates": "le 12 janvier au matin"})
    assert response.status_code == 302
    assert "le 12 janvier au matin" in PortalRequest.objects.get().message


def test_the_sending_limits_refuse_a_move_and_say_so(owner, settings):
    settings.AQUATIRIS_PORTAL_SEND_LIMIT_PER_HOUR = 1
    assert owner["http"].post(move_url(owner, owner["visit"]), {"half_days": ticked(owner, 1)}).status_code == 302
    mails = OutgoingMail.objects.count()
    html = html_of(owner["http"].post(move_url(owner, owner["visit"]), {"half_days": ticked(owner, 1)}))
    assert "data-aqp-error-summary" in html
    assert (
        gettext(
            "You have sent %(count)s message in the last hour, the most an account may send: this was "
            "not sent. Please send it again a little later; if it is urgent, call your installer."
        ).split("%")[0]
        in html
    )
    assert PortalRequest.objects.count() == 1 and OutgoingMail.objects.count() == mails


@pytest.mark.parametrize(
    "year, easter",
    [(2024, (3, 31)), (2025, (4, 20)), (2026, (4, 5)), (2027, (3, 28)), (2038, (4, 25)), (2285, (3, 22))],
)
def test_easter(year, easter):
    assert visit_moves._easter(year) == datetime.date(year, *easter)


@given(st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2200, 12, 31)))
def test_the_offered_days_are_the_next_working_days_none_skipped(after):
    days = visit_moves.working_days(after)
    assert len(days) == visit_moves.WORKING_DAYS and days == sorted(set(days)) and days[0] > after
    day = after
    while day < days[-1]:
        day += datetime.timedelta(days=1)
        working = day.weekday() < 5 and day not in visit_moves.public_holidays(day.year)
        assert (day in days) == working, day
    assert (days[-1] - after).days <= 15 + 2 * 4 + 4  # three weeks and a few holidays at most


@pytest.mark.parametrize("slot, gone", [("morning", ("morning",)), ("", ("morning", "afternoon"))])
def test_the_visits_own_half_day_is_not_offered(owner, slot, gone):
    day = visit_moves.working_days(TODAY)[1]
    visit = make_visit(owner["installation"], "V-OWN", planned_for=day, slot=slot)
    html = html_of(owner["http"].get(move_url(owner, visit)))
    for half in visit_moves.HALVES:
        assert (f'value="{visit_moves.half_day_value(day, half)}"' in html) == (half not in gone)
    response = owner["http"].post(move_url(owner, visit), {"half_days": [visit_moves.half_day_value(day, gone[0])]})
    assert response.status_code == 200 and not PortalRequest.objects.exists()
