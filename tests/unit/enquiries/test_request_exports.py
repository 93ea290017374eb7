"""The requests export of the admin (XLSX/CSV) as a background job: the
buttons record an export and queue it, a status page follows it, the worker
writes the file with the listing's filters, its owner downloads it.

Transactional: the dramatiq worker (tests/conftest.py) runs in another
thread, on its own database connection."""

import csv
import datetime
import io
import os
import re

import dramatiq
import pytest
from django.contrib.auth.models import Group
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from aquatiris_portal.backoffice.groups import CUSTOMER_SERVICE, EDITORS
from aquatiris_portal.enquiries import exports
from aquatiris_portal.enquiries.models import PortalRequest, RequestExport
from aquatiris_portal.enquiries.tasks import build_request_export
from aquatiris_portal.records.emails import display_email
from aquatiris_portal.spreadsheets import SpreadsheetWriter
from tests import factories
from tests.unit.backoffice.test_backoffice import RECAP, by_heading, data, date_param, headings, make_request, staff  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

INDEX = "aquatiris_portal_requests:index"
QUEUE = "aquatiris_exports"


def fr(text):
    with translation.override("fr"):
        return translation.gettext(text)


def private_files(settings):
    root = settings.AQUATIRIS_PORTAL_PRIVATE_ROOT
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _dirs, fs in os.walk(root) for f in fs)


def ask(http, params):
    """Click an export button: the answer is a redirect to the status page."""
    response = http.get(reverse(INDEX), params)
    assert response.status_code == 302, response.status_code
    export = RequestExport.objects.latest("pk")
    assert response["Location"] == reverse("aquatiris_portal_requests:export", args=[export.pk])
    return export


def run_jobs(stub_broker, worker):
    stub_broker.join(QUEUE)
    worker.join()


def download(http, export):
    """The status page shows the link; the link gives the file as an attachment."""
    html = http.get(reverse("aquatiris_portal_requests:export", args=[export.pk])).content.decode()
    url = reverse("aquatiris_portal_requests:export_download", args=[export.pk])
    assert url in html and 'http-equiv="refresh"' not in html
    response = http.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    return b"".join(response.streaming_content)


def export_rows(http, params, stub_broker, worker):
    export = ask(http, params)
    run_jobs(stub_broker, worker)
    export.refresh_from_db()
    assert export.status == RequestExport.Status.DONE, export.error
    body = download(http, export)
    if params["export"] == "csv":
        return export, list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    return export, [
        list(row) for row in load_workbook(io.BytesIO(body), read_only=True).active.iter_rows(values_only=True)
    ]


