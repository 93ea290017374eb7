"""A client or SPANC account cannot turn the portal into a mail bomb.

- Sending limits per account (enquiries/limits.py): requests, thread
  replies and SPANC uploads per hour and per day, bytes of files per day.
  Over a limit the form says so in French, nothing is stored, nothing is
  mailed, the refusal is logged.
- A client's replies within REPLY_MAIL_WINDOW_MINUTES go to the franchisee
  (and the network head) as ONE mail holding them all; a reply after the
  window starts a new mail; each reply is in exactly one mail.
"""

import datetime
import io
from html import unescape
from unittest import mock

import pytest
from django.core import mail as django_mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.utils import timezone
from django.utils.translation import ngettext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from wagtail.models import Site

from aquatiris_portal.enquiries import limits
from aquatiris_portal.enquiries.spanc_uploads import receive_spanc_document
from aquatiris_portal.enquiries.threads import post_message
from aquatiris_portal.models import (
    OutboxEvent,
    OutgoingMail,
    PortalDocument,
    PortalRequest,
    PortalSettings,
    RequestAttachment,
    RequestMessage,
    RequestSubject,
)
from aquatiris_portal.notifications.tasks import deliver_mail
from aquatiris_portal.pages.client_space import ClientSpacePage
from aquatiris_portal.security_log.models import SecurityEvent
from tests import factories

pytestmark = pytest.mark.django_db

BASE = "/espace-client/"
Author = RequestMessage.Author
Channel = RequestMessage.Channel


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.AQUATIRIS_PORTAL_SEND_LIMIT_PER_HOUR = 10
    settings.AQUATIRIS_PORTAL_SEND_LIMIT_PER_DAY = 30
    settings.AQUATIRIS_PORTAL_SEND_LIMIT_BYTES_PER_DAY = 50 * 1024 * 1024
    settings.AQUATIRIS_PORTAL_REPLY_MAIL_WINDOW_MINUTES = 5


@pytest.fixture
def owner():
    site = Site.objects.get(is_default_site=True)
    site.root_page.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))
    settings_obj = PortalSettings.for_site(site)
    settings_obj.network_head_emails = "sav@aquatiris.example"
    settings_obj.save()
    client = factories.client()
    installation = factories.installation(client=client)
    user = factories.client_user(client)
    http = HttpClient()
    http.force_login(user)
    # Sent two days ago: the request itself does not count in today's sendings.
    portal_request = make_request(client, installation, user)
    PortalRequest.objects.filter(pk=portal_request.pk).update(created_at=timezone.now() - datetime.timedelta(days=2))
    return {"client": client, "installation": installation, "user": user, "http": http, "request": portal_request}


def make_request(client, installation, user, kind=PortalRequest.Kind.QUESTION):
    portal_request = PortalRequest(
        kind=kind,
        client=client,
        installation=installation,
        message="Bonjour",
        subject_label="Question",
        submitted_by=user,
    )
    portal_request.fill_recap()
    portal_request.save()
    return portal_request


def url_of(portal_request):
    return f"{BASE}demandes/{portal_request.reference}/"


def jpeg(name="photo.jpg"):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (20, 120, 40)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def reply(owner, body, portal_request=None, **kw):
    return post_message(
        portal_request or owner["request"],
        role=Author.CLIENT,
        channel=Channel.CLIENT_SPACE,
        author_name="Anne",
        user=owner["user"],
        body=body,
        **kw,
    )


def franchisee_mails(portal_request=None):
    mails = OutgoingMail.objects.filter(key__startswith="request_message:", key__endswith=":franchisee")
    return list(mails.order_by("pk"))


def hour_refusal(limit=10):
    return ngettext(
        "You have sent %(count)s message in the last hour, the most an account may send: this was not sent. "
        "Please send it again a little later; if it is urgent, call your installer.",
        "You have sent %(count)s messages in the last hour, the most an account may send: this was not sent. "
        "Please send it again a little later; if it is urgent, call your installer.",
        limit,
    ) % {"count": limit}


# --- the limits -------------------------------------------------------------------------


