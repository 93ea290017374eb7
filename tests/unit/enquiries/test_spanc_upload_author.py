"""A SPANC has several agents: each upload's mail to the franchisee and its
``document_uploaded`` event name the agent who sent it, not only the SPANC."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aquatiris_portal.enquiries.spanc_uploads import receive_spanc_document
from aquatiris_portal.models import OutboxEvent, OutgoingMail
from tests import factories
from tests.unit._pro_space import pro_space_page, verified_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("portal_public_url")]


def _upload(agent, spanc, installation, content):
    return receive_spanc_document(
        user=agent,
        spanc=spanc,
        installation=installation,
        content_type="application/pdf",
        title="Rapport",
        uploaded=SimpleUploadedFile("rapport.pdf", content, content_type="application/pdf"),
    ).document


def test_each_agents_upload_is_signed_with_their_own_name():
    spanc = factories.spanc(name="SPANC de Lannion")
    installation = factories.installation(spanc=spanc)
    claire = factories.member(spanc, first_name="Claire", last_name="Martin", email="claire@lannion.example")
    # No name given at the invitation: the address stands for the person.
    unnamed = factories.member(spanc, email="agent2@lannion.example")

    for agent, content, name in [
        (claire, b"%PDF-1.4 one", "Claire Martin"),
        (unnamed, b"%PDF-1.4 two", "agent2@lannion.example"),
    ]:
        document = _upload(agent, spanc, installation, content)
        assert document.uploaded_by == agent
        mail = OutgoingMail.objects.get(key=f"spanc_upload:{document.pk}")
        assert f"Envoyé par {name}, SPANC de Lannion" in mail.body_text
        assert f"{name}, SPANC de Lannion" in mail.body_html
        event = OutboxEvent.objects.get(kind="document_uploaded", payload__document_id=document.pk)
        assert event.payload["sent_by"] == {"name": name, "email": agent.email}


def test_the_folder_shows_which_agent_sent_each_upload():
    page = pro_space_page()
    spanc = factories.spanc(name="SPANC de Lannion")
    installation = factories.installation(spanc=spanc)
    claire = factories.member(spanc, first_name="Claire", last_name="Martin")
    yann = factories.member(spanc, first_name="Yann", last_name="Le Goff")
    _upload(claire, spanc, installation, b"%PDF-1.4 one")
    _upload(yann, spanc, installation, b"%PDF-1.4 two")

    html = verified_client(claire).get(f"{page.url}dossiers/{installation.pk}/").content.decode()
    assert "Envoyé par Claire Martin" in html and "Envoyé par Yann Le Goff" in html
