"""Files that mails own (a visit reminder's .ics) are deleted
MAIL_ATTACHMENT_RETENTION_DAYS after the mail was sent; a record's files
attached to a mail (a request's photo) are never touched; an unsent mail
keeps everything; the schedule runs the job."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from aquatiris_portal import schedule
from aquatiris_portal.digests import visit_reminders
from aquatiris_portal.models import OutgoingMail, Visit
from aquatiris_portal.notifications.retention import purge_sent_attachments
from aquatiris_portal.notifications.tasks import deliver_mail
from aquatiris_portal.storage import private_storage
from tests import factories

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture
def reminder_mail(settings):
    """A real visit reminder, delivered (locmem), with its stored .ics."""
    settings.AQUATIRIS_PORTAL_PUBLIC_BASE_URL = "https://portail.example"
    client = factories.client()
    installation = factories.installation(client=client, franchisee=factories.franchisee())
    factories.client_user(client)
    Visit.objects.create(
        external_id="V-1",
        installation=installation,
        kind="maintenance",
        planned_for=timezone.localdate() + datetime.timedelta(days=3),
        visible_to_client=True,
    )
    assert visit_reminders.send_due(force=True).reminders == 1
    mail = OutgoingMail.objects.get()
    deliver_mail(mail.pk)
    mail.refresh_from_db()
    assert mail.status == OutgoingMail.Status.SENT
    [ics] = mail.attachments
    assert private_storage.exists(ics["name"])
    return mail


def _age(mail, days):
    OutgoingMail.objects.filter(pk=mail.pk).update(sent_at=NOW - datetime.timedelta(days=days))


def test_the_ics_of_a_reminder_sent_past_the_retention_is_deleted(reminder_mail, settings):
    settings.AQUATIRIS_PORTAL_MAIL_ATTACHMENT_RETENTION_DAYS = 30
    name = reminder_mail.attachments[0]["name"]
    _age(reminder_mail, 29)
    assert purge_sent_attachments(now=NOW) == 0
    assert private_storage.exists(name)
    _age(reminder_mail, 31)
    assert purge_sent_attachments(now=NOW) == 1
    assert not private_storage.exists(name)
    reminder_mail.refresh_from_db()
    assert reminder_mail.attachments == []  # a resend would not look for a missing file
    assert purge_sent_attachments(now=NOW) == 0


def test_a_records_file_attached_to_a_mail_stays(reminder_mail):
    photo = private_storage.save("requests/photo.jpg", ContentFile(b"jpeg"))
    OutgoingMail.objects.filter(pk=reminder_mail.pk).update(
        attachments=reminder_mail.attachments + [{"name": photo, "filename": "photo.jpg"}]
    )
    _age(reminder_mail, 400)
    assert purge_sent_attachments(now=NOW) == 1
    assert private_storage.exists(photo)
    reminder_mail.refresh_from_db()
    assert [a["name"] for a in reminder_mail.attachments] == [photo]


@pytest.mark.parametrize(
    "status", [OutgoingMail.Status.PENDING, OutgoingMail.Status.FAILED, OutgoingMail.Status.SENDING]
)
def test_an_unsent_mail_keeps_its_ics(reminder_mail, status):
    OutgoingMail.objects.filter(pk=reminder_mail.pk).update(status=status)
    _age(reminder_mail, 400)
    assert purge_sent_attachments(now=NOW) == 0
    assert private_storage.exists(reminder_mail.attachments[0]["name"])


def test_the_notification_schedule_runs_the_purge(reminder_mail):
    _age(reminder_mail, 400)
    reports = dict(schedule.run_due())
    assert reports["aquatiris_portal.notifications.retention.send_due"] == 1
    assert not private_storage.exists(reminder_mail.attachments[0]["name"])
