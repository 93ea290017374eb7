"""The people and files of the document access log's tests, and the table of
every route that hands out a personal file: how to request it as each kind
of reader, and the row it must write (test_access_log_routes.py requests
each; test_access_log_sweep.py checks that no file route is missing from it).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from aquatiris_portal.accounts.memberships import add_membership
from aquatiris_portal.enquiries import links
from aquatiris_portal.models import RequestAttachment, RequestExport
from aquatiris_portal.security_log.access_models import DocumentAccess
from aquatiris_portal.sync.delivery import attachment_token, download_token
from tests import factories
from tests.unit.enquiries.test_threads import make_request

Actor = DocumentAccess.Actor
BASE = "/espace-client/"


@dataclass
class People:
    client: object
    installation: object
    document: object
    owner: object
    household: object
    spanc: object
    spanc_agent: object
    franchisee: object
    staff: object
    portal_request: object
    attachment: object
    export: object


def make_people():
    """One client (owner and a household member), their installation on a
    SPANC's territory with a franchisee, a document shared with the SPANC, a
    request with an attachment, a staff member and their requests export."""
    spanc = factories.spanc(name="SPANC de Lannion")
    franchisee = factories.franchisee(company="Aquatiris Trégor", email="tregor@aquatiris.example")
    client = factories.client()
    installation = factories.installation(client=client, spanc=spanc, franchisee=franchisee)
    document = factories.document(installation, title="Rapport de contrôle", visible_to_spanc=True)
    owner = factories.client_user(client, first_name="Anne", last_name="Durand")
    household = factories.user(first_name="Paul", last_name="Durand")
    add_membership(household, client, role="household")
    spanc_agent = factories.spanc_user(spanc, first_name="Claire", last_name="Martin")
    portal_request = make_request(client, installation, owner)
    attachment = RequestAttachment(request=portal_request, filename="photo.pdf", content_type="application/pdf", size=4)
    attachment.file.save("photo.pdf", ContentFile(b"%PDF"), save=False)
    attachment.save()
    staff = factories.user(first_name="Sophie", last_name="Conseil", is_staff=True)
    from aquatiris_portal.backoffice.groups import CUSTOMER_SERVICE, ensure_groups

    ensure_groups()
    staff.groups.add(Group.objects.get(name=CUSTOMER_SERVICE))
    export = RequestExport(
        requested_by=staff,
        format=RequestExport.Format.CSV,
        status=RequestExport.Status.DONE,
        filename="demandes.csv",
        finished_at=timezone.now(),
    )
    export.file.save("demandes.csv", ContentFile(b"a;b\n"), save=False)
    export.save()
    return People(
        client,
        installation,
        document,
        owner,
        household,
        spanc,
        spanc_agent,
        franchisee,
        staff,
        portal_request,
        attachment,
        export,
    )


def logged_in(user, *, second_factor=False):
    http = HttpClient()
    if second_factor:
        factories.otp_login(http, user)
    else:
        http.force_login(user)
    return http


def records_staff(people):
    """Staff allowed to read every document (the back office), past the second factor."""
    from django.contrib.auth.models import Permission

    people.staff.user_permissions.add(Permission.objects.get(codename="view_portaldocument"))
    return logged_in(people.staff, second_factor=True)


def viewing_as_client(people):
    """Staff viewing the client space as the client ("Voir comme un client")."""
    from django.contrib.auth.models import Permission

    people.staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["access_admin", "view_as_client", "view_client"])
    )
    http = logged_in(people.staff, second_factor=True)
    response = http.post(reverse("aquatiris_portal_view_as_client_start"), {"client": people.client.pk})
    assert response.status_code == 302 and response["Location"] == BASE, response
    return http


def franchisee_session(people, *, document=False):
    """A browser that opened the franchisee's mailed link (document or reply)."""
    http = HttpClient()
    if document:
        token = links.issue_document_link(people.document, people.franchisee)
        landing = http.get(reverse("aquatiris_portal:franchisee_document_link", args=[token]))
    else:
        token = links.issue_reply_link(people.portal_request, people.franchisee)
        landing = http.get(reverse("aquatiris_portal:request_reply", args=[token]))
    assert landing.status_code == 302, landing.status_code
    return http


@dataclass(frozen=True)
class Case:
    route: str  # the sweep's id of the route (tests/unit/_url_sweep.py)
    reader: str
    actor: str
    request: Callable  # people -> (http client, url)
    kind: str = DocumentAccess.FileKind.DOCUMENT


def _document(people, view="document_download"):
    return reverse(f"aquatiris_portal:{view}", args=[people.document.pk])


