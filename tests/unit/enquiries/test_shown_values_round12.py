"""What people read of their own data and of who wrote to them: « Mes
données » names a membership's role, a notification, a kind of file and a
security event by their labels in the person's language (the codes beside
them for a program), and an address with an internationalised domain in
Unicode; a message signed with an address and the requests export (read
by people: labels, not codes) show it the same way."""

import io
import json
import re
import zipfile
from html import unescape

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import trans_real
from openpyxl import load_workbook

from aquatiris_portal.accounts import trusted_browsers
from aquatiris_portal.backoffice.groups import CUSTOMER_SERVICE
from aquatiris_portal.enquiries import archives, exports, limits, warranty
from aquatiris_portal.enquiries.admin_threads import REPLY_LINK_REVOKED
from aquatiris_portal.enquiries.archive_models import PersonalArchive
from aquatiris_portal.enquiries.authors import author_label
from aquatiris_portal.enquiries.models import PortalRequest, RequestExport
from aquatiris_portal.notifications.preferences import NotificationPreference
from aquatiris_portal.records.emails import canonical_email
from aquatiris_portal.security_log import Kind
from aquatiris_portal.security_log.access_models import DocumentAccess
from aquatiris_portal.security_log.labels import LABELS
from aquatiris_portal.security_log.models import SecurityEvent
from tests import factories
from tests.unit.backoffice.test_backoffice import make_request, staff

pytestmark = pytest.mark.django_db

STORED = canonical_email("Zoe@Exämple.fr")
SHOWN = "zoe@exämple.fr"


def shown_text(html):
    """What a person reads: the text, not the tags and their attributes."""
    return unescape(re.sub(r"<[^>]+>", " ", html))


def my_data_of(user, language="fr"):
    archive = PersonalArchive.objects.create(
        kind=PersonalArchive.Kind.MY_DATA, requested_by=user, client=None, language=language
    )
    archive = archives.build(archive.pk)
    assert archive.status == PersonalArchive.Status.DONE, archive.status
    with archive.file.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as archive_zip:
        return json.loads(archive_zip.read("donnees.json"))


def test_my_data_shows_labels_and_the_unicode_domain_and_keeps_the_codes():
    assert STORED == "zoe@xn--exmple-cua.fr"
    me = factories.client_user(factories.client(email=STORED))
    NotificationPreference.objects.create(user=me, kind="visit_reminders", enabled=False)
    SecurityEvent.objects.create(kind=Kind.LOGIN, user=me, ip="192.0.2.1")
    DocumentAccess.objects.create(
        file_kind="attachment", file_id=1, title="Étude de sol", actor="owner", user=me, route="test"
    )

    data = my_data_of(me)

    assert data["account"]["email"] == SHOWN
    [membership] = data["account"]["memberships"]
    assert (membership["role"], membership["role_code"]) == ("Titulaire", "owner")
    [preference] = data["notification_preferences"]
    assert (preference["kind"], preference["kind_code"]) == ("Rappels de visite", "visit_reminders")
    [opened] = data["documents_opened"]
    assert (opened["kind"], opened["kind_code"]) == ("pièce jointe d'une demande", "attachment")
    [event] = data["security_log"]
    assert (event["event"], event["event_code"]) == ("Connexion", "login")
    assert "xn--" not in json.dumps(data, ensure_ascii=False)


def test_in_english_the_labels_are_english():
    me = factories.client_user(factories.client(email=STORED))
    data = my_data_of(me, language="en")
    assert data["account"]["memberships"][0]["role"] == "Owner"


def test_every_security_event_the_portal_writes_has_a_label():
    kinds = {value for name, value in vars(Kind).items() if name.isupper()}
    kinds |= {value for name, value in vars(trusted_browsers.Kind).items() if name.isupper()}
    kinds |= {REPLY_LINK_REVOKED, limits.SECURITY_EVENT, warranty.PATTERN_EVENT}
    assert kinds <= set(LABELS), kinds - set(LABELS)
    with translation.override("en"):
        msgids = {kind: str(LABELS[kind]) for kind in kinds}
    catalog = trans_real.translation("fr")._catalog
    assert [msgid for msgid in msgids.values() if not catalog.get(msgid)] == []  # each has its French


def test_a_message_signed_with_an_address_shows_its_domain_in_unicode():
    person = factories.user(email=STORED)
    assert author_label(person) == SHOWN


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_the_requests_export_shows_the_clients_address_in_unicode(export_format):
    installation = factories.installation(client=factories.client(email=STORED))
    make_request(installation, "question")
    export = RequestExport.objects.create(
        requested_by=factories.user(),
        format=export_format,
        language="fr",
        request_ids=list(PortalRequest.objects.values_list("pk", flat=True)),
    )
    body = io.BytesIO()
    exports.request_spreadsheet().write(export_format, exports.export_rows(export), body)
    if export_format == "csv":
        text = body.getvalue().decode("utf-8-sig")
    else:
        sheet = load_workbook(body).active
        text = "\n".join(str(cell.value) for row in sheet.iter_rows() for cell in row)
    assert SHOWN in text and "xn--" not in text


def test_the_admins_request_page_shows_the_clients_and_the_senders_address_in_unicode(client):
    installation = factories.installation(client=factories.client(email=STORED))
    request = make_request(installation, "question")
    request.submitted_by = factories.client_user(installation.client)
    request.save()
    staff(client, CUSTOMER_SERVICE)
    html = client.get(reverse("aquatiris_portal_requests:inspect", args=[request.pk])).content.decode()
    text = shown_text(html)
    assert text.count(SHOWN) >= 2 and "xn--" not in text
