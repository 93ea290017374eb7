"""The proof loop: a SPANC asks owners for a proof of maintenance (a folder,
or in bulk within a bound), the owner answers with a file or "my installer
does my maintenance"; the list, the export and the outbox follow."""

import datetime
import io
import json

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.utils import timezone
from wagtail.models import Site

from aquatiris_portal.enquiries import proofs
from aquatiris_portal.enquiries.proof_models import ProofRequest
from aquatiris_portal.models import OutboxEvent, OutgoingMail, PortalDocument, ProofKind
from aquatiris_portal.pages.client_space import ClientSpacePage
from aquatiris_portal.records.models import DocumentSource
from home.demo.pdf import make_pdf
from tests import factories
from tests.unit._pro_space import pro_space_page, verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def loop(settings):
    settings.AQUATIRIS_PORTAL_PUBLIC_BASE_URL = "https://www.aquatiris.example"
    page = pro_space_page()
    site = Site.objects.get(is_default_site=True)
    client_page = site.root_page.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))
    spanc = factories.spanc(name="SPANC de Lannion", email="spanc@lannion.example")
    franchisee = factories.franchisee(email="franchise@aquatiris.example")
    owner_client = factories.client(first_name="Yvonne", last_name="Kerhervé")
    installation = factories.installation(spanc=spanc, franchisee=franchisee, client=owner_client)
    owner = factories.client_user(owner_client)
    owner_http = HttpClient()
    owner_http.force_login(owner)
    return {
        "page": page,
        "client_page": client_page,
        "spanc": spanc,
        "installation": installation,
        "owner": owner,
        "owner_http": owner_http,
        "http": verified_client(factories.spanc_user(spanc)),
        "kind": ProofKind.objects.get(name="Bordereau de vidange"),
    }


def _future(days=30):
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def _ask(loop, installation=None, due_on=None):
    installation = installation or loop["installation"]
    return loop["http"].post(
        f"{loop['page'].url}dossiers/{installation.pk}/justificatif/",
        {"kind": loop["kind"].pk, "due_on": due_on or _future(), "note": "Merci"},
    )


def test_the_editors_list_starts_with_the_usual_proofs():
    assert set(ProofKind.objects.values_list("name", flat=True)) >= {
        "Bordereau de vidange",
        "Contrat d'entretien",
        "Rapport de visite",
    }


def test_a_folder_request_tells_owner_franchisee_and_internal_system_once(loop):
    response = _ask(loop)
    assert response.status_code == 302
    proof = ProofRequest.objects.get()
    assert proof.status == "requested" and proof.spanc == loop["spanc"]
    assert OutboxEvent.objects.filter(kind="proof_requested").count() == 1
    mails = {mail.key: mail for mail in OutgoingMail.objects.all()}
    owner_mail = mails[f"proof:{proof.pk}:asked:{loop['owner'].pk}"]
    assert f"justificatifs/{proof.pk}/" in owner_mail.body_text
    assert mails[f"proof:{proof.pk}:proof_franchisee"].to == ["franchise@aquatiris.example"]
    _ask(loop)  # asked again: the open request stands, nothing more is sent
    assert ProofRequest.objects.count() == 1 and OutboxEvent.objects.filter(kind="proof_requested").count() == 1


def test_a_due_date_in_the_past_or_today_is_refused(loop):
    for due in (timezone.localdate().isoformat(), _future(-3)):
        response = _ask(loop, due_on=due)
        assert response.status_code == 200
        assert "La date doit être dans le futur" in response.content.decode()
    for due in (timezone.localdate(), timezone.localdate() - datetime.timedelta(days=1)):
        with pytest.raises(ValueError):  # the service refuses it too, whoever calls it
            proofs.ask(
                user=None, spanc=loop["spanc"], installations=[loop["installation"]], kind=loop["kind"], due_on=due
            )
    assert not ProofRequest.objects.exists()


def test_another_spancs_folder_is_a_404(loop):
    other = factories.installation(spanc=factories.spanc())
    assert _ask(loop, installation=other).status_code == 404
    bulk = loop["http"].post(
        f"{loop['page'].url}justificatifs/", {"scope": "selected", "folder": [loop["installation"].pk, other.pk]}
    )
    assert bulk.status_code == 404
    assert not ProofRequest.objects.exists()


