"""Personal data is kept no longer than its use (RGPD storage limitation,
docs/operations.md "What is kept, and for how long"): the text of sent mails is erased
MAIL_BODY_RETENTION_DAYS after sending, reply link uses (IP, browser) and
dead reply links are deleted REPLY_LINK_USE_RETENTION_DAYS on, delivered
outbox events (their payloads) OUTBOX_RETENTION_DAYS on; what is still
owed (unsent mails, undelivered events) is never touched; the notification
schedule runs every purge; each purge is bounded per run."""

import datetime

import pytest
from django.utils import timezone

from aquatiris_portal import schedule
from aquatiris_portal.enquiries import links
from aquatiris_portal.enquiries import retention as link_retention
from aquatiris_portal.models import (
    OutboxEvent,
    OutgoingMail,
    PortalRequest,
    ReplyLink,
    ReplyLinkUse,
)
from aquatiris_portal.notifications import retention as mail_retention
from aquatiris_portal.sync import retention as outbox_retention
from tests import factories

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def days_ago(days):
    return NOW - datetime.timedelta(days=days)


def mail(key, status=OutgoingMail.Status.SENT, sent_days_ago=0, body="Anne Durand, 06 00 00 00 01"):
    return OutgoingMail.objects.create(
        key=key,
        to=["luc.martin@example.org"],
        subject="Demande",
        body_text=body,
        body_html=f"<p>{body}</p>",
        status=status,
        sent_at=days_ago(sent_days_ago) if status == OutgoingMail.Status.SENT else None,
    )


def test_sent_mails_lose_their_text_after_the_retention(settings):
    settings.AQUATIRIS_PORTAL_MAIL_BODY_RETENTION_DAYS = 30
    recent, old = mail("recent", sent_days_ago=29), mail("old", sent_days_ago=31)
    assert mail_retention.blank_old_bodies(now=NOW) == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.body_text == mail_retention.BODY_ERASED and old.body_html == ""
    assert "Anne Durand" not in old.subject + old.body_text
    assert old.to == ["luc.martin@example.org"] and old.sent_at is not None  # what went to whom, and when
    assert recent.body_text == "Anne Durand, 06 00 00 00 01"
    assert mail_retention.blank_old_bodies(now=NOW) == 0  # done once


@pytest.mark.parametrize(
    "status", [OutgoingMail.Status.PENDING, OutgoingMail.Status.FAILED, OutgoingMail.Status.SENDING]
)
def test_an_unsent_mail_keeps_its_text(status):
    unsent = mail("unsent", status=status)
    OutgoingMail.objects.filter(pk=unsent.pk).update(created_at=days_ago(400))
    assert mail_retention.blank_old_bodies(now=NOW) == 0
    unsent.refresh_from_db()
    assert unsent.body_text == "Anne Durand, 06 00 00 00 01"


def test_the_mail_retention_is_a_setting(settings):
    old = mail("old", sent_days_ago=10)
    settings.AQUATIRIS_PORTAL_MAIL_BODY_RETENTION_DAYS = 0  # kept for ever
    assert mail_retention.blank_old_bodies(now=NOW) == 0
    settings.AQUATIRIS_PORTAL_MAIL_BODY_RETENTION_DAYS = 7
    assert mail_retention.blank_old_bodies(now=NOW) == 1
    old.refresh_from_db()
    assert old.body_text == mail_retention.BODY_ERASED


def test_the_purge_is_bounded_per_run(settings, monkeypatch):
    monkeypatch.setattr(mail_retention, "BATCH", 2)
    monkeypatch.setattr(mail_retention, "MAX_BATCHES", 2)
    for index in range(5):
        mail(f"old-{index}", sent_days_ago=60)
    assert mail_retention.blank_old_bodies(now=NOW) == 4
    assert mail_retention.blank_old_bodies(now=NOW) == 1  # the next run goes on


@pytest.fixture
def portal_request():
    client = factories.client()
    installation = factories.installation(client=client)
    portal_request = PortalRequest(
        kind=PortalRequest.Kind.QUESTION, client=client, installation=installation, message="Bonjour"
    )
    portal_request.fill_recap()
    portal_request.save()
    return portal_request


