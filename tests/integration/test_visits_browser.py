"""Visits in Chromium on the real stack:

1. an export (exchange format, imported by ``portal_sync``) brings a client
   whose installation is under an active maintenance contract, with a done
   visit and its report (shared with the SPANC), a visit planned in 5 days
   (shared) and a done visit for the client only; its SPANC's territory
   holds installations maintained long ago, never, and recently, and
   another SPANC's holds one maintained long ago;
2. the client logs in through the login form and sees the next visit (date,
   slot, kind, technician) on the dashboard and the installation page, the
   maintenance log with both done visits, and downloads the report (a PDF);
3. ``portal_notify --now`` sends one reminder through Redis, a dramatiq
   worker and the SMTP sink, with an .ics invitation read here; a second run
   sends nothing;
4. a later export moves the visit: one update, same UID, higher SEQUENCE,
   the new date;
5. the SPANC logs in with its password and the emailed code: the folder
   shows the shared visits, never the client-only one; the filter "no
   maintenance for more than 24 months" lists exactly its two overdue folders.

Every new screen is shot at 1280 and 360 px (no sideways scroll) and passes
axe-core at both widths (any impact fails, as in test_a11y.py)."""

import datetime
import io
import re
import time

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from tests.exports import make_pdf, sha256, write_export
from tests.ics import parse_ics
from tests.integration.screens import shoot

from .conftest import wait_until
from .test_a11y import allowed_rules, run_axe

pytestmark = [pytest.mark.integration, pytest.mark.browser]

PASSWORD = "correct-Horse-battery-9"  # tests.factories.user's
CLIENT_EMAIL, SPANC_EMAIL = "anne.le-roux@example.org", "spanc.territoire@example.org"
FRANCHISEE_PHONE = "02 99 00 00 17"
SHARED_SUMMARY = "Filtre vérifié, roseaux faucardés."
PRIVATE_SUMMARY = "Réparation du regard, visite réservée au client."
MAIL_QUEUE = "aquatiris_mail"  # notifications/tasks.py: deliver_mail's queue


def address(line1, postcode, city):
    return {"line1": line1, "line2": "", "postcode": postcode, "city": city}


