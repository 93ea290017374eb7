"""Query budgets of the pages no room's own tests cover: the
document download (client and SPANC) and the requests XLSX export in the
admin (the request that queues it, and its job). The same number of SQL
queries with little and with much data.

(The spaces' screens, the account screens, the news/FAQ pages and the
requests listing have theirs in test_client_space.py, test_pro_space_folders.py,
test_accounts.py, test_news_faq.py and test_backoffice.py.)
"""

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from aquatiris_portal.enquiries.models import PortalRequest
from tests import factories

pytestmark = pytest.mark.django_db


def queries(http, url):
    """Queries of the second request (the first fills per-process caches)."""
    assert http.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = http.get(url)
        assert response.status_code == 200
        body = b"".join(response.streaming_content) if response.streaming else response.content
    return len(captured), body


def client_with(installations, documents_each):
    owner = factories.client()
    docs = []
    for _ in range(installations):
        installation = factories.installation(client=owner)
        docs += [factories.document(installation, visible_to_spanc=True) for _ in range(documents_each)]
    http = HttpClient()
    http.force_login(factories.client_user(owner))
    return http, docs


def test_client_download_costs_the_same_with_many_documents():
    few_http, few_docs = client_with(1, 1)
    many_http, many_docs = client_with(6, 12)
    few, few_body = queries(few_http, reverse("aquatiris_portal:document_download", args=[few_docs[0].pk]))
    many, many_body = queries(many_http, reverse("aquatiris_portal:document_download", args=[many_docs[40].pk]))
    assert few_body.startswith(b"%PDF") and many_body.startswith(b"%PDF")
    assert few == many, (few, many)
    assert many <= 5  # session, user, portal account, document, the access log's row


def test_spanc_download_costs_the_same_on_a_large_territory():
    counts = []
    for folders in (1, 40):
        spanc = factories.spanc()
        docs = [factories.document(factories.installation(spanc=spanc), visible_to_spanc=True) for _ in range(folders)]
        http = HttpClient()
        factories.otp_login(http, factories.spanc_user(spanc))
        count, body = queries(http, reverse("aquatiris_portal:document_download", args=[docs[-1].pk]))
        assert body.startswith(b"%PDF")
        counts.append(count)
    assert counts[0] == counts[1], counts
    assert counts[1] <= 6  # session, user, second factor device, portal account, document, the access log's row


def add_requests(count):
    for _ in range(count):
        installation = factories.installation()
        request = PortalRequest(
            client=installation.client,
            installation=installation,
            kind="question",
            subject_label="Question",
            message="Bonjour",
        )
        request.fill_recap()
        request.save()


def test_requests_export_costs_the_same_for_5_and_60_requests(django_capture_on_commit_callbacks):
    """The export button records the export and queues its job (a redirect
    to the status page); the job reads the rows in one go whatever their
    number. (The job runs here in-process; tests/unit/enquiries/test_request_exports.py
    runs it on a worker.)"""
    from aquatiris_portal.enquiries.exports import build_export
    from aquatiris_portal.enquiries.models import RequestExport

    staff = factories.user(is_staff=True, is_superuser=True)
    http = HttpClient()
    factories.otp_login(http, staff)
    url = reverse("aquatiris_portal_requests:index") + "?export=xlsx"

    def export():
        # Fills per-process caches (another format: asking for the same export
        # while it is pending would reuse it).
        http.get(url.replace("xlsx", "csv"))
        with CaptureQueriesContext(connection) as asked, django_capture_on_commit_callbacks() as callbacks:
            response = http.get(url)
        assert response.status_code == 302 and len(callbacks) == 1  # the job, queued once committed
        pk = RequestExport.objects.latest("pk").pk
        with CaptureQueriesContext(connection) as job:
            built = build_export(pk)
        rows = list(load_workbook(built.file.open("rb"), read_only=True).active.iter_rows(values_only=True))
        return len(asked), len(job), rows

    add_requests(5)
    few_asked, few_job, few_rows = export()
    add_requests(55)
    many_asked, many_job, many_rows = export()
    assert len(few_rows) == 1 + 5 and len(many_rows) == 1 + 60  # headings + every request
    assert few_asked == many_asked and many_asked <= 12, (few_asked, many_asked)
    assert few_job == many_job and many_job <= 12, (few_job, many_job)