def test_a_burst_of_15_replies_stores_10_and_refuses_5_with_the_message_in_the_form(owner):
    portal_request = owner["request"]
    statuses = []
    for number in range(15):
        response = owner["http"].post(url_of(portal_request), {"body": f"<<R{number}>> encore"})
        statuses.append(response.status_code)
        if response.status_code == 200:
            html = unescape(response.content.decode())
            assert hour_refusal() in html
            assert "aqp-message--error" in html and 'aria-invalid="true"' in html  # in sight, on the field
            assert f"<<R{number}>> encore" in html  # what was typed is kept in the form
    assert statuses == [302] * 10 + [200] * 5
    stored = list(RequestMessage.objects.filter(author_role=Author.CLIENT).order_by("pk"))
    assert [m.body for m in stored] == [f"<<R{n}>> encore" for n in range(10)]
    # Nothing of the refused replies went anywhere: no event, no mail holds them.
    assert OutboxEvent.objects.filter(kind="request_message_posted").count() == 10
    mails = OutgoingMail.objects.all()
    for number in range(10, 15):
        assert not any(f"<<R{number}>>" in mail.body_text for mail in mails)
    # The 10 replies of the burst: one mail to the franchisee.
    [mail] = franchisee_mails()
    assert all(f"<<R{n}>>" in mail.body_text for n in range(10))
    # Logged: one security event for the burst, not one per refusal.
    assert SecurityEvent.objects.filter(kind=limits.SECURITY_EVENT, user=owner["user"]).count() == 1


def test_the_day_limit_counts_requests_replies_and_spanc_uploads_alike(owner, settings):
    settings.AQUATIRIS_PORTAL_SEND_LIMIT_PER_HOUR = 0  # no hourly limit: the daily one decides
    settings.AQUATIRIS_PORTAL_SEND_LIMIT_PER_DAY = 3
    subject = RequestSubject.objects.create(name="Question")
    owner["http"].post(
        f"{BASE}contact/", {"installation": owner["installation"].pk, "subject": subject.pk, "message": "Une question"}
    )
    reply(owner, "un")
    reply(owner, "deux")
    # Day-old sendings do not count.
    RequestMessage.objects.filter(body="un").update(created_at=timezone.now() - datetime.timedelta(days=1, minutes=1))
    reply(owner, "trois")
    with pytest.raises(limits.LimitReached) as refused:
        reply(owner, "quatre")
    assert refused.value.kind == "day"
    # The contact form says it too, and stores no request.
    requests_before = PortalRequest.objects.count()
    response = owner["http"].post(
        f"{BASE}contact/", {"installation": owner["installation"].pk, "subject": subject.pk, "message": "Encore une"}
    )
    assert response.status_code == 200
    assert str(limits.refusal("day", 3)) in unescape(response.content.decode())
    assert PortalRequest.objects.count() == requests_before


def test_files_beyond_the_days_bytes_are_refused_on_the_attachments_field(owner, settings):
    photo = jpeg()
    settings.AQUATIRIS_PORTAL_SEND_LIMIT_BYTES_PER_DAY = photo.size * 2 + 10
    portal_request = owner["request"]
    for name in ("a.jpg", "b.jpg"):
        assert (
            owner["http"].post(url_of(portal_request), {"body": "photo", "attachments": [jpeg(name)]}).status_code
            == 302
        )
    response = owner["http"].post(url_of(portal_request), {"body": "<<third>>", "attachments": [jpeg("c.jpg")]})
    assert response.status_code == 200
    form = response.context["reply_form"]
    assert "attachments" in form.errors and "body" not in form.errors
    assert RequestAttachment.objects.count() == 2
    assert not RequestMessage.objects.filter(body="<<third>>").exists()
    # Without the files, the message itself goes.
    assert owner["http"].post(url_of(portal_request), {"body": "<<third>>"}).status_code == 302


