"""« Voir comme un client »: staff with the permission see the client space
as a client they chose, read only, logged; nothing else changes."""

import datetime
from html import unescape

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from wagtail.models import Site

from aquatiris_portal.backoffice.groups import EDITORS, ensure_groups
from aquatiris_portal.models import (
    OutboxEvent,
    OutgoingMail,
    PortalRequest,
    RequestAttachment,
    RequestMessage,
    RequestSubject,
    SecurityEvent,
    Visit,
)
from aquatiris_portal.pages import view_as_client as view_as
from aquatiris_portal.pages.client_space import ClientSpacePage
from aquatiris_portal.pages.pro_space import ProSpacePage
from aquatiris_portal.security_log import Kind
from tests import factories

pytestmark = pytest.mark.django_db

CHOOSER = "aquatiris_portal_view_as_client"
START = "aquatiris_portal_view_as_client_start"
STOP = "aquatiris_portal_view_as_client_stop"
PDF = b"%PDF-1.4\n% attachment\n%%EOF\n"


@pytest.fixture
def space():
    root = Site.objects.get(is_default_site=True).root_page
    return root.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))


@pytest.fixture
def world(space, settings):
    """A test client with an installation, a document, a request answered by the franchisee (unread) with an
    attachment, a planned visit; and a real client who is no test client."""
    test_client = factories.client(last_name="Testeur", first_name="Camille")
    settings.AQUATIRIS_PORTAL_VIEW_AS_TEST_CLIENTS = [test_client.external_id]
    installation = factories.installation(client=test_client)
    document = factories.document(installation, title="Étude de sol du test")
    account_user = factories.client_user(test_client)
    portal_request = PortalRequest(
        kind=PortalRequest.Kind.QUESTION,
        client=test_client,
        installation=installation,
        message="Bonjour",
        subject_label="Question",
    )
    portal_request.fill_recap()
    portal_request.save()
    RequestMessage.objects.create(
        request=portal_request,
        author_role=RequestMessage.Author.FRANCHISEE,
        channel=RequestMessage.Channel.REPLY_LINK,
        body="Réponse",
        author_name="Luc",
    )
    PortalRequest.objects.filter(pk=portal_request.pk).update(last_activity_at=timezone.now(), client_read_at=None)
    attachment = RequestAttachment(
        request=portal_request, filename="photo.pdf", content_type="application/pdf", size=len(PDF)
    )
    attachment.file.save("photo.pdf", SimpleUploadedFile("photo.pdf", PDF), save=False)
    attachment.save()
    visit = Visit.objects.create(
        external_id="V-VIEW-AS",
        installation=installation,
        kind="maintenance",
        planned_for=timezone.localdate() + datetime.timedelta(days=5),
        visible_to_client=True,
    )
    real_client = factories.installation().client
    return {
        "client": test_client,
        "installation": installation,
        "document": document,
        "request": portal_request,
        "attachment": attachment,
        "visit": visit,
        "real_client": real_client,
        "account_user": account_user,
        "subject": RequestSubject.objects.create(name="Question", sort_order=10),
    }


def editor(**kw):
    """A member of the editors' group (who has the permission), past the second factor."""
    ensure_groups()
    user = factories.user(is_staff=True, **kw)
    user.groups.add(Group.objects.get(name=EDITORS))
    http = HttpClient()
    factories.otp_login(http, user)
    return user, http


def start(http, client):
    return http.post(reverse(START), {"client": client.pk})


def events(kind):
    return list(SecurityEvent.objects.filter(kind=kind).order_by("pk"))


# --- who may ------------------------------------------------------------------


def test_the_editors_group_has_the_permission_and_customer_service_too():
    editors, service = ensure_groups()
    for group in (editors, service):
        assert group.permissions.filter(codename="view_as_client", content_type__app_label="aquatiris_portal").exists()


