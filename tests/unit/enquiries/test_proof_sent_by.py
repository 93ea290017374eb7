"""The ``proof_received`` event names who of the client's people answered
(``sent_by``), as the request and upload events do: a client has several."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from aquatiris_portal.enquiries import proofs
from aquatiris_portal.models import OutboxEvent, ProofKind
from home.demo.pdf import make_pdf
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def asked(settings):
    settings.AQUATIRIS_PORTAL_PUBLIC_BASE_URL = "https://www.aquatiris.example"
    spanc = factories.spanc()
    client = factories.client(first_name="Yvonne", last_name="Kerhervé")
    installation = factories.installation(spanc=spanc, client=client)
    [proof] = proofs.ask(
        user=factories.spanc_user(spanc),
        spanc=spanc,
        installations=[installation],
        kind=ProofKind.objects.get(name="Bordereau de vidange"),
        due_on=timezone.localdate() + datetime.timedelta(days=30),
    )
    return {"client": client, "proof": proof}


def _answer(user, proof):
    checked = (SimpleUploadedFile("bordereau.pdf", make_pdf("Bordereau"), "application/pdf"), "pdf", "application/pdf")
    assert proofs.answer_with_file(user=user, proof=proof, checked=checked)
    return OutboxEvent.objects.get(kind="proof_received").payload["sent_by"]


def test_a_household_member_who_answers_is_named_by_their_own_name(asked):
    partner = factories.member(asked["client"], email="erwan@example.org", first_name="Erwan", last_name="Le Bihan")
    factories.client_user(asked["client"])
    assert _answer(partner, asked["proof"]) == {"name": "Erwan Le Bihan", "email": "erwan@example.org"}


def test_an_owner_with_no_name_of_their_own_is_named_by_the_client(asked):
    owner = factories.client_user(asked["client"])
    assert _answer(owner, asked["proof"]) == {"name": "Yvonne Kerhervé", "email": owner.email}
