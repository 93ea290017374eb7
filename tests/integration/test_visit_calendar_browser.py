"""The visit in the client's calendar, in Chromium at 360 px on the real
stack (PostgreSQL): on the installation page the client reads when the
reminder comes, clicks "Ajouter à mon agenda" and gets the reminder's .ics
(same UID), then "Déplacer ma visite": the form names the visit by date and
place (never its internal id), a send with nothing ticked shows the error
summary, focused; ticking two half-days sends a request "Déplacement de
visite" the thread shows, mailed once to the franchisee. axe-core at every
impact level is 0 on the form (empty and with errors) at 360 and 1280 px.

The installation's visit card is shot at 360 px (docs/screenshots/
visit-card-after-360.png with PORTAL_UPDATE_SCREENSHOTS=1; the "before" one
was shot by the same steps on the code before, up to the card)."""

import datetime
import re
from urllib.parse import urlsplit

import icalendar
import pytest
from django.conf import settings as django_settings
from django.utils import timezone, translation

from tests.ics import parse_ics
from tests.integration.screens import screenshot_dir, shoot

from .test_a11y import run_axe, session_cookie
from .test_visits_browser import site_with_spaces

pytestmark = [pytest.mark.integration, pytest.mark.browser]

PHONE = {"width": 360, "height": 740}
FRANCHISEE_EMAIL = "luc.martin@aquatiris.example"


def axe_clean(page, name):
    """axe-core violations of any impact at 360 and 1280 px (none allowed here)."""
    found = []
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        found += [
            f"{name} at {width}px: [{v['impact']}] {v['id']} — {v['help']} ({' | '.join(v['nodes'])})"
            for v in run_axe(page)
        ]
    page.set_viewport_size(PHONE)
    return found


@pytest.mark.django_db(transaction=True)
def test_the_client_adds_the_visit_to_a_calendar_and_asks_to_move_it(
    live_server,
    wagtail_root,
    page,
    settings,
    tmp_path,
    stack_report,
):
    from aquatiris_portal.enquiries.visit_moves import day_label, working_days
    from aquatiris_portal.models import OutgoingMail, PortalRequest, Visit
    from tests import factories

    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.AQUATIRIS_PORTAL_PRIVATE_ROOT = str(tmp_path / "private")
    settings.AQUATIRIS_PORTAL_PUBLIC_BASE_URL = live_server.url
    base = live_server.url
    site_with_spaces(wagtail_root)
    franchisee = factories.franchisee(company="Aquatiris Ille-et-Vilaine", email=FRANCHISEE_EMAIL)
    client = factories.client()
    installations = [
        factories.installation(client=client, franchisee=franchisee, city=city, address_line1=line)
        for city, line in (("Dinan", "3 rue des Saules"), ("Léhon", "Le Bas Courtil"), ("Taden", "La Ville Ès Nonais"))
    ]
    installation = installations[0]
    user = factories.client_user(client)
    planned = timezone.localdate() + datetime.timedelta(days=9)
    visit = Visit.objects.create(
        external_id="V-UX-1",
        installation=installation,
        kind="maintenance",
        planned_for=planned,
        slot="afternoon",
        technician="Julie Morvan",
        visible_to_client=True,
    )
    with translation.override("fr"):
        reminder_line = translation.ngettext(
            "You will receive an email reminder %(days)s day before, with the invitation for your calendar.",
            "You will receive an email reminder %(days)s days before, with the invitation for your calendar.",
            7,
        ) % {"days": 7}
        subject = translation.gettext("Moving a visit")
        days = working_days(timezone.localdate())
        wanted = [
            f"{day_label(days[2])}, {translation.gettext('morning')}",
            f"{day_label(days[6])}, {translation.gettext('morning')}",
        ]  # the visit is an afternoon
    assert reminder_line.startswith("Vous recevrez un rappel par e-mail 7 jours avant")

    page.set_viewport_size(PHONE)
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": session_cookie(user, verified=False), "url": base}]
    )
    page.goto(f"{base}/espace-client/installations/{installation.pk}/")
    card = page.locator("section:has(#next-visit-heading)")
    card.scroll_into_view_if_needed()
    folder = screenshot_dir()
    folder.mkdir(parents=True, exist_ok=True)
    card.screenshot(path=str(folder / "visit-card-after-360.png"))
    shoot(page, "visit-card-installation", widths=(360,))

    # When the reminder comes, in words.
    assert reminder_line in card.inner_text()

    # "Ajouter à mon agenda": the download is the reminder's invitation.
    with page.expect_download() as download_info:
        card.get_by_role("link", name=re.compile("^Ajouter à mon agenda")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".ics")
    data = download.path().read_bytes()
    parse_ics(data)
    event = icalendar.Calendar.from_ical(data).walk("VEVENT")[0]
    assert str(event["UID"]) == f"visit-V-UX-1@{urlsplit(live_server.url).hostname}"
    assert timezone.localtime(event.decoded("DTSTART")).date() == planned

    # "Déplacer ma visite": the visit by date and place, never the internal id.
    card.get_by_role("link", name=re.compile("^Déplacer ma visite")).click()
    page.wait_for_url(re.compile(rf".*/visites/{visit.pk}/deplacer/$"))
    assert "V-UX-1" not in page.content()
    assert "Dinan" in page.locator("main").inner_text() and "3 rue des Saules" in page.locator("main").inner_text()
    failures = axe_clean(page, "move form")
    shoot(page, "visit-move-form", widths=(360,))

    # Nothing ticked: the error summary, focused, says what to do.
    page.get_by_role("button", name="Envoyer ma demande de déplacement").click()
    page.wait_for_load_state()
    summary = page.locator("[data-aqp-error-summary]")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.hasAttribute('data-aqp-error-summary')")
    assert "Cochez au moins une demi-journée" in summary.inner_text()
    failures += axe_clean(page, "move form with errors")
    assert not PortalRequest.objects.exists()

    for label in wanted:
        page.get_by_label(label, exact=True).check()
    page.get_by_role("button", name="Envoyer ma demande de déplacement").click()
    page.wait_for_url(re.compile(r".*/demandes/[0-9a-f-]+/$"))
    main = page.locator("main").inner_text()
    assert subject in main and wanted[0] in main and wanted[1] in main and "V-UX-1" not in main
    portal_request = PortalRequest.objects.get()
    assert portal_request.subject_label == subject
    assert OutgoingMail.objects.filter(to=[FRANCHISEE_EMAIL]).count() == 1
    shoot(page, "visit-move-request", widths=(360,))

    assert not failures, "axe-core violations:\n" + "\n".join(failures)
    stack_report(
        f"visit calendar: the .ics download (UID {event['UID']}) at 360 px, the move form sent "
        f"2 half-days as '{subject}', 1 mail to the franchisee; axe-core 0 on the form and its errors"
    )
