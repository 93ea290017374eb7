"""Visit reminders: one mail VISIT_REMINDER_DAYS before
a planned visit with date, slot, the franchisee's contact and an .ics
(RFC 5545: parsed here by a strict small parser), once through the queue;
a moved visit sends one update with the same UID and a higher SEQUENCE, a
cancelled one METHOD:CANCEL, a done one nothing; the client's choice is
asked; ``portal_notify --now`` and the schedule's window."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from aquatiris_portal.digests import visit_reminders
from aquatiris_portal.models import NotificationPreference, OutgoingMail, Visit
from aquatiris_portal.notifications.tasks import _build_message
from aquatiris_portal.sync.mapping import delete_records
from tests import factories
from tests.ics import parse_ics

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("portal_public_url")]

TODAY = timezone.localdate()
NOON = timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(12)))


@pytest.fixture
def owner():
    franchisee = factories.franchisee(
        company="Aquatiris Ille-et-Vilaine", phone="02 99 00 00 01", email="luc@aquatiris.example"
    )
    client = factories.client()
    installation = factories.installation(client=client, franchisee=franchisee)
    user = factories.client_user(client)
    visit = Visit.objects.create(
        external_id="V-301",
        installation=installation,
        kind="maintenance",
        planned_for=TODAY + datetime.timedelta(days=5),
        slot="morning",
        technician="Luc Martin",
        visible_to_client=True,
    )
    return {"user": user, "visit": visit, "installation": installation}


def reminder_mails():
    return list(OutgoingMail.objects.filter(key__startswith="visit:").order_by("pk"))


def ics_of(mail):
    message = _build_message(mail)
    ((filename, content, content_type),) = message.attachments
    assert filename.endswith(".ics") and content_type.startswith("text/calendar")
    return parse_ics(content if isinstance(content, bytes) else content.encode()), content_type


def test_one_reminder_with_date_slot_franchisee_and_a_valid_ics(owner):
    report = visit_reminders.send_due(now=NOON)
    assert report.reminders == 1
    (mail,) = reminder_mails()
    assert mail.to == [owner["user"].email]
    assert (
        "Luc Martin" in mail.body_text
        and "02 99 00 00 01" in mail.body_text
        and "luc@aquatiris.example" in mail.body_text
    )
    assert "List-Unsubscribe" in mail.headers
    (calendar, event), content_type = ics_of(mail)
    assert calendar["METHOD"][1] == "REQUEST" and "method=REQUEST" in content_type
    assert event["UID"][1] == "visit-V-301@portail.example" and event["SEQUENCE"][1] == "0"
    start = datetime.datetime.strptime(event["DTSTART"][1], "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.UTC)
    assert timezone.localtime(start).date() == owner["visit"].planned_for and timezone.localtime(start).hour == 8
    # Once: a second run, forced or not, sends nothing.
    assert visit_reminders.send_due(now=NOON).reminders == 0
    assert visit_reminders.send_due(now=NOON, force=True).reminders == 0
    assert len(reminder_mails()) == 1


def test_not_before_the_reminder_days(owner, settings):
    settings.AQUATIRIS_PORTAL_VISIT_REMINDER_DAYS = 3
    assert visit_reminders.send_due(now=NOON).reminders == 0
    settings.AQUATIRIS_PORTAL_VISIT_REMINDER_DAYS = 5
    assert visit_reminders.send_due(now=NOON).reminders == 1


def test_moved_visit_sends_one_update_with_the_same_uid_and_a_higher_sequence(owner):
    visit_reminders.send_due(now=NOON)
    (_cal, first), _type = ics_of(reminder_mails()[0])
    Visit.objects.filter(pk=owner["visit"].pk).update(planned_for=TODAY + datetime.timedelta(days=12), slot="")
    assert visit_reminders.send_due(now=NOON).updates == 1
    assert visit_reminders.send_due(now=NOON).updates == 0
    update = reminder_mails()[1]
    (calendar, event), _type = ics_of(update)
    assert event["UID"] == first["UID"] and int(event["SEQUENCE"][1]) > int(first["SEQUENCE"][1])
    assert calendar["METHOD"][1] == "REQUEST"
    assert event["DTSTART"] == (";VALUE=DATE", f"{TODAY + datetime.timedelta(days=12):%Y%m%d}")
    assert len(reminder_mails()) == 2


def test_cancelled_visit_sends_cancel_with_the_same_uid(owner):
    visit_reminders.send_due(now=NOON)
    delete_records("visit", ["V-301"])
    assert visit_reminders.send_due(now=NOON).cancellations == 1
    cancel = reminder_mails()[1]
    (calendar, event), content_type = ics_of(cancel)
    assert calendar["METHOD"][1] == "CANCEL" and event["STATUS"][1] == "CANCELLED"
    assert event["UID"][1] == "visit-V-301@portail.example" and event["SEQUENCE"][1] == "1"
    assert not Visit.objects.filter(external_id="V-301").exists()
    assert visit_reminders.send_due(now=NOON).cancellations == 0


def test_a_done_visit_sends_nothing(owner):
    visit_reminders.send_due(now=NOON)
    Visit.objects.filter(pk=owner["visit"].pk).update(done_on=TODAY, planned_for=TODAY + datetime.timedelta(days=1))
    report = visit_reminders.send_due(now=NOON)
    assert (report.reminders, report.updates, report.cancellations) == (0, 0, 0)
    assert len(reminder_mails()) == 1


def test_a_visit_not_shared_with_the_client_or_turned_off_sends_nothing(owner):
    NotificationPreference.objects.create(user=owner["user"], kind="visit_reminders", enabled=False)
    assert visit_reminders.send_due(now=NOON).reminders == 0
    NotificationPreference.objects.filter(user=owner["user"]).delete()
    Visit.objects.filter(pk=owner["visit"].pk).update(visible_to_client=False)
    assert visit_reminders.send_due(now=NOON).reminders == 0
    assert not reminder_mails()


def test_a_visit_unshared_after_it_was_found_due_sends_nothing(owner):
    """The row is asked for again under the lock: an export that stopped
    sharing the visit in between wins."""
    [due] = visit_reminders.due_visits(TODAY)
    Visit.objects.filter(pk=due.pk).update(visible_to_client=False)
    assert visit_reminders.send_for_visit(due, NOON) is None
    assert not reminder_mails()


def test_the_schedule_waits_for_the_day_and_portal_notify_now_does_not(owner):
    night = timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(3)))
    assert visit_reminders.send_due(now=night).reminders == 0
    out = io.StringIO()
    call_command("portal_notify", "--now", stdout=out)
    assert "1 visit reminder" in out.getvalue()
    call_command("portal_notify", "--now", stdout=io.StringIO())
    assert len(reminder_mails()) == 1


def test_monthly_seasonal_tasks_mail_is_opt_in_and_once_a_month(owner):
    from aquatiris_portal.digests import seasonal_reminders
    from aquatiris_portal.models import SeasonalTask
    from aquatiris_portal.notifications.preferences import set_preference

    SeasonalTask.objects.create(
        title="Faucarder les roseaux", text="Coupez les tiges à 20 cm.", months=str(TODAY.month)
    )
    assert seasonal_reminders.send_due(now=NOON).mails == 0  # off by default
    set_preference(owner["user"], "seasonal_tasks", True)
    assert seasonal_reminders.send_due(now=NOON).mails == 1
    assert seasonal_reminders.send_due(now=NOON, force=True).mails == 0
    (mail,) = OutgoingMail.objects.filter(key__startswith="seasonal:")
    assert "Faucarder les roseaux" in mail.body_text and "List-Unsubscribe" in mail.headers
    assert mail.key == f"seasonal:{owner['user'].pk}:{TODAY:%Y-%m}"
