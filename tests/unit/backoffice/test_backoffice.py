"""Requests back office (listing, detail, status, attachments), staff groups
and the dashboard alerts panel; the exports are in test_request_exports.py."""

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext, ngettext

from aquatiris_portal.backoffice.groups import CUSTOMER_SERVICE, EDITORS, ensure_groups
from aquatiris_portal.backoffice.models import StaffVisit
from aquatiris_portal.enquiries.models import PortalRequest, RequestAttachment
from aquatiris_portal.records.models import DocumentSource
from aquatiris_portal.snippets.models import RequestSubject
from tests import factories

pytestmark = pytest.mark.django_db

INDEX = "aquatiris_portal_requests:index"
# The recap columns, in order (the headings are these msgids, translated).
RECAP = [
    "Last name",
    "First name",
    "Address",
    "Phone",
    "Email",
    "Client code",
    "Installation reference",
    "Franchisee",
    "Subject",
    "Reason",
    "Message",
    "Kind",
    "Status",
    "Date",
    "Messages",
    "Last activity",
    "Reference",
]


def headings():
    """The column headings as the admin (in French) writes them."""
    from django.utils import translation

    with translation.override("fr"):
        return [translation.gettext(text) for text in RECAP]


HEADINGS = RECAP


def by_heading(row):
    return dict(zip(RECAP, row, strict=True))


def make_request(installation, kind="question", status="new", days_ago=0, subject=None, message="Bonjour", reason=""):
    request = PortalRequest(
        client=installation.client,
        installation=installation,
        kind=kind,
        status=status,
        subject=subject,
        subject_label=subject.name if subject else "",
        message=message,
        after_sales_reason=reason,
        created_at=timezone.now() - datetime.timedelta(days=days_ago),
    )
    request.fill_recap()
    request.save()
    return request


def staff(http, group_name):
    ensure_groups()
    user = factories.user()
    user.groups.add(Group.objects.get(name=group_name))
    factories.otp_login(http, user)
    return user


@pytest.fixture
def data():
    sav = RequestSubject.objects.create(name="Dysfonctionnement / SAV", is_after_sales=True)
    question = RequestSubject.objects.create(name="Question sur mon installation")
    north, south = factories.franchisee(company="Aquatiris Nord"), factories.franchisee(company="Aquatiris Sud")
    inst_n = factories.installation(franchisee=north, client=factories.client(last_name="Le Gall", first_name="Yves"))
    inst_s = factories.installation(franchisee=south, client=factories.client(last_name="Riou", first_name="Anne"))
    return {
        "old_sav": make_request(inst_n, "after_sales", days_ago=40, subject=sav, reason="Odeurs"),
        "sav_n": make_request(inst_n, "after_sales", days_ago=3, subject=sav, reason="Odeurs", message="Ça sent"),
        "sav_s": make_request(inst_s, "after_sales", status="in_progress", days_ago=2, subject=sav, reason="Pompe"),
        "question": make_request(inst_s, "question", days_ago=1, subject=question, message="=1+1 formule?"),
        "contract": make_request(inst_n, "maintenance_contract", status="closed", days_ago=5),
    }


def date_param(days_ago):
    return (timezone.localdate() - datetime.timedelta(days=days_ago)).isoformat()


def test_listing_filters_and_detail_with_attachment(client, data):
    staff(client, CUSTOMER_SERVICE)
    html = client.get(reverse(INDEX), {"status": "in_progress"}).content.decode()
    assert "Riou" in html and "Le Gall" not in html
    request = data["sav_n"]
    attachment = RequestAttachment(request=request, filename="photo regard.pdf", content_type="application/pdf", size=8)
    attachment.file.save("photo.pdf", ContentFile(b"%PDF-1.4"), save=False)
    attachment.save()
    html = client.get(reverse("aquatiris_portal_requests:inspect", args=[request.pk])).content.decode()
    assert "Le Gall" in html and "Ça sent" in html and request.client_code in html and "Odeurs" in html
    url = reverse("aquatiris_portal_requests:attachment", args=[attachment.pk])
    assert url in html
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4"
    assert response["Content-Disposition"].startswith("attachment")


def test_attachment_is_404_for_editors_and_before_the_second_factor(client, data):
    attachment = RequestAttachment(request=data["sav_n"], filename="photo.pdf", content_type="application/pdf", size=8)
    attachment.file.save("photo.pdf", ContentFile(b"%PDF-1.4"), save=False)
    attachment.save()
    url = reverse("aquatiris_portal_requests:attachment", args=[attachment.pk])
    staff(client, EDITORS)
    response = client.get(url, headers={"x-requested-with": "XMLHttpRequest"})
    assert response.status_code == 404 and b"%PDF" not in response.content
    unverified = factories.user(is_staff=True)
    unverified.groups.add(Group.objects.get(name=CUSTOMER_SERVICE))
    client.force_login(unverified)
    response = client.get(url)  # the admin asks for the second factor first
    assert response.status_code == 302 and b"%PDF" not in response.content
    assert response["Location"].startswith(reverse("aquatiris_portal:otp_verify") + "?next=")
    staff(client, CUSTOMER_SERVICE)
    missing = reverse("aquatiris_portal_requests:attachment", args=[attachment.pk + 999])
    assert client.get(missing, headers={"x-requested-with": "XMLHttpRequest"}).status_code == 404


