"""portal_sample_export: a valid export written into a
folder only, that portal_sync imports into a first client to activate. Its
records have the shapes real exports hold, and each sample client it prints
activates with the email and code as printed."""

import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client as HttpClient
from django.urls import reverse

from aquatiris_portal.accounts.models import AccountToken
from aquatiris_portal.models import Client, Franchisee, Installation, PortalDocument, Spanc
from aquatiris_portal.sync.importer import import_source

pytestmark = pytest.mark.django_db


def _read_aloud(code):
    return " ".join(re.findall(r"[0-9A-Za-z]+", code)).lower()


def test_writes_a_valid_export_that_imports_without_quarantine(tmp_path, django_assert_num_queries):
    source = tmp_path / "exports"
    with django_assert_num_queries(0):  # files only
        call_command(
            "portal_sample_export", str(source), "--email", "Me@Host.example", stdout=open(tmp_path / "o", "w")
        )
    folder = source / "sample-000000"
    assert json.loads((folder / "manifest.json").read_text())["sequence"] == 0

    result = import_source(source)
    run = result.runs[0]
    assert run.quarantined_count == 0, run.error
    assert run.created_count == len((folder / "records.jsonl").read_text().splitlines())
    client = Client.objects.get(code="CLI-SAMPLE1")
    assert client.email.lower() == "me@host.example"
    assert Installation.objects.filter(client=client).count() == 1
    assert PortalDocument.objects.filter(installation__client=client).count() == 2
    assert Spanc.objects.get(code="PRO-SAMPLE1").installations.count() == 3
    assert all(obj.external_id.startswith("SAMPLE-") for obj in Client.objects.all())
    assert all("SAMPLE" in obj.code.upper() for obj in [*Client.objects.all(), *Spanc.objects.all()])


def test_the_sample_holds_what_real_exports_hold_and_every_printed_client_activates(tmp_path, settings):
    settings.AQUATIRIS_PORTAL_AUTH_MIN_RESPONSE_SECONDS = 0
    source = tmp_path / "exports"
    with open(tmp_path / "out", "w") as out:
        call_command("portal_sample_export", str(source), "--email", "Me@Host.example", stdout=out)
    assert import_source(source).runs[0].quarantined_count == 0

    clients = list(Client.objects.all())
    assert any(len(re.findall(r"[^0-9A-Za-z]+", c.code)) >= 2 for c in clients)  # SAMPLE/22/0457
    assert any(" " in c.code for c in clients) and any(c.code != c.code.upper() for c in clients)
    assert any("+" in c.email for c in clients) and any("xn--" in c.email for c in clients)  # stored canonical
    assert any("’" in c.last_name for c in clients) and any("'" in c.last_name for c in clients)
    assert any(c.address_line1.startswith("Lieu-dit") and c.address_line2 for c in clients)
    assert Installation.objects.filter(franchisee__email="").exists()
    assert Installation.objects.filter(spanc__isnull=True).exists()
    assert max(c.installations.count() for c in clients) == 5
    assert Franchisee.objects.filter(email="").exists()

    printed = re.findall(r"^    (.+?): (\S+@\S+), code (.+)$", (tmp_path / "out").read_text(), re.M)
    assert len(printed) == 3
    for name, email, code in printed:
        record = Client.objects.get(code=code)
        assert record.full_name == name
        for typed in (code, _read_aloud(code)):
            before = AccountToken.objects.filter(client=record).count()
            HttpClient().post(reverse("aquatiris_portal:activation"), {"email": email, "code": typed})
            assert AccountToken.objects.filter(client=record).count() == before + 1, (email, typed)


def test_never_overwrites_a_folder(tmp_path):
    call_command("portal_sample_export", str(tmp_path), stdout=open(tmp_path / "o", "w"))
    marker = tmp_path / "sample-000000" / "records.jsonl"
    before = marker.read_bytes()
    with pytest.raises(CommandError, match="exists"):
        call_command(
            "portal_sample_export", str(tmp_path), "--email", "other@example.org", stdout=open(tmp_path / "o", "w")
        )
    assert marker.read_bytes() == before