def test_without_the_permission_there_is_no_view(world):
    user = factories.user(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    http = HttpClient()
    factories.otp_login(http, user)
    response = http.get(reverse(CHOOSER))  # Wagtail turns the refusal into a redirect to the admin's home
    assert response.status_code in (302, 403) and b"Testeur" not in response.content
    assert start(http, world["client"]).status_code in (302, 403) and view_as.SESSION_KEY not in http.session
    # A session key set some other way gives nothing either.
    session = http.session
    session[view_as.SESSION_KEY] = {"client": world["client"].pk, "started": timezone.now().isoformat()}
    session.save()
    response = http.get("/espace-client/")
    assert response.status_code == 403 and b"Testeur" not in response.content
    assert not events(Kind.VIEW_AS_CLIENT_START)


def test_the_second_factor_is_needed(world):
    user, _http = editor()
    http = HttpClient()
    http.force_login(user)  # no second factor
    response = start(http, world["client"])
    assert response.status_code in (302, 403) and view_as.SESSION_KEY not in http.session
    assert not events(Kind.VIEW_AS_CLIENT_START)


def test_an_editor_chooses_among_the_test_clients_only(world):
    _user, http = editor()
    html = http.get(reverse(CHOOSER)).content.decode()
    assert "Testeur" in html and world["real_client"].last_name not in html
    response = start(http, world["real_client"])
    assert response.status_code == 302 and view_as.SESSION_KEY not in http.session
    assert not events(Kind.VIEW_AS_CLIENT_START)


def test_records_staff_may_choose_any_client(world):
    user = factories.user(is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["access_admin", "view_as_client", "view_client"])
    )
    http = HttpClient()
    factories.otp_login(http, user)
    response = start(http, world["real_client"])
    assert response.status_code == 302 and response["Location"] == "/espace-client/"
    assert world["real_client"].last_name in unescape(http.get("/espace-client/").content.decode())


def test_an_editor_without_a_client_chosen_is_told_how(world):
    _user, http = editor()
    response = http.get("/espace-client/")
    html = unescape(response.content.decode())
    assert response.status_code == 403
    assert reverse(CHOOSER) in html and gettext("View the space as a client") in html
    assert "Testeur" not in html


# --- what they see ------------------------------------------------------------


def test_the_editor_sees_the_clients_dashboard_with_the_banner(world):
    user, http = editor()
    response = start(http, world["client"])
    assert response.status_code == 302 and response["Location"] == "/espace-client/"
    html = unescape(http.get("/espace-client/").content.decode())
    assert world["installation"].reference in html
    assert gettext("Preview as %(name)s — read only") % {"name": world["client"].full_name} in html
    assert reverse(STOP) in html
    [event] = events(Kind.VIEW_AS_CLIENT_START)
    assert event.user == user and event.details["client"] == world["client"].pk


def test_leaving_ends_the_view_and_is_logged(world):
    user, http = editor()
    start(http, world["client"])
    response = http.post(reverse(STOP))
    assert response.status_code == 302 and view_as.SESSION_KEY not in http.session
    [event] = events(Kind.VIEW_AS_CLIENT_END)
    assert event.user == user and event.details["client"] == world["client"].pk and event.details["reason"] == "left"
    assert http.get("/espace-client/").status_code == 403  # the help page again


def test_a_permission_taken_away_ends_the_view(world):
    user, http = editor()
    start(http, world["client"])
    user.groups.clear()
    response = http.get("/espace-client/")
    assert response.status_code == 403 and world["installation"].reference.encode() not in response.content
    [event] = events(Kind.VIEW_AS_CLIENT_END)
    assert event.details["reason"] == "refused"


def test_the_pro_space_stays_closed(world):
    root = Site.objects.get(is_default_site=True).root_page
    root.add_child(instance=ProSpacePage(title="Espace pro", slug="espace-pro"))
    _user, http = editor()
    start(http, world["client"])
    response = http.get("/espace-pro/")
    assert response.status_code in (302, 403, 404) and world["installation"].reference.encode() not in response.content


# --- read only ----------------------------------------------------------------


