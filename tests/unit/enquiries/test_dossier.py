"""« Dossier de l'installation »: the ZIP holds exactly the documents the
owner may see (access's rule), the summary PDF is tagged, French-dated and
carries no message body, the ZIP is written in chunks (memory stays flat),
and the mailed link serves only its person, for ARCHIVE_LINK_DAYS days."""

import datetime
import io
import tracemalloc
import zipfile

import pytest
import time_machine
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.test import Client as HttpClient
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from pypdf import PdfReader
from wagtail.models import Site

from aquatiris_portal.enquiries import archives
from aquatiris_portal.enquiries.archive_models import PersonalArchive
from aquatiris_portal.models import OutgoingMail, PortalRequest, RequestMessage
from aquatiris_portal.pages.client_space import ClientSpacePage
from aquatiris_portal.records.models import DocumentSource
from aquatiris_portal.records.visits import Visit
from aquatiris_portal.security_log.access_models import DocumentAccess
from tests import factories

pytestmark = pytest.mark.django_db

Kind = PersonalArchive.Kind


@pytest.fixture
def space():
    site = Site.objects.get(is_default_site=True)
    return site.root_page.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))


@pytest.fixture
def owner(space):
    client = factories.client()
    installation = factories.installation(
        client=client, reference="AQ-2019-5001", serial_number="EPU-123456", installed_on=datetime.date(2019, 5, 14)
    )
    user = factories.client_user(client)
    http = HttpClient()
    http.force_login(user)
    return {"client": client, "installation": installation, "user": user, "http": http}


def build_dossier(owner):
    archive, created = archives.start(
        Kind.DOSSIER,
        owner["user"],
        client=owner["client"],
        installation=owner["installation"],
        site_url="https://portail.example",
    )
    assert created
    return archives.build(archive.pk)


def zip_members(archive):
    with archive.file.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as archive_zip:
        return {name: archive_zip.read(name) for name in archive_zip.namelist()}


class Rollback(Exception):
    pass


DOCUMENT = st.fixed_dictionaries(
    {
        "where": st.sampled_from(["this", "other_installation", "other_client"]),
        "visible_to_client": st.booleans(),
        "visible_to_spanc": st.booleans(),
        "spanc_upload": st.booleans(),
        "deleted": st.booleans(),
        "theme": st.sampled_from([("etude-de-sol", "Étude de sol"), ("garanties", "Garanties"), None]),
        "title": st.sampled_from(["Étude de sol", "Rapport: visite/1", "..", "Plan", "Facture"]),
    }
)


@hsettings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(documents=st.lists(DOCUMENT, max_size=10), spanc_uploads_shown=st.booleans())
def test_the_zip_holds_exactly_the_documents_the_owner_may_see(owner, settings, documents, spanc_uploads_shown):
    settings.AQUATIRIS_PORTAL_CLIENTS_SEE_SPANC_UPLOADS = spanc_uploads_shown
    try:
        with transaction.atomic():
            other_installation = factories.installation(client=owner["client"])
            other_client = factories.installation()
            places = {
                "this": owner["installation"],
                "other_installation": other_installation,
                "other_client": other_client,
            }
            expected = set()
            for index, spec in enumerate(documents):
                content = f"%PDF-1.4 document {index} {spec}".encode()
                theme = factories.theme(*spec["theme"]) if spec["theme"] else None
                factories.document(
                    places[spec["where"]],
                    content=content,
                    title=spec["title"],
                    theme=theme,
                    visible_to_client=spec["visible_to_client"],
                    visible_to_spanc=spec["visible_to_spanc"],
                    source=DocumentSource.SPANC_UPLOAD if spec["spanc_upload"] else DocumentSource.SYNC,
                    deleted_at=timezone.now() if spec["deleted"] else None,
                )
                # The rule, written out here from the promise (not read from access).
                if (
                    spec["where"] == "this"
                    and spec["visible_to_client"]
                    and not spec["deleted"]
                    and (spanc_uploads_shown or not spec["spanc_upload"])
                ):
                    expected.add(content)
            archive = build_dossier(owner)
            assert archive.status == PersonalArchive.Status.DONE
            members = zip_members(archive)
            summary = [name for name in members if name.endswith(".pdf") and "/" not in name]
            assert len(summary) == 1  # the summary, at the top; every document is in its theme's folder
            contents = [data for name, data in members.items() if name not in summary]
            assert sorted(contents) == sorted(expected)
            assert all(".." not in name.split("/") and not name.startswith("/") for name in members)
            raise Rollback
    except Rollback:
        pass


