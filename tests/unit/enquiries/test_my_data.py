"""« Mes données »: the person's own data as JSON plus the files they sent,
in a ZIP behind a mailed link that only they may open; nothing of another
person of the household or of another client."""

import io
import json
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.test import Client as HttpClient

from aquatiris_portal.enquiries import archives
from aquatiris_portal.enquiries.archive_models import PersonalArchive
from aquatiris_portal.models import OutgoingMail, PortalRequest, RequestAttachment, RequestMessage
from aquatiris_portal.notifications.preferences import NotificationPreference
from aquatiris_portal.security_log.access_models import DocumentAccess
from aquatiris_portal.security_log.models import SecurityEvent
from tests import factories

pytestmark = pytest.mark.django_db


def add_request(client, user, body, filename, data):
    request = PortalRequest.objects.create(
        kind="question", client=client, subject_label="Odeurs", message=body, submitted_by=user
    )
    attachment = RequestAttachment(request=request, filename=filename, content_type="application/pdf", size=len(data))
    attachment.file.save(filename, ContentFile(data), save=False)
    attachment.save()
    return request


def test_my_data_holds_my_account_requests_messages_files_preferences_and_logs(
    django_capture_on_commit_callbacks, stub_broker
):
    client = factories.client()
    me = factories.client_user(client, first_name="Anne")
    stranger = factories.client_user()
    mine = add_request(client, me, "MY-QUESTION-TEXT", "photo.pdf", b"%PDF-1.4 mine")
    RequestMessage.objects.create(
        request=mine, author_role="franchisee", channel="reply_link", body="FRANCHISEE-ANSWER"
    )
    add_request(factories.client_of(stranger), stranger, "STRANGER-TEXT", "other.pdf", b"%PDF-1.4 theirs")
    NotificationPreference.objects.create(user=me, kind="digest", enabled=False)
    SecurityEvent.objects.create(kind="login_succeeded", user=me, ip="192.0.2.1")
    SecurityEvent.objects.create(kind="login_succeeded", user=stranger, ip="192.0.2.99")
    DocumentAccess.objects.create(
        file_kind="document", file_id=1, title="Étude de sol", actor="owner", user=me, route="test"
    )
    http = HttpClient()
    http.force_login(me)
    with django_capture_on_commit_callbacks(execute=True):
        assert http.post("/portail/compte/mes-donnees/").status_code == 302
    [archive] = PersonalArchive.objects.filter(kind=PersonalArchive.Kind.MY_DATA)
    archive = archives.build(archive.pk)
    assert archive.status == PersonalArchive.Status.DONE
    with archive.file.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as archive_zip:
        names = archive_zip.namelist()
        data = json.loads(archive_zip.read("donnees.json"))
        files = {name: archive_zip.read(name) for name in names if name != "donnees.json"}
    assert list(files.values()) == [b"%PDF-1.4 mine"]
    assert data["account"]["email"] == me.email and data["account"]["first_name"] == "Anne"
    [request] = data["requests"]
    assert request["message"] == "MY-QUESTION-TEXT" and request["thread"][0]["text"] == "FRANCHISEE-ANSWER"
    assert data["notification_preferences"] == [
        {
            "kind": "digest",
            "kind_code": "digest",
            "enabled": False,
            "changed_at": data["notification_preferences"][0]["changed_at"],
        }
    ]
    assert [row["ip"] for row in data["security_log"]] == ["192.0.2.1"]
    assert [row["title"] for row in data["documents_opened"]] == ["Étude de sol"]
    text = json.dumps(data)
    assert "STRANGER-TEXT" not in text and "192.0.2.99" not in text
    # Delivered as the dossier: a mail with the link, which only I may open.
    assert OutgoingMail.objects.filter(key=f"archive-ready:{archive.pk}", to=[me.email]).exists()
    page = http.get("/portail/compte/mes-donnees/").content.decode()
    assert archives.download_path(archive) in page
    assert http.get(archives.download_path(archive)).status_code == 200
    other = HttpClient()
    other.force_login(stranger)
    assert other.get(archives.download_path(archive)).status_code == 404
