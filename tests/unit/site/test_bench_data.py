"""The benchmark dataset generator, at a thousandth of its size."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from aquatiris_portal.models import Client, Installation, PortalDocument, PortalRequest, Spanc

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _debug(settings):
    """The command runs on a site in DEBUG (a test run turns DEBUG off)."""
    settings.DEBUG = True


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


def test_refuses_without_debug_and_leaves_no_published_password_when_forced(settings, tmp_path):
    from home.management.commands.portal_bench_data import CLIENT_EMAIL, PASSWORD, STAFF_EMAIL

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("portal_bench_data", scale=0.001, stdout=open(tmp_path / "out.txt", "w"))
    assert not Client.objects.exists()

    # A run in DEBUG sets the published password; a forced run without
    # DEBUG removes it (new accounts get none either).
    settings.DEBUG = True
    call_command("portal_bench_data", scale=0.001, stdout=open(tmp_path / "out.txt", "w"))
    assert get_user_model().objects.get(username=STAFF_EMAIL).check_password(PASSWORD)
    settings.DEBUG = False
    sessions = tmp_path / "sessions.json"
    call_command(
        "portal_bench_data", "--allow-without-debug", sessions=str(sessions), stdout=open(tmp_path / "out2.txt", "w")
    )
    for username in (CLIENT_EMAIL, STAFF_EMAIL):
        user = get_user_model().objects.get(username=username)
        assert not user.has_usable_password()
    assert json.loads(sessions.read_text())["password"] is None