def first_export(today, add_months):
    """(records, files) of the export that starts the story."""
    report, private_report = make_pdf("Rapport d'entretien"), make_pdf("Rapport de réparation")
    files = {"files/D-V-REPORT.pdf": report, "files/D-V-PRIVATE.pdf": private_report}
    day = lambda delta: (today + datetime.timedelta(days=delta)).isoformat()  # noqa: E731
    months_ago = lambda n: add_months(today, -n).isoformat()  # noqa: E731
    records = [
        {
            "type": "franchisee",
            "id": "F-V",
            "company": "Aquatiris Ille-et-Vilaine",
            "first_name": "Luc",
            "last_name": "Martin",
            "email": "luc.martin@aquatiris.example",
            "phone": FRANCHISEE_PHONE,
        },
        {
            "type": "spanc",
            "id": "S-V",
            "code": "PRO-V17",
            "name": "SPANC du Pays de Rance",
            "email": SPANC_EMAIL,
            "address": address("1 place de la Mairie", "22100", "Dinan"),
        },
        {
            "type": "spanc",
            "id": "S-V-OTHER",
            "code": "PRO-V18",
            "name": "SPANC du Pays de Vannes",
            "email": "spanc.vannes@example.org",
            "address": address("2 rue du Port", "56000", "Vannes"),
        },
        {
            "type": "client",
            "id": "C-V",
            "code": "CLI-V17",
            "first_name": "Anne",
            "last_name": "Le Roux",
            "email": CLIENT_EMAIL,
            "phone": "06 00 00 00 17",
            "address": address("3 rue des Saules", "22100", "Dinan"),
        },
        {
            "type": "installation",
            "id": "I-V",
            "client": "C-V",
            "franchisee": "F-V",
            "spanc": "S-V",
            "reference": "AQ-2022-1701",
            "label": "Filtre planté de roseaux 5 EH",
            "address": address("3 rue des Saules", "22100", "Dinan"),
            "installed_on": months_ago(40),
            "stage": "maintenance",
            "maintenance_contract": {"status": "active", "until": day(200), "every_months": 12},
        },
        {
            "type": "document",
            "id": "D-V-REPORT",
            "installation": "I-V",
            "theme": "entretien",
            "title": "Rapport d'entretien",
            "file": "files/D-V-REPORT.pdf",
            "sha256": sha256(report),
            "issued_on": day(-40),
            "visible_to": ["client", "spanc"],
        },
        {
            "type": "document",
            "id": "D-V-PRIVATE",
            "installation": "I-V",
            "theme": "entretien",
            "title": "Rapport de réparation",
            "file": "files/D-V-PRIVATE.pdf",
            "sha256": sha256(private_report),
            "issued_on": day(-20),
            "visible_to": ["client"],
        },
        {
            "type": "visit",
            "id": "V-DONE",
            "installation": "I-V",
            "kind": "maintenance",
            "done_on": day(-40),
            "technician": "Luc Martin",
            "summary": SHARED_SUMMARY,
            "report_document": "D-V-REPORT",
            "visible_to": ["client", "spanc"],
        },
        {
            "type": "visit",
            "id": "V-PLANNED",
            "installation": "I-V",
            "kind": "emptying",
            "planned_for": day(5),
            "slot": "morning",
            "done_on": None,
            "technician": "Julie Morvan",
            "summary": None,
            "report_document": None,
            "visible_to": ["client", "spanc"],
        },
        {
            "type": "visit",
            "id": "V-PRIVATE",
            "installation": "I-V",
            "kind": "repair",
            "done_on": day(-20),
            "technician": "Luc Martin",
            "summary": PRIVATE_SUMMARY,
            "report_document": "D-V-PRIVATE",
            "visible_to": ["client"],
        },
    ]
    # The rest of the territory, and one folder of another territory.
    others = {  # id: (last name, spanc, installed months ago, maintenance done months ago or None)
        "OLD": ("Abgrall", "S-V", 60, 30),  # overdue: maintained 30 months ago
        "NEVER": ("Cadiou", "S-V", 40, None),  # overdue: installed 40 months ago, never maintained
        "RECENT": ("Bihan", "S-V", 60, 3),  # maintained 3 months ago: not overdue
        "ELSEWHERE": ("Ailleurs", "S-V-OTHER", 60, 30),  # overdue, but not on the territory
    }
    for n, (key, (name, spanc, installed, maintained)) in enumerate(others.items()):
        records += [
            {
                "type": "client",
                "id": f"C-V-{key}",
                "code": f"CLI-V-{key}",
                "first_name": "Paul",
                "last_name": name,
                "email": f"{name.lower()}@example.org",
                "address": address(f"{n} rue du Lavoir", "22100", "Dinan"),
            },
            {
                "type": "installation",
                "id": f"I-V-{key}",
                "client": f"C-V-{key}",
                "franchisee": "F-V",
                "spanc": spanc,
                "reference": f"AQ-2020-17{n:02d}",
                "address": address(f"{n} rue du Lavoir", "22100", "Dinan"),
                "installed_on": months_ago(installed),
                "stage": "maintenance",
            },
        ]
        if maintained is not None:
            records.append(
                {
                    "type": "visit",
                    "id": f"V-{key}",
                    "installation": f"I-V-{key}",
                    "kind": "maintenance",
                    "done_on": months_ago(maintained),
                    "visible_to": ["client", "spanc"],
                }
            )
    return records, files


def gettext_kind(kind):
    """The label of a visit kind, in the active language."""
    from aquatiris_portal.models import Visit

    return str(Visit(kind=kind).get_kind_display())


def import_exports(folder):
    from aquatiris_portal.models import QuarantinedRecord

    call_command("portal_sync", str(folder), stdout=io.StringIO())
    quarantined = list(QuarantinedRecord.objects.values_list("record_type", "record_id", "reason"))
    assert not quarantined, quarantined


def drained(sink):
    """Every mail queued so far is through the worker (the Redis queue, with
    the messages in flight, is empty) and in the sink: its messages."""
    import dramatiq

    from aquatiris_portal.models import OutgoingMail

    dramatiq.get_broker().join(MAIL_QUEUE, timeout=30_000)
    wait_until(lambda: not OutgoingMail.objects.exclude(status="sent").exists(), 30, "every queued mail sent")
    wait_until(lambda: len(sink.messages) >= OutgoingMail.objects.count(), 10, "every sent mail in the sink")
    return list(sink.messages)