def test_a_spanc_account_is_limited_too_and_nothing_is_stored_over_it(settings):
    settings.AQUATIRIS_PORTAL_SEND_LIMIT_PER_HOUR = 1
    spanc = factories.spanc()
    installation = factories.installation(spanc=spanc)
    user = factories.spanc_user(spanc)

    def upload(title, content):
        return receive_spanc_document(
            user=user,
            spanc=spanc,
            installation=installation,
            content_type="application/pdf",
            title=title,
            uploaded=SimpleUploadedFile(f"{title}.pdf", content, content_type="application/pdf"),
        )

    assert upload("rapport", b"%PDF-1.4 one").created
    mails = OutgoingMail.objects.count()
    with pytest.raises(limits.LimitReached):
        upload("second", b"%PDF-1.4 two")
    assert PortalDocument.objects.filter(source="spanc_upload").count() == 1
    assert OutgoingMail.objects.count() == mails


def test_staff_the_franchisee_and_imports_are_not_limited(owner, settings):
    settings.AQUATIRIS_PORTAL_SEND_LIMIT_PER_HOUR = 1
    for number in range(3):
        post_message(owner["request"], role=Author.FRANCHISEE, channel=Channel.REPLY_LINK, body=f"f{number}")
        post_message(
            owner["request"],
            role=Author.STAFF,
            channel=Channel.ADMIN,
            body=f"s{number}",
            user=factories.user(is_staff=True),
        )
    assert RequestMessage.objects.count() == 6


# --- one mail for the replies of a few minutes --------------------------------------------


def test_replies_within_the_window_go_to_the_franchisee_as_one_mail_with_all_files(owner):
    first = reply(owner, "<<R1>> premier", checked_files=[(jpeg("un.jpg"), "jpeg", "image/jpeg")])
    reply(owner, "<<R2>> deuxième")
    reply(owner, "<<R3>> troisième", checked_files=[(jpeg("trois.jpg"), "jpeg", "image/jpeg")])
    [mail] = franchisee_mails()
    assert mail.key == f"request_message:{first.pk}:franchisee"
    text = mail.body_text
    assert text.index("<<R1>>") < text.index("<<R2>>") < text.index("<<R3>>")
    assert "<<R3>>" in unescape(mail.body_html) and "<<R1>>" in unescape(mail.body_html)
    assert [a["filename"] for a in mail.attachments] == ["un.jpg", "trois.jpg"]
    assert mail.not_before > timezone.now() + datetime.timedelta(minutes=4)
    # The reply link: one, issued for the first reply and carried on.
    assert text.count("/portail/reponse/") == 1


def test_the_mail_is_not_sent_before_the_window_ends_then_goes_once(owner, mailoutbox):
    reply(owner, "<<R1>>")
    [mail] = franchisee_mails()
    deliver_mail.fn(mail.pk)  # a worker that comes too early takes nothing
    mail.refresh_from_db()
    assert mail.status == OutgoingMail.Status.PENDING and not mailoutbox
    later = timezone.now() + datetime.timedelta(minutes=6)
    with mock.patch("django.utils.timezone.now", return_value=later):
        deliver_mail.fn(mail.pk)
    mail.refresh_from_db()
    assert mail.status == OutgoingMail.Status.SENT
    assert [message.to for message in mailoutbox] == [[owner["installation"].franchisee.email]]


def test_a_reply_after_the_window_starts_a_new_mail(owner):
    reply(owner, "<<R1>>")
    later = timezone.now() + datetime.timedelta(minutes=6)
    with mock.patch("django.utils.timezone.now", return_value=later):
        second = reply(owner, "<<R2>>")
    first_mail, second_mail = franchisee_mails()
    assert "<<R1>>" in first_mail.body_text and "<<R2>>" not in first_mail.body_text
    assert second_mail.key == f"request_message:{second.pk}:franchisee" and "<<R1>>" not in second_mail.body_text


def test_a_reply_after_a_worker_took_the_mail_starts_a_new_one(owner):
    reply(owner, "<<R1>>")
    [mail] = franchisee_mails()
    OutgoingMail.objects.filter(pk=mail.pk).update(status=OutgoingMail.Status.SENDING)  # claimed meanwhile
    reply(owner, "<<R2>>")
    first_mail, second_mail = franchisee_mails()
    assert "<<R2>>" not in first_mail.body_text and "<<R2>>" in second_mail.body_text