def test_export_request_queues_the_job_and_builds_no_file(client, data, stub_broker, settings):
    user = staff(client, CUSTOMER_SERVICE)
    export = ask(client, {"kind": "after_sales", "p": "2", "export": "xlsx"})
    # Recorded and queued, nothing built yet.
    assert export.requested_by == user and export.format == "xlsx" and export.status == RequestExport.Status.QUEUED
    assert export.query_string == "kind=after_sales" and not export.file and export.row_count is None
    [message] = list(stub_broker.queues[QUEUE].queue)
    assert dramatiq.Message.decode(message).args == (export.pk,)
    assert private_files(settings) == []
    # The status page says so in French and asks again by itself (with and without JavaScript).
    response = client.get(reverse("aquatiris_portal_requests:export", args=[export.pk]))
    html = response.content.decode()
    assert response.status_code == 200 and response["Refresh"] == "3"
    assert '<meta http-equiv="refresh" content="3">' in html
    preparing = (
        "The export is being prepared. This page refreshes itself until the file is ready; "
        "you may also leave it and come back later."
    )
    assert fr(preparing) != preparing and fr(preparing) in html
    # The filters as people read them.
    assert f"{fr('kind')}: {fr(PortalRequest.Kind.AFTER_SALES.label)}" in html
    download_url = reverse("aquatiris_portal_requests:export_download", args=[export.pk])
    assert download_url not in html and client.get(download_url).status_code == 404
    # A worker picks it up: the file is there, with the filtered rows.
    worker = dramatiq.Worker(stub_broker, worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        run_jobs(stub_broker, worker)
    finally:
        worker.stop()
    export.refresh_from_db()
    assert export.status == RequestExport.Status.DONE and export.row_count == 3
    assert export.filename == f"demandes-{timezone.localdate():%Y-%m-%d}.xlsx"
    assert private_files(settings) == [export.file.name]
    html = client.get(reverse("aquatiris_portal_requests:export", args=[export.pk])).content.decode()
    with translation.override("fr"):
        ready = translation.ngettext(
            "The export is ready: %(counter)s request.", "The export is ready: %(counter)s requests.", 3
        ) % {"counter": 3}
    assert ready.startswith("L'export est prêt") and ready in html


def test_xlsx_export_holds_exactly_the_filtered_requests_with_the_recap(client, data, stub_broker, worker):
    staff(client, CUSTOMER_SERVICE)
    export, rows = export_rows(
        client,
        {"kind": "after_sales", "created_at_from": date_param(10), "created_at_to": date_param(0), "export": "xlsx"},
        stub_broker,
        worker,
    )
    assert rows[0] == headings()
    by_reference = {row[-1]: row for row in rows[1:]}
    assert set(by_reference) == {str(data["sav_n"].reference), str(data["sav_s"].reference)}
    assert export.row_count == 2
    recap = by_heading(by_reference[str(data["sav_n"].reference)])
    sav_n = data["sav_n"]
    assert recap["Last name"] == "Le Gall" and recap["First name"] == "Yves"
    assert recap["Address"] == sav_n.client_address and recap["Phone"] == sav_n.client_phone
    assert recap["Email"] == display_email(sav_n.client_email) and recap["Client code"] == sav_n.client_code
    assert recap["Installation reference"] == sav_n.installation_reference
    assert recap["Franchisee"] == "Aquatiris Nord" and recap["Subject"] == "Dysfonctionnement / SAV"
    assert recap["Reason"] == "Odeurs" and recap["Message"] == "Ça sent"
    assert recap["Status"] == fr(PortalRequest.Status.NEW.label) and recap["Kind"] == fr("After-sales (SAV)")
    assert isinstance(recap["Date"], datetime.datetime)
    local = timezone.make_naive(timezone.localtime(sav_n.created_at))
    assert abs(recap["Date"] - local) < datetime.timedelta(seconds=1)


def test_csv_export_follows_filters_and_search(client, data, stub_broker, worker):
    staff(client, CUSTOMER_SERVICE)
    franchisee = data["sav_s"].franchisee
    export, rows = export_rows(
        client, {"franchisee": franchisee.pk, "status": "new", "export": "csv"}, stub_broker, worker
    )
    assert export.filename.endswith(".csv") and export.row_count == 1
    assert rows[0] == headings()
    assert [row[-1] for row in rows[1:]] == [str(data["question"].reference)]
    assert rows[1][RECAP.index("Message")] == "'=1+1 formule?"  # text, not a formula (spreadsheets.safe_cell)
    _export, rows = export_rows(client, {"q": "Le Gall", "export": "csv"}, stub_broker, worker)
    assert {row[-1] for row in rows[1:]} == {str(data[k].reference) for k in ("old_sav", "sav_n", "contract")}
    assert len(rows) == 4


def test_xlsx_keeps_formula_like_text_as_text(client, data, stub_broker, worker):
    staff(client, CUSTOMER_SERVICE)
    export = ask(client, {"kind": "question", "export": "xlsx"})
    run_jobs(stub_broker, worker)
    export.refresh_from_db()
    sheet = load_workbook(io.BytesIO(download(client, export))).active
    cell = sheet.cell(row=2, column=RECAP.index("Message") + 1)
    assert cell.value == "=1+1 formule?" and cell.data_type == "s"


def test_an_export_of_every_request_reads_them_in_chunks(client, data, stub_broker, worker, monkeypatch):
    monkeypatch.setattr("aquatiris_portal.enquiries.exports.EXPORT_CHUNK", 2)
    for n in range(7):
        make_request(data["sav_n"].installation, "question", days_ago=n, message=f"Message {n}")
    staff(client, CUSTOMER_SERVICE)
    export, rows = export_rows(client, {"export": "xlsx"}, stub_broker, worker)
    assert export.row_count == PortalRequest.objects.count() == 12 and len(rows) == 13
    # Newest first, as in the listing.
    dates = [row[RECAP.index("Date")] for row in rows[1:]]
    assert dates == sorted(dates, reverse=True)


def test_someone_elses_export_is_404_and_a_superuser_may_read_it(client, data, stub_broker, worker):
    staff(client, CUSTOMER_SERVICE)
    export = ask(client, {"export": "csv"})
    run_jobs(stub_broker, worker)
    status_url = reverse("aquatiris_portal_requests:export", args=[export.pk])
    download_url = reverse("aquatiris_portal_requests:export_download", args=[export.pk])
    colleague = HttpClient()
    staff(colleague, CUSTOMER_SERVICE)
    for url in (status_url, download_url):
        response = colleague.get(url, headers={"x-requested-with": "XMLHttpRequest"})
        assert response.status_code == 404 and b"Le Gall" not in response.content
    superuser = HttpClient()
    factories.otp_login(superuser, factories.user(is_staff=True, is_superuser=True))
    assert superuser.get(status_url).status_code == 200
    assert b"Le Gall" in download(superuser, RequestExport.objects.get(pk=export.pk))


def test_download_needs_the_permission_and_the_second_factor(client, data, stub_broker, worker):
    user = staff(client, CUSTOMER_SERVICE)
    export = ask(client, {"export": "csv"})
    run_jobs(stub_broker, worker)
    download_url = reverse("aquatiris_portal_requests:export_download", args=[export.pk])
    # The same person, logged in again without the second factor.
    unverified = HttpClient()
    unverified.force_login(user)
    response = unverified.get(download_url)  # the admin asks for the second factor first
    assert response.status_code == 302 and not response.streaming and b"Le Gall" not in response.content
    assert response["Location"].startswith(reverse("aquatiris_portal:otp_verify") + "?next=")
    # Out of the group that reads requests: 404.
    user.groups.remove(Group.objects.get(name=CUSTOMER_SERVICE))
    user.groups.add(Group.objects.get(name=EDITORS))
    response = client.get(download_url, headers={"x-requested-with": "XMLHttpRequest"})
    assert response.status_code == 404


def test_editors_cannot_start_an_export(client, data, stub_broker):
    staff(client, EDITORS)
    for export_format in ("xlsx", "csv"):
        response = client.get(reverse(INDEX), {"export": export_format}, headers={"x-requested-with": "XMLHttpRequest"})
        assert response.status_code == 403
    assert not RequestExport.objects.exists() and stub_broker.queues[QUEUE].qsize() == 0


def test_a_failing_job_shows_the_error_and_leaves_no_file(
    client, data, stub_broker, worker, settings, monkeypatch, caplog
):
    def broken_write_xlsx(view, queryset, output):
        output.write(b"PK\x03\x04 half a workbook")
        raise RuntimeError("disk full")

    monkeypatch.setattr(SpreadsheetWriter, "write_xlsx", broken_write_xlsx)
    staff(client, CUSTOMER_SERVICE)
    export = ask(client, {"export": "xlsx"})
    run_jobs(stub_broker, worker)
    export.refresh_from_db()
    assert export.status == RequestExport.Status.FAILED and not export.file and export.row_count is None
    assert export.error == "RuntimeError: disk full"
    assert private_files(settings) == []
    assert any("Requests export" in record.getMessage() and record.levelname == "ERROR" for record in caplog.records)
    response = client.get(reverse("aquatiris_portal_requests:export", args=[export.pk]))
    html = response.content.decode()
    assert "Refresh" not in response and 'http-equiv="refresh"' not in html
    assert fr("The export failed. No file was produced.") in html and "RuntimeError: disk full" in html
    assert reverse(INDEX) + "?export=xlsx" in html  # try again
    assert client.get(reverse("aquatiris_portal_requests:export_download", args=[export.pk])).status_code == 404


def test_a_failure_while_storing_leaves_no_file(client, data, settings, monkeypatch):
    staff(client, CUSTOMER_SERVICE)
    export = ask(client, {"export": "csv"})
    original = RequestExport.save

    def failing_save(self, *args, **kwargs):
        if kwargs.get("update_fields"):
            raise RuntimeError("database went away")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(RequestExport, "save", failing_save)
    exports.build_export(export.pk)
    export.refresh_from_db()
    assert export.status == RequestExport.Status.FAILED and "database went away" in export.error
    assert private_files(settings) == []


def test_a_redelivered_message_builds_one_file(client, data, stub_broker, worker, settings):
    staff(client, CUSTOMER_SERVICE)
    export = ask(client, {"export": "xlsx"})
    build_request_export.send(export.pk)  # the broker delivers the same job twice
    run_jobs(stub_broker, worker)
    build_request_export.send(export.pk)  # and once more after it finished
    run_jobs(stub_broker, worker)
    export.refresh_from_db()
    assert export.status == RequestExport.Status.DONE and export.row_count == 5
    assert private_files(settings) == [export.file.name]
    # A job left "running" by a dead worker is taken over once it is stale, not before.
    RequestExport.objects.filter(pk=export.pk).update(status=RequestExport.Status.RUNNING, started_at=timezone.now())
    assert not exports.claim_export(export.pk)
    RequestExport.objects.filter(pk=export.pk).update(started_at=timezone.now() - exports.STALE_AFTER * 2)
    assert exports.claim_export(export.pk)


def test_exports_past_the_retention_period_are_deleted_with_their_files(client, data, stub_broker, worker, settings):
    staff(client, CUSTOMER_SERVICE)
    old = ask(client, {"export": "csv"})
    run_jobs(stub_broker, worker)
    old.refresh_from_db()
    assert private_files(settings) == [old.file.name]
    RequestExport.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=3))
    # Within the default 7 days: kept; a new export purges nothing.
    fresh = ask(client, {"export": "csv"})
    run_jobs(stub_broker, worker)
    fresh.refresh_from_db()
    assert RequestExport.objects.filter(pk=old.pk).exists() and len(private_files(settings)) == 2
    # The setting is read when used: at 2 days the old export is gone for
    # its owner at once, and the next export deletes it, file included.
    settings.AQUATIRIS_PORTAL_EXPORT_RETENTION_DAYS = 2
    assert client.get(reverse("aquatiris_portal_requests:export", args=[old.pk])).status_code == 404
    assert client.get(reverse("aquatiris_portal_requests:export", args=[fresh.pk])).status_code == 200
    newest = ask(client, {"export": "csv"})
    run_jobs(stub_broker, worker)
    newest.refresh_from_db()
    assert not RequestExport.objects.filter(pk=old.pk).exists()
    assert private_files(settings) == sorted([fresh.file.name, newest.file.name])
    assert exports.purge_expired_exports(now=timezone.now() + datetime.timedelta(days=3)) == 2
    assert private_files(settings) == [] and not RequestExport.objects.exists()