def calendar_part(message):
    parts = [part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"]
    assert len(parts) <= 1, [part.get_filename() for part in parts]
    return parts[0] if parts else None


def event_start(event):
    """DTSTART as a local datetime (timed, in UTC) or a date (all day)."""
    params, value = event["DTSTART"]
    if params == ";VALUE=DATE":
        return datetime.datetime.strptime(value, "%Y%m%d").date()
    moment = datetime.datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.UTC)
    return timezone.localtime(moment)


def invitation(message):
    part = calendar_part(message)
    assert part.get_filename().endswith(".ics")
    calendar, event = parse_ics(part.get_payload(decode=True), crlf=False)
    assert part.get_param("method") == calendar["METHOD"][1]
    return calendar, event


def check_axe(page, name, failures, allowed):
    """axe-core at 1280 and 360 px; violations not in axe_allowed.json are collected."""
    for width in (1280, 360):
        page.set_viewport_size({"width": width, "height": 900})
        for violation in run_axe(page):
            if violation["id"] not in allowed:
                failures.append(
                    f"{name} at {width}px: [{violation['impact']}] {violation['id']} — "
                    f"{violation['help']} ({' | '.join(violation['nodes'])})"
                )
    page.set_viewport_size({"width": 1280, "height": 900})


def login_code(sink, address):
    """The 6-digit code of the latest mail to ``address`` that holds one."""

    def found():
        for message in reversed(sink.messages):
            if address in message["To"]:
                match = re.search(r"\b(\d{6})\b", message.get_body(preferencelist=("plain",)).get_content())
                if match:
                    return match.group(1)
        return None

    return wait_until(found, 30, f"login code mailed to {address}")


def site_with_spaces(root):
    """The default site (a transactional test before may have flushed it)
    with the client space and the pro space under its home page."""
    from wagtail.models import Page, Site

    from aquatiris_portal.pages.client_space import ClientSpacePage
    from aquatiris_portal.pages.pro_space import ProSpacePage

    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        home = root.add_child(instance=Page(title="Accueil", slug="accueil"))
        site = Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)
    site.root_page.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))
    site.root_page.add_child(instance=ProSpacePage(title="Espace pro", slug="espace-pro"))


