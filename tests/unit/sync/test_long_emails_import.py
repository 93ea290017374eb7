"""An address the records' column cannot hold (254 characters) is refused
by the import with a clear reason, and the rest of the export is applied:
a franchisee's address (the schema sets no length for it), and an IDN
address of 254 characters or fewer as written whose punycode is longer.
On PostgreSQL either was a DataError that failed its batch; SQLite stores
any length, so the suite had not seen it."""

import pytest
from django.utils import translation

from aquatiris_portal.records.emails import MAX_LENGTH, canonical_email_or_none
from aquatiris_portal.records.models import Client, Franchisee
from aquatiris_portal.sync.importer import import_source
from aquatiris_portal.sync.models import ImportRun, QuarantinedRecord
from tests.exports import write_export

pytestmark = pytest.mark.django_db

# 250 characters as written; the domain's ä makes its punycode longer.
IDN_EMAIL = "a" * 229 + "@" + "exämple" + ".fr" + "x" * 10
LONG_EMAIL = "b" * 290 + "@example.org"


def test_addresses_longer_than_the_column_once_encoded_are_refused_and_nothing_else_is_lost(tmp_path, settings):
    settings.AQUATIRIS_PORTAL_PRIVATE_ROOT = str(tmp_path / "private")
    local, domain = IDN_EMAIL.split("@")
    assert len(IDN_EMAIL) <= MAX_LENGTH < len(local) + 1 + len(domain.encode("idna"))
    franchisee = {"type": "franchisee", "id": "F-1", "company": "Aquatiris", "first_name": "A", "last_name": "B"}
    client = {"type": "client", "id": "C-1", "code": "CLI-1", "first_name": "Anne", "last_name": "Durand"}
    lines = [
        {**franchisee, "email": LONG_EMAIL, "phone": None},
        {**franchisee, "id": "F-2", "email": "agence@example.org", "phone": None},
        {**client, "email": IDN_EMAIL},
        {**client, "id": "C-2", "code": "CLI-2", "email": "anne@exämple.fr"},
    ]
    write_export(tmp_path / "exports", 1, lines)
    with translation.override("en"):
        [run] = import_source(tmp_path / "exports").runs
    assert run.state == ImportRun.State.SUCCEEDED, run.error
    assert set(Franchisee.objects.values_list("external_id", flat=True)) == {"F-2"}
    assert Client.objects.get().email == "anne@xn--exmple-cua.fr"
    reasons = dict(QuarantinedRecord.objects.values_list("record_id", "reason"))
    assert set(reasons) == {"F-1", "C-1"}
    assert all("email" in reason and "valid email address" in reason for reason in reasons.values()), reasons


def test_no_canonical_address_is_longer_than_the_column():
    assert canonical_email_or_none(IDN_EMAIL) is None
    assert canonical_email_or_none(LONG_EMAIL) is None
    fits = "c" * (MAX_LENGTH - len("@example.org")) + "@example.org"
    assert canonical_email_or_none(fits) == fits
