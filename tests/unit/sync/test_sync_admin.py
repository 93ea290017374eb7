"""Sync screens of the Wagtail admin: runs, quarantine, outbox with retry."""

import re

import pytest

from aquatiris_portal.sync.importer import import_source
from aquatiris_portal.sync.models import ImportRun, OutboxEvent, QuarantinedRecord
from tests import factories
from tests.exports import EXPECTED, sample_export

pytestmark = pytest.mark.django_db


def test_import_runs_and_quarantined_records_are_listed_with_counts_and_reasons(admin_client, tmp_path):
    sample_export(tmp_path / "exports", 5)
    import_source(tmp_path / "exports")
    run = ImportRun.objects.get()

    page = admin_client.get("/admin/aquatiris_portal/importrun/")
    assert page.status_code == 200
    cells = dict(re.findall(r'<td class="field-(\w+)[^"]*">(?:<div[^>]*><a[^>]*>)?([^<]*)<', page.content.decode()))
    assert cells["sequence"] == "5"
    assert cells["state"] == str(run.get_state_display())
    assert (cells["created_count"], cells["unchanged_count"], cells["quarantined_count"]) == (
        str(EXPECTED["created"]),
        "1",
        "9",
    )
    assert cells["duration_display"].endswith(" s")
    page = admin_client.get("/admin/aquatiris_portal/quarantinedrecord/")
    assert page.status_code == 200
    text = page.content.decode()
    from django.utils.html import escape

    for record in QuarantinedRecord.objects.all():
        assert record.record_id in text
        assert escape(record.reason) in text, record.reason
    inspect = admin_client.get(
        f"/admin/aquatiris_portal/quarantinedrecord/inspect/{QuarantinedRecord.objects.first().pk}/"
    )
    assert inspect.status_code == 200
    # Read-only: no way to add or edit.
    from django.urls import reverse

    create = admin_client.get("/admin/aquatiris_portal/importrun/create/")
    assert create.status_code == 302 and create["Location"] == reverse("wagtailadmin_home")


def test_outbox_list_filters_by_status_and_retries_a_failed_event(
    admin_client, stub_broker, django_capture_on_commit_callbacks
):
    failed = OutboxEvent.objects.create(
        kind="request_submitted", payload={}, status="failed", attempts=20, last_error="HTTP 500: boom"
    )
    OutboxEvent.objects.create(kind="account_activated", payload={}, status="delivered")

    page = admin_client.get("/admin/aquatiris_portal/outboxevent/?status=failed")
    assert page.status_code == 200
    text = page.content.decode()
    assert "HTTP 500: boom" in text
    retry_url = f"/admin/aquatiris_portal/outboxevent/retry/{failed.pk}/"
    assert retry_url in text
    assert admin_client.get(retry_url).status_code == 200  # asks first
    assert OutboxEvent.objects.get(pk=failed.pk).status == "failed"

    stub_broker.flush_all()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(retry_url)
    assert response.status_code == 302
    assert OutboxEvent.objects.get(pk=failed.pk).status == "pending"
    assert stub_broker.queues["aquatiris_sync"].qsize() == 1


def test_retry_needs_staff_permission(client):
    """Anonymous: to the portal's login. Staff past the second factor who may
    see the events but not change them: sent back to the admin home (Wagtail's
    answer to PermissionDenied). The event stays failed either way."""
    from django.contrib.auth.models import Permission
    from django.urls import reverse

    event = OutboxEvent.objects.create(kind="request_submitted", payload={}, status="failed")
    url = f"/admin/aquatiris_portal/outboxevent/retry/{event.pk}/"
    response = client.post(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("aquatiris_portal:login"))
    viewer = factories.user(is_staff=True)
    viewer.user_permissions.add(*Permission.objects.filter(codename__in=["access_admin", "view_outboxevent"]))
    factories.otp_login(client, viewer)
    assert client.get("/admin/aquatiris_portal/outboxevent/").status_code == 200  # in the admin, sees the list
    refused = client.post(url)
    assert refused.status_code == 302 and refused["Location"] == reverse("wagtailadmin_home")
    assert OutboxEvent.objects.get(pk=event.pk).status == "failed"