@pytest.mark.parametrize("state", ["queued", "done", "failed"])
def test_status_page_query_budget(
    client, data, stub_broker, django_assert_max_num_queries, state, monkeypatch, request
):
    if state == "failed":
        monkeypatch.setattr(SpreadsheetWriter, "stream_csv", lambda view, queryset: 1 / 0)
    staff(client, CUSTOMER_SERVICE)
    export = ask(client, {"kind": "question", "export": "csv"})
    if state != "queued":
        run_jobs(stub_broker, request.getfixturevalue("worker"))
    assert RequestExport.objects.get(pk=export.pk).status == state
    url = reverse("aquatiris_portal_requests:export", args=[export.pk])
    client.get(url)
    # Session, user, second factor, permissions (2), admin profile, the
    # export, and the admin menu's own 4: one query of this page's own.
    with django_assert_max_num_queries(11):
        html = client.get(url).content.decode()
    assert re.search(r"<h1[^>]*>", html)
    # Many other exports (their owners' and others') change nothing.
    other = factories.user()
    RequestExport.objects.bulk_create([RequestExport(requested_by=user, format="csv") for user in (other,) * 20])
    with django_assert_max_num_queries(11):
        assert client.get(url).status_code == 200


def test_asking_again_while_it_is_prepared_reuses_the_pending_export(client, data, stub_broker):
    staff(client, CUSTOMER_SERVICE)
    first = ask(client, {"kind": "after_sales", "export": "xlsx"})
    # A double click, a reload, a link followed twice: the same export, one job.
    assert ask(client, {"kind": "after_sales", "export": "xlsx"}).pk == first.pk
    assert len(stub_broker.queues[QUEUE].queue) == 1
    # Another format or other filters are another export.
    assert ask(client, {"kind": "after_sales", "export": "csv"}).pk != first.pk
    assert ask(client, {"kind": "question", "export": "xlsx"}).pk != first.pk
    assert len(stub_broker.queues[QUEUE].queue) == 3
    worker = dramatiq.Worker(stub_broker, worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        run_jobs(stub_broker, worker)
    finally:
        worker.stop()
    first.refresh_from_db()
    assert first.status == RequestExport.Status.DONE
    # Once built, asking again makes a fresh file (the requests may have changed).
    again = ask(client, {"kind": "after_sales", "export": "xlsx"})
    assert again.pk != first.pk and RequestExport.objects.count() == 4
