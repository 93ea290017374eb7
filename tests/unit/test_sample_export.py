"""portal_sample_export (issue 15 Build 4): a valid export written into a
folder only, that portal_sync imports into a first client to activate."""

import json

import pytest
from django.core.management import CommandError, call_command

from aquatiris_portal.models import Client, Installation, PortalDocument, Spanc
from aquatiris_portal.sync.importer import import_source

pytestmark = pytest.mark.django_db


def test_writes_a_valid_export_that_imports_without_quarantine(tmp_path, django_assert_num_queries):
    source = tmp_path / "exports"
    with django_assert_num_queries(0):  # files only
        call_command("portal_sample_export", str(source), "--email", "Me@Host.example", stdout=open(tmp_path / "o", "w"))
    folder = source / "sample-000000"
    assert json.loads((folder / "manifest.json").read_text())["sequence"] == 0

    result = import_source(source)
    run = result.runs[0]
    assert run.quarantined_count == 0, run.error
    client = Client.objects.get(code="CLI-SAMPLE1")
    assert client.email.lower() == "me@host.example"
    assert Installation.objects.filter(client=client).count() == 1
    assert PortalDocument.objects.filter(installation__client=client).count() == 2
    assert Spanc.objects.get(code="PRO-SAMPLE1").installations.count() == 2
    assert all(obj.external_id.startswith("SAMPLE-") for obj in Client.objects.all())


def test_never_overwrites_a_folder(tmp_path):
    call_command("portal_sample_export", str(tmp_path), stdout=open(tmp_path / "o", "w"))
    marker = tmp_path / "sample-000000" / "records.jsonl"
    before = marker.read_bytes()
    with pytest.raises(CommandError, match="exists"):
        call_command("portal_sample_export", str(tmp_path), "--email", "other@example.org",
                     stdout=open(tmp_path / "o", "w"))
    assert marker.read_bytes() == before
