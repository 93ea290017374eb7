"""One path per job: every message of a request's thread, the opening one
too, is written by ``threads.post_message`` (its files by
``threads.save_attachments``), and one module, ``enquiries/routing.py``,
decides who receives the enquiries' mails."""

import ast
import re
import traceback
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models.signals import post_save
from django.test import Client as HttpClient
from django.urls import reverse

import aquatiris_portal
from aquatiris_portal.enquiries import routing, spanc_uploads, threads
from aquatiris_portal.models import OutgoingMail, PortalRequest, RequestAttachment, RequestMessage, RequestSubject
from tests import factories
from tests.unit.enquiries.test_reply_link import open_link
from tests.unit.enquiries.test_threads import customer_service, jpeg, space  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("portal_public_url")]

PACKAGE = Path(aquatiris_portal.__file__).parent
NETWORK_HEADS = {"network_head_email_list", "network_head_emails"}


@pytest.fixture
def written():
    """[(model, through post_message, through save_attachments)] for each thread row created."""
    rows = []

    def record(sender, instance, created, **kwargs):
        if created:
            codes = {frame.f_code for frame, _line in traceback.walk_stack(None)}
            rows.append(
                (sender.__name__, threads.post_message.__code__ in codes, threads.save_attachments.__code__ in codes)
            )

    models = (PortalRequest, RequestMessage, RequestAttachment)
    for model in models:
        post_save.connect(record, sender=model, dispatch_uid=f"test_one_routing.{model.__name__}")
    yield rows
    for model in models:
        post_save.disconnect(sender=model, dispatch_uid=f"test_one_routing.{model.__name__}")


def test_every_message_of_a_thread_goes_through_the_one_posting_function(written, space):  # noqa: F811
    client = factories.client()
    installation = factories.installation(client=client)
    http = HttpClient()
    http.force_login(factories.client_user(client))
    subject = RequestSubject.objects.create(name="Question sur ma pompe")

    # The opening message: the contact form, with a photo.
    assert (
        http.post(
            "/espace-client/contact/",
            {
                "installation": installation.pk,
                "subject": subject.pk,
                "message": "La pompe ne tourne plus",
                "attachments": [jpeg()],
            },
        ).status_code
        == 302
    )
    portal_request = PortalRequest.objects.get()
    thread_url = f"/espace-client/demandes/{portal_request.reference}/"
    # The client's reply.
    assert http.post(thread_url, {"body": "Une autre photo", "attachments": [jpeg()]}).status_code == 302
    # The franchisee's reply, through the link of his mail.
    mail = OutgoingMail.objects.get(key=f"request:{portal_request.reference}:franchisee")
    link = re.search(r"https?://[^/\s]+(/portail/reponse/\S+/)", mail.body_text).group(1)
    franchisee_http, _page = open_link(link)
    page = reverse("aquatiris_portal:request_reply_page", args=[portal_request.reference])
    assert (
        franchisee_http.post(
            page, {"body": "Je passe jeudi", "attachments": [SimpleUploadedFile("devis.jpg", jpeg().read())]}
        ).status_code
        == 302
    )
    # Staff's reply, from the admin.
    staff = HttpClient()
    customer_service(staff)
    assert (
        staff.post(
            reverse("aquatiris_portal_requests:reply", args=[portal_request.pk]),
            {"body": "Nous suivons", "status": "in_progress", "attachments": [jpeg()]},
        ).status_code
        == 302
    )

    assert RequestMessage.objects.count() == 3 and RequestAttachment.objects.count() == 4
    assert [row[0] for row in written].count("PortalRequest") == 1
    assert [row for row in written if not row[1]] == []  # nothing of a thread is written elsewhere
    assert [row for row in written if row[0] == "RequestAttachment" and not row[2]] == []  # one attachment loop


def test_the_opening_message_is_routed_like_a_reply(space):  # noqa: F811
    """After-sales: the franchisee and the network heads, for the request and for the client's reply alike."""
    client = factories.client()
    installation = factories.installation(client=client)
    user = factories.client_user(client)
    subject = RequestSubject.objects.create(name="Panne", is_after_sales=True)
    from aquatiris_portal.enquiries.services import submit_request

    portal_request = submit_request(
        user=user,
        client=client,
        installation=installation,
        kind=PortalRequest.Kind.AFTER_SALES,
        message="Panne",
        subject=subject,
        portal_settings=None,
    )
    reply = threads.post_message(portal_request, role="client", channel="client_space", body="Alors ?", user=user)
    opening = {
        mail.key.rsplit(":", 1)[1]: mail.to
        for mail in OutgoingMail.objects.filter(key__startswith=f"request:{portal_request.reference}:")
    }
    replies = {
        mail.key.rsplit(":", 1)[1]: mail.to
        for mail in OutgoingMail.objects.filter(key__startswith=f"request_message:{reply.pk}:")
    }
    assert opening.pop("client_copy") == [client.email]
    assert (
        opening == replies == {"franchisee": [installation.franchisee.email], "network_head": ["sav@aquatiris.example"]}
    )


def test_a_spanc_upload_takes_its_recipients_from_routing(monkeypatch):
    spanc = factories.spanc()
    installation = factories.installation(spanc=spanc)
    asked = []

    def recipients(document, installation, portal_settings=None):
        asked.append(document.pk)
        return ["decided-by-routing@example.org"], True

    monkeypatch.setattr(spanc_uploads, "spanc_upload_recipients", recipients)
    spanc_uploads.receive_spanc_document(
        user=factories.spanc_user(spanc),
        spanc=spanc,
        installation=installation,
        content_type="application/pdf",
        title="Rapport",
        uploaded=SimpleUploadedFile("rapport.pdf", b"%PDF-1.4 one", content_type="application/pdf"),
    )
    mail = OutgoingMail.objects.get(key__startswith="spanc_upload:")
    assert asked and mail.to == ["decided-by-routing@example.org"]


# -- one place decides: read in the source ---------------------------------------------


def _modules(folder=PACKAGE):
    for path in sorted(folder.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path, ast.parse(path.read_text(), str(path))


def _source(node):
    return ast.unparse(node)


def test_only_routing_reads_the_network_heads():
    allowed = {PACKAGE / "enquiries" / "routing.py", PACKAGE / "snippets" / "site_settings.py"}
    found = [
        f"{path.relative_to(PACKAGE)}:{node.lineno}"
        for path, tree in _modules()
        if path not in allowed
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in NETWORK_HEADS
    ]
    assert found == []


def test_the_enquiries_mails_take_their_recipients_from_routing():
    """In enquiries/, no module but routing.py reads an address to mail: no
    ``to=`` built from an address field, no franchisee's or client's email read."""
    found = []
    for path, tree in _modules(PACKAGE / "enquiries"):
        if path.name == "routing.py" or "queue_mail" not in path.read_text():
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _source(node.func).endswith("queue_mail"):
                for keyword in node.keywords:
                    if keyword.arg == "to" and any(
                        isinstance(sub, ast.Attribute) and sub.attr.endswith("email") for sub in ast.walk(keyword.value)
                    ):
                        found.append(f"{path.name}:{node.lineno} to={_source(keyword.value)}")
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("email", "client_email")
                and re.search(r"franchisee|client", _source(node.value))
            ):
                found.append(f"{path.name}:{node.lineno} {_source(node)}")
    assert found == []


def test_routing_is_the_module_that_names_the_rule():
    source = (PACKAGE / "enquiries" / "routing.py").read_text()
    assert "AFTER_SALES" in source and "network_head_email_list" in source
    assert routing.client_message_recipients.__module__ == "aquatiris_portal.enquiries.routing"