def test_customer_service_changes_the_status(client, data):
    staff(client, CUSTOMER_SERVICE)
    request = data["sav_n"]
    response = client.post(reverse("aquatiris_portal_requests:edit", args=[request.pk]), {"status": "in_progress"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "in_progress"
    assert request.message == "Ça sent"  # nothing else is editable


def test_nobody_adds_a_request_in_the_admin(client, data):
    user = factories.user(is_staff=True, is_superuser=True)
    factories.otp_login(client, user)
    assert client.get(reverse(INDEX)).status_code == 200
    response = client.get(reverse("aquatiris_portal_requests:add"))
    assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    count = PortalRequest.objects.count()
    assert client.post(reverse("aquatiris_portal_requests:add"), {"status": "new"}).status_code == 302
    assert PortalRequest.objects.count() == count


DENIED_URLS = [
    lambda data: reverse(INDEX),
    lambda data: reverse(INDEX) + "?export=xlsx",
    lambda data: reverse(INDEX) + "?export=csv",
    lambda data: reverse("aquatiris_portal_requests:inspect", args=[data["sav_n"].pk]),
    lambda data: reverse("aquatiris_portal_requests:edit", args=[data["sav_n"].pk]),
    lambda data: reverse("aquatiris_portal_client_modeladmin_index"),
    lambda data: reverse("aquatiris_portal_client_modeladmin_inspect", args=[data["sav_n"].client_id]),
    lambda data: reverse("aquatiris_portal_installation_modeladmin_index"),
    lambda data: reverse("aquatiris_portal_portaldocument_modeladmin_index"),
]


@pytest.mark.parametrize("url", DENIED_URLS)
def test_editors_get_403_on_requests_and_records(client, data, url):
    staff(client, EDITORS)
    target = url(data)
    # An admin page request: PermissionDenied → 403 (Wagtail turns it into a
    # redirect to the dashboard with an error message for full-page loads).
    assert client.get(target, headers={"x-requested-with": "XMLHttpRequest"}).status_code == 403
    response = client.get(target, follow=True)
    html = response.content.decode()
    assert response.redirect_chain and response.redirect_chain[0][1] == 302
    assert "Le Gall" not in html and "Riou" not in html
    assert response.request["PATH_INFO"] == reverse("wagtailadmin_home")


def test_editors_manage_content_but_not_records(client):
    editors, service = ensure_groups()
    codenames = set(editors.permissions.values_list("codename", flat=True))
    assert {"add_faqentry", "change_faqentry", "change_portalsettings", "access_admin"} <= codenames
    assert not codenames & {
        "view_portalrequest",
        "view_client",
        "view_installation",
        "view_portaldocument",
        "view_spanc",
        "view_franchisee",
    }
    assert editors.page_permissions.filter(permission__codename="publish_page").exists()
    service_codenames = set(service.permissions.values_list("codename", flat=True))
    assert {"view_portalrequest", "change_portalrequest", "view_client", "view_portaldocument"} <= service_codenames
    assert "add_faqentry" not in service_codenames
    staff(client, EDITORS)
    assert client.get(reverse("wagtailsnippets_aquatiris_portal_faqentry:list")).status_code == 200


def test_portal_groups_command_is_idempotent():
    call_command("portal_groups")
    first = {g.name: set(g.permissions.values_list("pk", flat=True)) for g in Group.objects.all()}
    call_command("portal_groups")
    second = {g.name: set(g.permissions.values_list("pk", flat=True)) for g in Group.objects.all()}
    assert first == second and {EDITORS, CUSTOMER_SERVICE} <= set(first)
    assert Group.objects.get(name=EDITORS).page_permissions.count() == 5


def _new_requests(count):
    """The alerts panel heading as staff read it (the admin is translated)."""
    return escape(ngettext("%(counter)s new request", "%(counter)s new requests", count) % {"counter": count})


def test_dashboard_shows_requests_and_spanc_uploads_since_last_visit(client, data):
    user = staff(client, CUSTOMER_SERVICE)
    two_hours_ago = timezone.now() - datetime.timedelta(hours=2)
    StaffVisit.objects.create(user=user, last_seen_at=two_hours_ago)
    new = make_request(data["sav_s"].installation, "question", message="Nouvelle")
    inst = data["sav_s"].installation
    factories.document(inst, title="Rapport de contrôle SPANC", source=DocumentSource.SPANC_UPLOAD)
    factories.document(
        inst,
        title="Vieux rapport",
        source=DocumentSource.SPANC_UPLOAD,
        created_at=timezone.now() - datetime.timedelta(days=1),
    )
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert escape(gettext("Since your last visit")) in html
    assert _new_requests(1) in html
    assert reverse("aquatiris_portal_requests:inspect", args=[new.pk]) in html
    assert reverse("aquatiris_portal_requests:inspect", args=[data["question"].pk]) not in html
    assert "Rapport de contrôle SPANC" in html and "Vieux rapport" not in html
    # Reloading within the same visit keeps the same reference point...
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert _new_requests(1) in html
    # ...and the next visit (an hour later) starts from this one: what
    # arrived before it is no longer new.
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    StaffVisit.objects.filter(user=user).update(last_seen_at=an_hour_ago)
    PortalRequest.objects.filter(pk=new.pk).update(created_at=an_hour_ago - datetime.timedelta(minutes=5))
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert _new_requests(0) in html, re.sub(r"\s+", " ", html.split("aqp-alerts-heading")[-1])[:800]


def test_editors_have_no_alerts_panel(client, data):
    staff(client, EDITORS)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert escape(gettext("Since your last visit")) not in html and "Le Gall" not in html


def test_requests_listing_query_count_does_not_grow(client, data):
    staff(client, CUSTOMER_SERVICE)

    def count():
        client.get(reverse(INDEX))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(INDEX)).status_code == 200
        return len(captured)

    few = count()
    inst = data["sav_n"].installation
    for n in range(25):
        make_request(factories.installation(), "question", days_ago=n % 9)
        make_request(inst, "after_sales", days_ago=n % 7)
    assert count() == few