def use(portal_request, days):
    return ReplyLinkUse.objects.create(
        request=portal_request,
        email="luc.martin@example.org",
        action="view",
        ip="203.0.113.7",
        user_agent="Firefox",
        created_at=days_ago(days),
    )


def test_reply_link_uses_are_deleted_after_the_retention(portal_request, settings):
    settings.AQUATIRIS_PORTAL_REPLY_LINK_USE_RETENTION_DAYS = 90
    recent, old = use(portal_request, 89), use(portal_request, 91)
    assert link_retention.purge_link_traces(now=NOW) == (1, 0)
    assert list(ReplyLinkUse.objects.all()) == [recent]
    assert not ReplyLinkUse.objects.filter(pk=old.pk).exists()


def test_dead_reply_links_are_deleted_as_long_after_they_died(portal_request, settings):
    settings.AQUATIRIS_PORTAL_REPLY_LINK_USE_RETENTION_DAYS = 90
    franchisee = portal_request.installation.franchisee
    for _ in range(4):
        links.issue_reply_link(portal_request, franchisee)
    live, expired_recently, expired_long_ago, revoked_long_ago = ReplyLink.objects.order_by("pk")
    ReplyLink.objects.filter(pk=expired_recently.pk).update(expires_at=days_ago(89))
    ReplyLink.objects.filter(pk=expired_long_ago.pk).update(expires_at=days_ago(91))
    ReplyLink.objects.filter(pk=revoked_long_ago.pk).update(revoked_at=days_ago(91))
    assert link_retention.purge_link_traces(now=NOW) == (0, 2)
    assert set(ReplyLink.objects.values_list("pk", flat=True)) == {live.pk, expired_recently.pk}


def event(status, days, delivered=True):
    created = days_ago(days)
    return OutboxEvent.objects.create(
        kind="request_submitted",
        payload={"message": "Anne Durand, 06 00 00 00 01"},
        status=status,
        created_at=created,
        delivered_at=created if delivered and status == OutboxEvent.Status.DELIVERED else None,
    )


def test_delivered_outbox_events_are_deleted_after_the_retention(settings):
    settings.AQUATIRIS_PORTAL_OUTBOX_RETENTION_DAYS = 30
    recent = event(OutboxEvent.Status.DELIVERED, 29)
    old = event(OutboxEvent.Status.DELIVERED, 31)
    pending = event(OutboxEvent.Status.PENDING, 400)
    failed = event(OutboxEvent.Status.FAILED, 400)
    assert outbox_retention.purge_delivered_events(now=NOW) == 1
    assert set(OutboxEvent.objects.values_list("pk", flat=True)) == {recent.pk, pending.pk, failed.pk}
    assert not OutboxEvent.objects.filter(pk=old.pk).exists()


def test_an_event_delivered_lately_is_kept_its_full_period(settings):
    settings.AQUATIRIS_PORTAL_OUTBOX_RETENTION_DAYS = 30
    late = event(OutboxEvent.Status.DELIVERED, 60)
    OutboxEvent.objects.filter(pk=late.pk).update(delivered_at=days_ago(5))  # retried for weeks
    assert outbox_retention.purge_delivered_events(now=NOW) == 0


def test_the_notification_schedule_runs_every_purge(portal_request, settings):
    mail("old", sent_days_ago=400)
    use(portal_request, 400)
    event(OutboxEvent.Status.DELIVERED, 400)
    reports = dict(schedule.run_due())
    assert reports["aquatiris_portal.notifications.retention.send_due"].bodies == 1
    assert reports["aquatiris_portal.enquiries.retention.send_due"] == 1
    assert reports["aquatiris_portal.sync.retention.send_due"] == 1
    assert OutgoingMail.objects.get().body_text == mail_retention.BODY_ERASED
    assert not ReplyLinkUse.objects.exists() and not OutboxEvent.objects.exists()
    assert "text(s) past retention erased" in str(reports["aquatiris_portal.notifications.retention.send_due"])