def test_bulk_asks_the_selection_and_the_filter_within_the_bound(loop, settings):
    second = factories.installation(spanc=loop["spanc"])
    url = f"{loop['page'].url}justificatifs/"
    form = loop["http"].post(url, {"scope": "filter"})
    assert form.status_code == 200 and "Demander le justificatif" in form.content.decode()
    settings.AQUATIRIS_PORTAL_PROOF_BULK_MAX = 1
    refused = loop["http"].post(url, {"scope": "filter", "kind": loop["kind"].pk, "due_on": _future()})
    assert refused.status_code == 302 and not ProofRequest.objects.exists()
    with pytest.raises(proofs.TooMany):
        proofs.ask(
            user=None,
            spanc=loop["spanc"],
            installations=[loop["installation"], second],
            kind=loop["kind"],
            due_on=timezone.localdate() + datetime.timedelta(days=3),
        )
    settings.AQUATIRIS_PORTAL_PROOF_BULK_MAX = 5
    done = loop["http"].post(url, {"scope": "filter", "kind": loop["kind"].pk, "due_on": _future()})
    assert done.status_code == 302
    assert set(ProofRequest.objects.values_list("installation_id", flat=True)) == {loop["installation"].pk, second.pk}


def _answer_url(loop, proof):
    return f"{loop['client_page'].url}justificatifs/{proof.pk}/"


def test_the_dashboard_shows_the_task_and_another_clients_request_is_404(loop):
    _ask(loop)
    proof = ProofRequest.objects.get()
    body = loop["owner_http"].get(loop["client_page"].url).content.decode()
    assert "SPANC de Lannion vous demande votre bordereau de vidange avant le" in body
    stranger = HttpClient()
    stranger.force_login(factories.client_user())
    assert stranger.get(_answer_url(loop, proof)).status_code == 404
    assert stranger.post(_answer_url(loop, proof), {"franchisee": "1"}).status_code == 404


def test_answer_by_upload_makes_the_document_the_status_and_one_event(loop):
    _ask(loop)
    proof = ProofRequest.objects.get()
    pdf = make_pdf("Bordereau")
    for _attempt in range(2):  # a double submit: received once
        response = loop["owner_http"].post(
            _answer_url(loop, proof), {"file": SimpleUploadedFile("bordereau.pdf", pdf, content_type="application/pdf")}
        )
        assert response.status_code in (200, 302)
    proof.refresh_from_db()
    assert proof.status == "received" and proof.answered_by == loop["owner"]
    document = proof.answer_document
    assert document.source == DocumentSource.OWNER_PROOF and document.visible_to_spanc
    assert PortalDocument.objects.filter(source=DocumentSource.OWNER_PROOF).count() == 1
    events = OutboxEvent.objects.filter(kind="proof_received")
    assert events.count() == 1
    assert events.get().payload["document_id"] == document.pk
    # Delivered like a SPANC's upload: a signed link to the file, made at each attempt.
    from aquatiris_portal.sync.delivery import body_for

    payload = json.loads(body_for(events.get()))["payload"]
    assert payload["download_url"] and payload["kind"] == "Bordereau de vidange"
    assert events.get().payload["sha256"] == document.sha256
    # The service itself receives once (two tabs posting at the same time pass the page's check).
    again = proofs.answer_with_file(
        user=loop["owner"],
        proof=proof,
        checked=(SimpleUploadedFile("b.pdf", pdf, content_type="application/pdf"), "pdf", "application/pdf"),
    )
    assert again is False and events.count() == 1


def test_a_bad_file_is_refused_with_the_error_summary(loop):
    _ask(loop)
    proof = ProofRequest.objects.get()
    response = loop["owner_http"].post(
        _answer_url(loop, proof),
        {"file": SimpleUploadedFile("bordereau.pdf", b"not a pdf", content_type="application/pdf")},
    )
    assert response.status_code == 200
    assert "aqp-error-summary" in response.content.decode()
    proof.refresh_from_db()
    assert proof.status == "requested"


def test_franchisee_option_mails_the_franchisee_once(loop):
    _ask(loop)
    proof = ProofRequest.objects.get()
    for _attempt in range(2):
        loop["owner_http"].post(_answer_url(loop, proof), {"franchisee": "1"})
    proof.refresh_from_db()
    assert proof.franchisee_maintains and proof.status == "requested"
    assert OutgoingMail.objects.filter(key=f"proof:{proof.pk}:proof_franchisee_maintains").count() == 1