@pytest.mark.django_db(transaction=True)
def test_visits_reach_the_client_their_calendar_and_the_spanc(
    live_server,
    wagtail_root,
    page,
    smtp_settings,
    redis_worker,
    settings,
    tmp_path,
    stack_report,
):
    from django.utils.formats import date_format
    from django_otp.plugins.otp_email.models import EmailDevice

    from aquatiris_portal.models import Client, Installation, PortalDocument, Spanc, Visit
    from aquatiris_portal.pages.client_visits import add_months
    from aquatiris_portal.templatetags.portal_text import portal_date
    from tests import factories

    started = time.monotonic()
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.AQUATIRIS_PORTAL_PRIVATE_ROOT = str(tmp_path / "private")
    settings.AQUATIRIS_PORTAL_PUBLIC_BASE_URL = live_server.url
    base, sink = live_server.url, smtp_settings
    today = timezone.localdate()
    planned, moved_to = today + datetime.timedelta(days=5), today + datetime.timedelta(days=12)
    site_with_spaces(wagtail_root)
    allowed, axe_failures = allowed_rules(), []

    # 1. The export, imported by the real command.
    records, files = first_export(today, add_months)
    write_export(tmp_path / "exports", 1, records, files)
    import_exports(tmp_path / "exports")
    installation = Installation.objects.get(external_id="I-V")
    assert installation.has_active_contract and installation.last_maintenance_on == today - datetime.timedelta(40)
    report = PortalDocument.objects.get(external_id="D-V-REPORT")
    private_report = PortalDocument.objects.get(external_id="D-V-PRIVATE")
    factories.client_user(Client.objects.get(external_id="C-V"))
    spanc_user = factories.spanc_user(Spanc.objects.get(external_id="S-V"))
    EmailDevice.objects.create(user=spanc_user, name="email", confirmed=True)  # as portal_demo gives a SPANC

    with translation.override("fr"):
        next_visit = [gettext_kind("emptying"), portal_date(planned), translation.gettext("morning"), "Julie Morvan"]
        done_kind, private_kind = gettext_kind("maintenance"), gettext_kind("repair")
        short = lambda day: date_format(day, "SHORT_DATE_FORMAT")  # noqa: E731

    # 2. The client logs in through the form and finds the next visit.
    page.goto(base + "/espace-client/")
    assert "/portail/connexion/" in page.url
    page.fill("input[name=email]", CLIENT_EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.aqp-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/espace-client/$"))
    card = page.locator(".aqp-installation-card", has_text=installation.reference)
    card_visit = card.locator(".aqp-next-visit").inner_text()
    for text in next_visit:
        assert text in card_visit, (text, card_visit)
    # The card says the contract runs, and offers no contract request.
    with translation.override("fr"):
        running = translation.gettext("Active until %(date)s") % {"date": portal_date(today + datetime.timedelta(200))}
    assert running in card.locator("dl.aqp-facts").inner_text()
    assert card.locator('dl.aqp-facts a[href*="/contrat-entretien/"]').count() == 0
    shoot(page, "visits-client-dashboard")
    check_axe(page, "client dashboard", axe_failures, allowed)

    page.click(f'.aqp-installation-card h3 a[href$="/installations/{installation.pk}/"]')
    page.wait_for_url(re.compile(rf".*/installations/{installation.pk}/$"))
    section_visit = page.locator("section:has(#next-visit-heading) .aqp-next-visit").inner_text()
    for text in next_visit:
        assert text in section_visit, (text, section_visit)
    assert running in page.locator("section:has(#contract-heading)").inner_text()
    log = page.locator("section.aqp-maintenance-log")
    entries = log.locator("ol.aqp-log > li").all_inner_texts()
    assert len(entries) == 2, entries  # the client sees both done visits, newest first
    assert PRIVATE_SUMMARY in entries[0] and private_kind in entries[0], entries
    assert SHARED_SUMMARY in entries[1] and done_kind in entries[1], entries
    report_link = log.locator(f'a[href="/portail/documents/{report.pk}/"]')
    assert report_link.count() == 1 and log.locator(f'a[href="/portail/documents/{private_report.pk}/"]').count() == 1
    with page.expect_download() as download_info:
        report_link.click()
    assert download_info.value.path().read_bytes().startswith(b"%PDF")
    response = page.context.request.get(f"{base}/portail/documents/{report.pk}/")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    shoot(page, "visits-client-installation")
    check_axe(page, "client installation with visits", axe_failures, allowed)

    # 3. The reminder: one mail through Redis and the worker, with an invitation.
    before = len(drained(sink))
    call_command("portal_notify", "--now", stdout=io.StringIO())
    messages = drained(sink)[before:]
    reminders = [m for m in messages if calendar_part(m) is not None]
    assert len(reminders) == 1, [(m["To"], m["Subject"]) for m in messages]
    reminder = reminders[0]
    alongside = [message["Subject"] for message in messages if message is not reminder]  # e.g. the documents digest
    assert reminder["To"] == CLIENT_EMAIL
    assert reminder["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = reminder.get_body(preferencelist=("plain",)).get_content()
    for value in (*next_visit, FRANCHISEE_PHONE, installation.display_name):
        assert value in text, value
    calendar, event = invitation(reminder)
    assert calendar["VERSION"][1] == "2.0" and calendar["METHOD"][1] == "REQUEST"
    assert event["UID"][1].startswith("visit-V-PLANNED@") and event["SEQUENCE"][1] == "0"
    start = event_start(event)
    assert start.date() == planned and start.hour == 8, start  # morning: 8:00 local time
    assert event["ATTENDEE"][1] == f"mailto:{CLIENT_EMAIL}"
    # Again: nothing more, once the queue is drained.
    call_command("portal_notify", "--now", stdout=io.StringIO())
    assert len(drained(sink)) == before + len(messages)

    # 4. A later export moves the visit: one update of the same calendar entry.
    moved = next(r for r in records if r.get("id") == "V-PLANNED")
    write_export(tmp_path / "exports", 2, [{**moved, "planned_for": moved_to.isoformat()}])
    import_exports(tmp_path / "exports")
    assert Visit.objects.get(external_id="V-PLANNED").planned_for == moved_to
    before = len(drained(sink))
    call_command("portal_notify", "--now", stdout=io.StringIO())
    messages = drained(sink)[before:]
    assert len(messages) == 1, [(m["To"], m["Subject"]) for m in messages]
    update = messages[0]
    assert update["To"] == CLIENT_EMAIL
    with translation.override("fr"):
        assert (
            portal_date(moved_to) in update["Subject"]
            and portal_date(moved_to) in update.get_body(preferencelist=("plain",)).get_content()
        )
    moved_calendar, moved_event = invitation(update)
    assert moved_calendar["METHOD"][1] == "REQUEST"
    assert moved_event["UID"] == event["UID"]
    assert int(moved_event["SEQUENCE"][1]) > int(event["SEQUENCE"][1])
    assert event_start(moved_event).date() == moved_to

    # 5. The SPANC: password, then the emailed code.
    page.context.clear_cookies()
    page.goto(base + "/espace-pro/")
    assert "/portail/connexion/" in page.url
    page.fill("input[name=email]", SPANC_EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(re.compile(r".*/connexion/verification/.*"))
    page.fill("input[name=code]", login_code(sink, SPANC_EMAIL))
    page.press("input[name=code]", "Enter")
    page.wait_for_url(re.compile(r".*/espace-pro/$"))
    territory = {row.strip() for row in page.locator("table.aqp-folders tbody th[scope=row] a").all_inner_texts()}
    assert territory == {"Le Roux Anne", "Abgrall Paul", "Cadiou Paul", "Bihan Paul"}, territory

    page.goto(f"{base}/espace-pro/dossiers/{installation.pk}/")
    visits = page.locator("section.aqp-pro-visits")
    shown = visits.locator("li.aqp-pro-doc").all_inner_texts()
    assert len(shown) == 2, shown  # the done visit and the planned one, not the client's only
    assert any(
        SHARED_SUMMARY in item and done_kind in item and short(today - datetime.timedelta(40)) in item for item in shown
    ), shown
    assert any(next_visit[0] in item and short(moved_to) in item for item in shown), shown
    assert PRIVATE_SUMMARY not in page.content()
    assert visits.locator(f'a[href="/portail/documents/{report.pk}/"]').count() == 1
    assert f"/portail/documents/{private_report.pk}/" not in page.content()
    visits.scroll_into_view_if_needed()
    shoot(page, "visits-pro-folder")
    check_axe(page, "pro folder with visits", axe_failures, allowed)

    page.goto(base + "/espace-pro/")
    page.select_option("#aqp-folder-overdue", "24")
    page.click(".aqp-maintenance-filter button[type=submit]")
    page.wait_for_url(re.compile(r".*[?&]overdue=24(&|$)"))
    overdue = sorted(row.strip() for row in page.locator("table.aqp-folders tbody th[scope=row] a").all_inner_texts())
    assert overdue == ["Abgrall Paul", "Cadiou Paul"], overdue
    references = page.locator("table.aqp-folders tbody td[data-label]:nth-of-type(3)").all_inner_texts()
    assert sorted(references) == ["AQ-2020-1700", "AQ-2020-1701"], references
    shoot(page, "visits-pro-overdue-folders")
    check_axe(page, "pro folder list filtered by maintenance", axe_failures, allowed)

    assert not axe_failures, "axe-core violations not in axe_allowed.json:\n" + "\n".join(axe_failures)
    stack_report(
        f"visits: client saw the next visit and the log, downloaded the report; portal_notify --now sent 1 "
        f"reminder (.ics UID {event['UID'][1]}, SEQUENCE {event['SEQUENCE'][1]}) via Redis + worker + SMTP "
        f"(alongside: {alongside}), then nothing; the moved visit 1 update "
        f"(SEQUENCE {moved_event['SEQUENCE'][1]}); the SPANC's folder showed 2 "
        f"shared visits, the 24-month filter {len(overdue)} folders; axe-core clean on 4 screens at 1280/360 px "
        f"({time.monotonic() - started:.1f}s)"
    )