def _space_urls(space, world):
    """Every route of the client space (from the page class: a new route is swept as soon as it exists)."""
    by_kwarg = {"reference": world["request"].reference}
    urls = {"index": space.url}
    for pattern in ClientSpacePage.get_subpage_urls():
        if pattern.name == "index_route":
            continue
        kwargs = {}
        for kwarg in getattr(pattern.pattern, "converters", {}) or {}:
            if kwarg == "pk":
                kwargs[kwarg] = (
                    world["attachment"].pk
                    if "attachment" in pattern.name
                    else world["visit"].pk
                    if "visit" in pattern.name
                    else world["installation"].pk
                )
            elif kwarg in by_kwarg:
                kwargs[kwarg] = by_kwarg[kwarg]
            else:
                raise LookupError(f"{pattern.name}: no value for {kwarg!r}: add one to this test")
        urls[pattern.name] = space.url + space.reverse_subpage(pattern.name, kwargs=kwargs or None)
    return urls


def _counts():
    return (
        OutgoingMail.objects.count(),
        OutboxEvent.objects.count(),
        PortalRequest.objects.count(),
        RequestMessage.objects.count(),
        RequestAttachment.objects.count(),
    )


def test_every_post_of_the_client_space_is_refused(space, world):
    _user, http = editor()
    start(http, world["client"])
    urls = _space_urls(space, world)
    assert len(urls) >= 13
    before = _counts()
    data = {
        "installation": world["installation"].pk,
        "subject": world["subject"].pk,
        "body": "Bonjour",
        "message": "L'eau stagne dans le filtre depuis une semaine.",
        "serial_number": "AQ-2024-012345",
        "confirm": "1",
        "action": "reopen",
    }
    for name, url in urls.items():
        for method in ("post", "put", "patch", "delete"):
            response = getattr(http, method)(url, data) if method == "post" else getattr(http, method)(url)
            html = unescape(response.content.decode())
            assert response.status_code == 403, (name, method)
            assert gettext("Nothing was sent") in html, (name, method)
    assert _counts() == before


def test_the_client_would_have_sent_it(space, world):
    """The contact POST of the sweep above does send a request for the client's own account."""
    http = HttpClient()
    http.force_login(world["account_user"])
    response = http.post(
        _space_urls(space, world)["contact"],
        {
            "installation": world["installation"].pk,
            "subject": world["subject"].pk,
            "message": "L'eau stagne dans le filtre depuis une semaine.",
        },
    )
    assert response.status_code == 302 and PortalRequest.objects.count() == 2


def test_reading_as_the_client_changes_nothing(space, world):
    user, http = editor()
    start(http, world["client"])
    account = world["account_user"].portal_account
    visited = (account.previous_visit_at, account.last_visit_at)
    before = _counts()
    urls = _space_urls(space, world)
    for name in ("index", "dashboard", "request_detail", "requests", "maintenance", "news", "contact", "documents"):
        assert http.get(urls[name]).status_code == 200, name
    world["request"].refresh_from_db()
    assert world["request"].client_read_at is None  # the client's unread answer stays unread
    assert not user.groups.filter(name="Portal clients").exists()  # the guides' group not joined
    account.refresh_from_db()
    assert (account.previous_visit_at, account.last_visit_at) == visited
    assert _counts() == before


def test_files_opened_while_viewing_are_logged(space, world):
    user, http = editor()
    start(http, world["client"])
    urls = _space_urls(space, world)
    response = http.get(urls["request_attachment"])
    assert response.status_code == 200
    [event] = events(Kind.DOCUMENT_DOWNLOAD)
    assert event.user == user and event.details["view_as_client"] == world["client"].pk
    response = http.get(reverse("aquatiris_portal:document_download", args=[world["document"].pk]))
    assert response.status_code == 200
    assert len(events(Kind.DOCUMENT_DOWNLOAD)) == 2
    # Another client's document stays a 404.
    other = factories.document(factories.installation(client=world["real_client"]))
    assert http.get(reverse("aquatiris_portal:document_download", args=[other.pk])).status_code == 404