def _client_attachment(people):
    return f"{BASE}demandes/{people.portal_request.reference}/pieces-jointes/{people.attachment.pk}/"


ATTACHMENT, EXPORT = DocumentAccess.FileKind.ATTACHMENT, DocumentAccess.FileKind.EXPORT
ARCHIVE = DocumentAccess.FileKind.ARCHIVE


def _archive(people):
    """The owner's installation dossier, built, behind its mailed link (``people.archive``)."""
    from aquatiris_portal.enquiries import archives

    archive, _created = archives.start("dossier", people.owner, client=people.client, installation=people.installation)
    people.archive = archives.build(archive.pk)
    return archives.download_path(people.archive)


CASES = (
    Case("aquatiris_portal:document_download", "owner", Actor.OWNER, lambda p: (logged_in(p.owner), _document(p))),
    Case(
        "aquatiris_portal:document_view",
        "household member",
        Actor.HOUSEHOLD,
        lambda p: (logged_in(p.household), _document(p, "document_view")),
    ),
    Case(
        "aquatiris_portal:document_download",
        "SPANC agent",
        Actor.SPANC,
        lambda p: (logged_in(p.spanc_agent, second_factor=True), _document(p)),
    ),
    Case(
        "aquatiris_portal:document_view",
        "SPANC agent",
        Actor.SPANC,
        lambda p: (logged_in(p.spanc_agent, second_factor=True), _document(p, "document_view")),
    ),
    Case(
        "aquatiris_portal:document_download",
        "back-office staff",
        Actor.STAFF,
        lambda p: (records_staff(p), _document(p)),
    ),
    Case(
        "aquatiris_portal:document_view",
        "staff viewing as the client",
        Actor.STAFF,
        lambda p: (viewing_as_client(p), _document(p, "document_view")),
    ),
    Case(
        "aquatiris_portal:sync_document_download",
        "internal system",
        Actor.SYSTEM,
        lambda p: (
            HttpClient(),
            reverse("aquatiris_portal:sync_document_download", args=[download_token(p.document.pk)]),
        ),
    ),
    Case(
        "aquatiris_portal:franchisee_document_file",
        "franchisee (document link)",
        Actor.FRANCHISEE,
        lambda p: (
            franchisee_session(p, document=True),
            reverse("aquatiris_portal:franchisee_document_file", args=[p.document.pk]),
        ),
    ),
    Case(
        "aquatiris_portal:request_reply_attachment",
        "franchisee (reply link)",
        Actor.FRANCHISEE,
        lambda p: (
            franchisee_session(p),
            reverse("aquatiris_portal:request_reply_attachment", args=[p.portal_request.reference, p.attachment.pk]),
        ),
        ATTACHMENT,
    ),
    Case(
        "aquatiris_portal:request_attachment_download",
        "internal system",
        Actor.SYSTEM,
        lambda p: (
            HttpClient(),
            reverse("aquatiris_portal:request_attachment_download", args=[attachment_token(p.attachment.pk)]),
        ),
        ATTACHMENT,
    ),
    Case(
        "page:ClientSpacePage:request_attachment",
        "owner",
        Actor.OWNER,
        lambda p: (logged_in(p.owner), _client_attachment(p)),
        ATTACHMENT,
    ),
    Case(
        "page:ClientSpacePage:request_attachment",
        "household member",
        Actor.HOUSEHOLD,
        lambda p: (logged_in(p.household), _client_attachment(p)),
        ATTACHMENT,
    ),
    Case(
        "page:ClientSpacePage:request_attachment",
        "staff viewing as the client",
        Actor.STAFF,
        lambda p: (viewing_as_client(p), _client_attachment(p)),
        ATTACHMENT,
    ),
    Case(
        "aquatiris_portal_requests:attachment",
        "back-office staff",
        Actor.STAFF,
        lambda p: (
            logged_in(p.staff, second_factor=True),
            reverse("aquatiris_portal_requests:attachment", args=[p.attachment.pk]),
        ),
        ATTACHMENT,
    ),
    Case(
        "aquatiris_portal_requests:export_download",
        "back-office staff",
        Actor.STAFF,
        lambda p: (
            logged_in(p.staff, second_factor=True),
            reverse("aquatiris_portal_requests:export_download", args=[p.export.pk]),
        ),
        EXPORT,
    ),
    Case(
        "aquatiris_portal:archive_download", "owner", Actor.OWNER, lambda p: (logged_in(p.owner), _archive(p)), ARCHIVE
    ),
)


def body(response):
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content)
    return response.content


def served(response):
    """The response hands the file over (streamed, or a presigned redirect)."""
    return response.status_code in (200, 302) and "sandbox" in response.get("Content-Security-Policy", "")