def test_overdue_status_is_read_from_the_due_date(loop):
    _ask(loop)
    proof = ProofRequest.objects.get()
    assert proof.display_status() == "requested"
    assert proof.display_status(today=proof.due_on + datetime.timedelta(days=1)) == "overdue"
    proof.status = "received"
    assert proof.display_status(today=proof.due_on + datetime.timedelta(days=1)) == "received"


def test_list_column_filter_and_export(loop):
    quiet = factories.installation(spanc=loop["spanc"])
    _ask(loop)
    page_url = loop["page"].url
    body = loop["http"].get(page_url + "?proof=requested").content.decode()
    assert loop["installation"].reference in body and quiet.reference not in body
    assert "demandé" in body
    not_yet = loop["http"].get(page_url + "?proof=overdue").content.decode()
    assert loop["installation"].reference not in not_yet  # due in a month: not overdue
    none = loop["http"].get(page_url + "?proof=none").content.decode()
    assert quiet.reference in none and loop["installation"].reference not in none
    ProofRequest.objects.update(due_on=timezone.localdate() - datetime.timedelta(days=1))
    overdue = loop["http"].get(page_url + "?proof=overdue").content.decode()
    assert loop["installation"].reference in overdue and "en retard" in overdue
    export = loop["http"].get(page_url + "export/?proof=overdue")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = next(row for row in rows if "Justificatif" in row)
    column = header.index("Justificatif")
    values = [row[column] for row in rows[rows.index(header) + 1 :]]
    assert values == ["en retard"]


def _ask_directly(loop, due_on):
    # The SPANC's session would not outlive the time machine's jumps: the service, as the view calls it.
    return proofs.ask(
        user=None,
        spanc=loop["spanc"],
        installations=[loop["installation"]],
        kind=loop["kind"],
        due_on=datetime.date.fromisoformat(due_on),
    )[0]


def test_reminders_once_each_at_d_minus_7_and_on_the_due_date(loop, time_machine):
    from aquatiris_portal.digests import proof_reminders

    start = timezone.make_aware(datetime.datetime(2027, 3, 1, 10, 0))
    time_machine.move_to(start, tick=False)
    proof = _ask_directly(loop, "2027-03-15")
    reminders = OutgoingMail.objects.filter(key__startswith=f"proof:{proof.pk}:")

    def sent():
        return sorted(key.split(":")[2] for key in reminders.values_list("key", flat=True))

    proof_reminders.send_due()
    assert "before" not in sent()
    time_machine.move_to(timezone.make_aware(datetime.datetime(2027, 3, 8, 10, 0)), tick=False)
    proof_reminders.send_due()
    proof_reminders.send_due()
    assert sent().count("before") == 1 and "due" not in sent()
    time_machine.move_to(timezone.make_aware(datetime.datetime(2027, 3, 15, 10, 0)), tick=False)
    proof_reminders.send_due()
    proof_reminders.send_due()
    assert sent().count("due") == 1
    time_machine.move_to(timezone.make_aware(datetime.datetime(2027, 3, 20, 10, 0)), tick=False)
    proof_reminders.send_due()
    assert sent().count("due") == 1 and sent().count("before") == 1


def test_reminders_follow_the_owners_choice(loop, time_machine):
    from aquatiris_portal.digests import proof_reminders
    from aquatiris_portal.notifications.preferences import set_preference

    time_machine.move_to(timezone.make_aware(datetime.datetime(2027, 3, 1, 10, 0)), tick=False)
    _ask_directly(loop, "2027-03-15")
    set_preference(loop["owner"], "proof_requests", False)
    time_machine.move_to(timezone.make_aware(datetime.datetime(2027, 3, 15, 10, 0)), tick=False)
    proof_reminders.send_due()
    assert not OutgoingMail.objects.filter(key__contains=":due:").exists()


def test_the_weekly_spanc_digest_lists_the_proofs_that_came_in(loop, settings):
    from aquatiris_portal.digests.services import send_due

    settings.AQUATIRIS_PORTAL_SPANC_DIGEST_DAYS = 7
    _ask(loop)
    proof = ProofRequest.objects.get()
    pdf = make_pdf("Bordereau")
    loop["owner_http"].post(
        _answer_url(loop, proof), {"file": SimpleUploadedFile("bordereau.pdf", pdf, content_type="application/pdf")}
    )
    send_due(now=timezone.now() + datetime.timedelta(minutes=1))
    mail = OutgoingMail.objects.get(key__startswith="digest:spanc:")
    assert "Justificatifs reçus" in mail.body_text
    assert f"- Bordereau de vidange — {loop['installation'].reference}" in mail.body_text
