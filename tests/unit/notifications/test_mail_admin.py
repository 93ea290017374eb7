"""Pending and failed emails in the admin beside the outbox, with a retry:
the retry hands the mail to the delivery actor again,
never a sent one, and never shows a body."""

import pytest
from django.contrib.auth import get_user_model

from aquatiris_portal.models import OutgoingMail
from tests import factories

pytestmark = pytest.mark.django_db

LIST = "/admin/aquatiris_portal/outgoingmail/"


def _mail(key, status, **kw):
    return OutgoingMail.objects.create(
        key=key, to=["anne@example.org"], subject=f"Subject {key}", body_text=f"secret body {key}", status=status, **kw
    )


def test_failed_and_pending_mails_are_listed_and_a_failed_one_is_sent_again(
    admin_client, stub_broker, django_capture_on_commit_callbacks
):
    failed = _mail("f", OutgoingMail.Status.FAILED, attempts=10, last_error="SMTPServerDisconnected: boom")
    _mail("p", OutgoingMail.Status.PENDING)
    sent = _mail("s", OutgoingMail.Status.SENT)

    page = admin_client.get(LIST + "?status=failed")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Subject f" in text and "SMTPServerDisconnected: boom" in text and "Subject s" not in text
    assert "secret body" not in text
    assert "Subject p" in admin_client.get(LIST + "?status=pending").content.decode()
    retry_url = f"{LIST}retry/{failed.pk}/"
    assert retry_url in text
    assert f"{LIST}retry/{sent.pk}/" not in admin_client.get(LIST).content.decode()
    inspect = admin_client.get(f"{LIST}inspect/{failed.pk}/")
    assert inspect.status_code == 200 and "secret body" not in inspect.content.decode()

    assert admin_client.get(retry_url).status_code == 200  # asks first
    stub_broker.flush_all()
    assert stub_broker.queues["aquatiris_mail"].qsize() == 0
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(retry_url)
    assert response.status_code == 302
    queue = stub_broker.queues["aquatiris_mail"]
    assert queue.qsize() == 1
    message = queue.get_nowait()
    queue.task_done()  # or a later stub_broker.join() on this queue waits forever
    assert b'"deliver_mail"' in message and str(failed.pk).encode() in message

    # A sent mail is never queued again, even by a forged POST.
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"{LIST}retry/{sent.pk}/")
    assert stub_broker.queues["aquatiris_mail"].qsize() == 0


def test_mails_are_read_only_and_retry_needs_the_permission(
    admin_client, client, stub_broker, django_capture_on_commit_callbacks
):
    failed = _mail("f", OutgoingMail.Status.FAILED)
    assert admin_client.get(f"{LIST}create/").status_code in (302, 403)
    assert admin_client.get(f"{LIST}edit/{failed.pk}/").status_code in (302, 403, 404)
    staff = get_user_model().objects.create_user(
        "staff@example.org", "staff@example.org", "pw-Very-long-123", is_staff=True
    )
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(Permission.objects.get(codename="access_admin"))
    other = client.__class__()
    factories.otp_login(other, staff)
    with django_capture_on_commit_callbacks(execute=True):
        assert other.post(f"{LIST}retry/{failed.pk}/").status_code in (302, 403)
    assert stub_broker.queues.get("aquatiris_mail") is None or stub_broker.queues["aquatiris_mail"].qsize() == 0
