"""The benchmark dataset generator (issue 8), at a thousandth of its size."""

import json

import pytest
from django.core.management import call_command

from aquatiris_portal.models import Client, Installation, PortalDocument, PortalRequest, Spanc

pytestmark = pytest.mark.django_db


def test_generator_fills_every_table_in_proportion_and_runs_once(tmp_path, client):
    sessions = tmp_path / "sessions.json"
    call_command("portal_bench_data", scale=0.001, sessions=str(sessions), stdout=open(tmp_path / "out.txt", "w"))

    assert Client.objects.count() == 100
    assert Installation.objects.count() == 150
    assert PortalDocument.objects.count() == 1000
    assert PortalRequest.objects.count() == 50
    big = Spanc.objects.get(external_id="BENCH-S-000")
    assert Installation.objects.filter(spanc=big).count() == 5
    # Many rows, few files: every document points at one of the shared files.
    assert PortalDocument.objects.values("file").distinct().count() <= 5

    call_command("portal_bench_data", scale=0.001, stdout=open(tmp_path / "out2.txt", "w"))
    assert Client.objects.count() == 100
    assert "already present" in (tmp_path / "out2.txt").read_text()

    data = json.loads(sessions.read_text())
    name, key = data["cookies"]["client"].split("=")
    client.cookies[name] = key
    response = client.get("/bench/baseline/")
    assert response.content == b"ok", (response.status_code, response.get("Location"))
    client.cookies[name] = "not-a-session"
    assert client.get("/bench/baseline/").status_code == 302


def test_bench_data_is_repeatable(tmp_path):
    call_command("portal_bench_data", scale=0.001, stdout=open(tmp_path / "out.txt", "w"))
    first = list(Installation.objects.order_by("pk").values_list("client__last_name", "city", "spanc__code")[:50])
    assert first[0][2] == "PRO-B0000"
    assert len(set(first)) > 10