def test_after_sales_replies_reach_the_network_head_as_one_mail_too(owner):
    sav = make_request(owner["client"], owner["installation"], owner["user"], kind=PortalRequest.Kind.AFTER_SALES)
    for number in range(4):
        reply(owner, f"<<S{number}>>", portal_request=sav)
    [head] = OutgoingMail.objects.filter(key__endswith=":network_head")
    assert head.to == ["sav@aquatiris.example"] and all(f"<<S{n}>>" in head.body_text for n in range(4))
    assert len(franchisee_mails()) == 1


def test_with_no_window_each_reply_is_mailed_at_once(owner, settings):
    settings.AQUATIRIS_PORTAL_REPLY_MAIL_WINDOW_MINUTES = 0
    reply(owner, "<<R1>>")
    reply(owner, "<<R2>>")
    mails = franchisee_mails()
    assert len(mails) == 2 and all(mail.not_before is None for mail in mails)


ACTIONS = st.lists(st.sampled_from(["reply", "reply", "reply", "wait", "worker"]), min_size=1, max_size=12)


@hypothesis_settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS)
def test_each_reply_is_in_exactly_one_mail_whatever_the_timing(owner, settings, actions):
    """Replies, time passing beyond the window and a worker sending what is
    due, in any order: every reply is in one franchisee mail, never two."""
    settings.AQUATIRIS_PORTAL_SEND_LIMIT_PER_HOUR = 0
    settings.AQUATIRIS_PORTAL_SEND_LIMIT_PER_DAY = 0
    portal_request = make_request(owner["client"], owner["installation"], owner["user"])
    franchisee_email = owner["installation"].franchisee.email
    now = timezone.now()
    markers = []
    for action in actions:
        with mock.patch("django.utils.timezone.now", return_value=now):
            if action == "reply":
                markers.append(f"<<{portal_request.pk}-{len(markers)}>>")
                reply(owner, markers[-1], portal_request=portal_request)
            elif action == "wait":
                now += datetime.timedelta(minutes=3)
            else:
                for mail in OutgoingMail.objects.filter(status=OutgoingMail.Status.PENDING):
                    deliver_mail.fn(mail.pk)
    # What the franchisee got (sent mails keep no body: they carry the reply
    # link) and what still waits for its window.
    bodies = [message.body for message in django_mail.outbox if message.to == [franchisee_email]]
    bodies += [
        mail.body_text
        for mail in OutgoingMail.objects.filter(key__endswith=":franchisee", status=OutgoingMail.Status.PENDING)
    ]
    for marker in markers:
        assert sum(marker in body for body in bodies) == 1, (marker, actions)


class NotAStub:
    """Stands for StubBroker in an isinstance check: the broker behaves as Redis."""


def test_on_redis_the_mail_is_a_delayed_message_and_one_that_comes_early_waits_again(
    owner, django_capture_on_commit_callbacks
):
    with (
        mock.patch("aquatiris_portal.notifications.mail.StubBroker", NotAStub),
        mock.patch("aquatiris_portal.notifications.tasks.StubBroker", NotAStub),
        mock.patch.object(deliver_mail, "send_with_options") as send_later,
        mock.patch.object(deliver_mail, "send") as send_now,
    ):
        with django_capture_on_commit_callbacks(execute=True):
            reply(owner, "<<R1>>")
        [mail] = franchisee_mails()
        assert not any(call.args == (mail.pk,) for call in send_now.call_args_list)  # not at once
        [queued] = [call for call in send_later.call_args_list if call.kwargs["args"] == (mail.pk,)]
        assert 5 * 60_000 <= queued.kwargs["delay"] <= 5 * 60_000 + 2_000
        # Delivered too early (a worker's clock behind): not sent, queued again for its time.
        send_later.reset_mock()
        deliver_mail.fn(mail.pk)
        mail.refresh_from_db()
        assert mail.status == OutgoingMail.Status.PENDING
        [again] = send_later.call_args_list
        assert again.kwargs["args"] == (mail.pk,) and 4 * 60_000 < again.kwargs["delay"] <= 5 * 60_000 + 2_000
