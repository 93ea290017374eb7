"""The foundation: migrations complete, private files reachable only
through the download view, the records read-only in the admin."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client as HttpClient
from django.urls import reverse

from aquatiris_portal.storage import backend
from tests import factories

pytestmark = pytest.mark.django_db


def test_no_missing_migration():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit_:  # makemigrations --check exits 1 on changes
        pytest.fail(f"Missing migration:\n{out.getvalue()} ({exit_})")


def test_private_file_lives_outside_media_and_has_no_url(settings):
    doc = factories.document()
    path = backend().path(doc.file.name)
    assert not path.startswith(str(settings.MEDIA_ROOT))
    with pytest.raises(ValueError):
        doc.file.url  # noqa: B018  reading the attribute is what raises


def test_anonymous_download_redirects_to_login_without_bytes():
    doc = factories.document()
    for name in ("aquatiris_portal:document_download", "aquatiris_portal:document_view"):
        response = HttpClient().get(reverse(name, args=[doc.pk]))
        assert response.status_code == 302
        assert reverse("aquatiris_portal:login") in response["Location"]
        assert b"%PDF" not in response.content


def test_media_url_does_not_serve_private_files():
    doc = factories.document()
    response = HttpClient().get("/media/" + doc.file.name)
    assert response.status_code == 404


def test_owner_downloads_other_client_gets_404():
    doc = factories.document()
    owner = factories.client_user(doc.installation.client)
    stranger = factories.client_user()
    http = HttpClient()
    http.force_login(owner)
    response = http.get(reverse("aquatiris_portal:document_download", args=[doc.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert response["Content-Disposition"].startswith("attachment;")
    inline = http.get(reverse("aquatiris_portal:document_view", args=[doc.pk]))
    assert inline["Content-Disposition"].startswith("inline;")
    http.force_login(stranger)
    assert http.get(reverse("aquatiris_portal:document_download", args=[doc.pk])).status_code == 404
    assert http.get(reverse("aquatiris_portal:document_download", args=[doc.pk + 999])).status_code == 404


def test_html_is_never_served_inline():
    doc = factories.document(
        content=b"<html><script>alert(1)</script></html>", filename="x.html", content_type="text/html"
    )
    http = HttpClient()
    http.force_login(factories.client_user(doc.installation.client))
    response = http.get(reverse("aquatiris_portal:document_view", args=[doc.pk]))
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_deleted_document_is_404():
    from django.utils import timezone

    doc = factories.document()
    http = HttpClient()
    http.force_login(factories.client_user(doc.installation.client))
    doc.deleted_at = timezone.now()
    doc.save()
    assert http.get(reverse("aquatiris_portal:document_download", args=[doc.pk])).status_code == 404


def test_spanc_sees_only_shared_documents_of_its_territory():
    spanc = factories.spanc()
    inst = factories.installation(spanc=spanc)
    shared = factories.document(inst, visible_to_spanc=True)
    private = factories.document(inst, visible_to_spanc=False)
    http = HttpClient()
    factories.otp_login(http, factories.spanc_user(spanc))  # SPANC see nothing before the second factor
    assert http.get(reverse("aquatiris_portal:document_download", args=[shared.pk])).status_code == 200
    assert http.get(reverse("aquatiris_portal:document_download", args=[private.pk])).status_code == 404
    factories.otp_login(http, factories.spanc_user())
    assert http.get(reverse("aquatiris_portal:document_download", args=[shared.pk])).status_code == 404


def test_admin_lists_records_read_only(admin_client):
    inst = factories.installation()
    factories.document(inst)
    for model in ("client", "installation", "franchisee", "spanc", "portaldocument"):
        index = admin_client.get(f"/admin/aquatiris_portal/{model}/")
        assert index.status_code == 200, model
        create = admin_client.get(f"/admin/aquatiris_portal/{model}/create/")
        assert create.status_code == 302 and create["Location"] == reverse("wagtailadmin_home"), model
    edit = admin_client.get(f"/admin/aquatiris_portal/client/edit/{inst.client.pk}/")
    assert edit.status_code == 302 and edit["Location"] == reverse("wagtailadmin_home")
    assert b"Durand" not in edit.content
    inspect = admin_client.get(f"/admin/aquatiris_portal/client/inspect/{inst.client.pk}/")
    assert inspect.status_code == 200
    assert inst.client.code.encode() in inspect.content


def test_admin_exports_clients_as_xlsx(admin_client):
    import io

    import openpyxl

    c = factories.client(code="CLI-EXPORT1")
    response = admin_client.get("/admin/aquatiris_portal/client/?export=xlsx")
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert c.code in values