def test_summary_pdf_is_tagged_french_dated_with_serial_and_no_message_body(owner):
    installation = owner["installation"]
    request = PortalRequest.objects.create(
        kind="question",
        client=owner["client"],
        installation=installation,
        subject_label="Odeurs au filtre",
        message="SECRET-BODY-TEXT",
        created_at=datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC),
    )
    RequestMessage.objects.create(request=request, author_role="client", channel="portal", body="SECRET-REPLY-TEXT")
    Visit.objects.create(
        external_id="V-1",
        installation=installation,
        kind="maintenance",
        done_on=datetime.date(2025, 6, 2),
        technician="Luc",
    )
    archive = build_dossier(owner)
    members = zip_members(archive)
    [pdf_name] = [name for name in members if "/" not in name]
    reader = PdfReader(io.BytesIO(members[pdf_name]))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "EPU-123456" in text and "AQ-2019-5001" in text
    assert "02/03/2026" in text  # 23:30 UTC on 1 March is 2 March in Paris
    assert "02/06/2025" in text and "14/05/2019" in text
    assert "Odeurs au filtre" in text
    assert "SECRET-BODY-TEXT" not in text and "SECRET-REPLY-TEXT" not in text
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert str(root["/Lang"]).startswith("fr")


def test_the_zip_is_written_in_chunks_memory_stays_flat(owner, settings):
    megabyte = bytes(range(256)) * 4096
    for index in range(200):
        factories.document(owner["installation"], content=megabyte, title=f"Document {index}")
    tracemalloc.start()
    try:
        archive = build_dossier(owner)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert archive.status == PersonalArchive.Status.DONE and archive.file_count == 201
    assert archive.size > 200 * len(megabyte)
    assert peak < 40 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB for 200 MB of documents"


def test_a_dossier_over_the_size_limit_says_so_and_keeps_no_file(owner, settings):
    settings.AQUATIRIS_PORTAL_ARCHIVE_MAX_BYTES = 1000
    factories.document(owner["installation"], content=b"%PDF-1.4 " + b"x" * 2000)
    archive = build_dossier(owner)
    assert archive.status == PersonalArchive.Status.TOO_LARGE and not archive.file
    assert filesizeformat(1000) in archives.status_text(archive)  # the limit, said plainly
    assert not OutgoingMail.objects.filter(key=f"archive-ready:{archive.pk}").exists()


def test_one_build_at_a_time_per_installation(owner):
    first, created = archives.start(
        Kind.DOSSIER, owner["user"], client=owner["client"], installation=owner["installation"]
    )
    other_person = factories.user()
    second, created_again = archives.start(
        Kind.DOSSIER, other_person, client=owner["client"], installation=owner["installation"]
    )
    assert created and not created_again and second.pk == first.pk


def test_the_button_queues_a_build_the_page_says_being_prepared_then_ready(
    owner, django_capture_on_commit_callbacks, stub_broker, portal_public_url
):
    page = f"/espace-client/installations/{owner['installation'].pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        response = owner["http"].post(f"/portail/installations/{owner['installation'].pk}/dossier/", {"next": page})
    assert response.status_code == 302 and response["Location"] == page
    [archive] = PersonalArchive.objects.all()
    assert stub_broker.queues["aquatiris_exports"].qsize() == 1
    assert archives.status_text(archive) in owner["http"].get(page).content.decode()  # being prepared
    archives.build(archive.pk)
    html = owner["http"].get(page).content.decode()
    assert archives.download_path(archive) in html
    mail = OutgoingMail.objects.get(key=f"archive-ready:{archive.pk}")
    assert mail.to == [owner["user"].email]
    assert f"https://portail.example{archives.download_path(archive)}" in mail.body_text


def test_the_link_serves_its_person_through_the_access_log(owner):
    factories.document(owner["installation"], content=b"%PDF-1.4 one")
    archive = build_dossier(owner)
    response = owner["http"].get(archives.download_path(archive))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert b"".join(response.streaming_content)[:2] == b"PK"
    row = DocumentAccess.objects.get(file_id=archive.pk)
    assert row.user == owner["user"] and row.client_id == owner["client"].pk


def test_another_persons_link_is_404_even_in_the_same_household(owner):
    from aquatiris_portal.accounts.models import Membership

    archive = build_dossier(owner)
    stranger = HttpClient()
    stranger.force_login(factories.client_user())
    household = factories.user()
    Membership.objects.create(person=household, client=owner["client"], role="household")
    same_house = HttpClient()
    same_house.force_login(household)
    assert same_house.get(f"/espace-client/installations/{owner['installation'].pk}/").status_code == 200
    assert stranger.get(archives.download_path(archive)).status_code == 404
    assert same_house.get(archives.download_path(archive)).status_code == 404
    assert not DocumentAccess.objects.exists()


def test_the_link_is_refused_eight_days_later(owner):
    archive = build_dossier(owner)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=8)):
        owner["http"].force_login(owner["user"])  # a session does not last 8 days
        response = owner["http"].get(archives.download_path(archive))
    assert response.status_code == 410
    assert not DocumentAccess.objects.exists()
    with time_machine.travel(timezone.now() + datetime.timedelta(days=6)):
        owner["http"].force_login(owner["user"])
        assert owner["http"].get(archives.download_path(archive)).status_code == 200


def test_another_clients_installation_cannot_be_asked(owner):
    foreign = factories.installation()
    response = owner["http"].post(f"/portail/installations/{foreign.pk}/dossier/")
    assert response.status_code == 404 and not PersonalArchive.objects.exists()
