"""``folder_rows`` (the list's per-folder texts, written once per row) gives,
for any drawn page of folders, what each field says on its own: the client's
name whether the folder came with its client or loads it, the label's
capacity (a label seen twice on a page: the same text), the installation date
only once built, the proof's status for the day, "new" only after a previous
visit and for documents received since."""

import datetime

import pytest
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from aquatiris_portal.enquiries import proofs
from aquatiris_portal.enquiries.proof_models import DISPLAY_LABELS
from aquatiris_portal.pages import pro_space_folders as folders_
from aquatiris_portal.records.models import Client, Installation, Stage
from tests import factories

LABELS = st.sampled_from(["Filtre planté de roseaux 5 EH", "Microstation 12 EH", "Fosse", "", None, "<b>6 EH</b>"])
MOMENTS = st.datetimes(
    min_value=datetime.datetime(2000, 1, 1), max_value=datetime.datetime(2030, 1, 1), timezones=st.just(datetime.UTC)
)
FOLDER = st.fixed_dictionaries(
    {
        "label": LABELS,
        "stage": st.sampled_from(Stage.values),
        "installed_on": st.none() | st.dates(datetime.date(1990, 1, 1), datetime.date(2030, 1, 1)),
        "last_maintenance_on": st.none() | st.dates(datetime.date(1990, 1, 1), datetime.date(2030, 1, 1)),
        "latest_document_at": st.none() | MOMENTS,
        "latest_received_at": st.none() | MOMENTS,
        "proof_status": st.sampled_from([None, "requested", "received"]),
        "proof_due_on": st.none() | st.dates(datetime.date(2025, 1, 1), datetime.date(2027, 1, 1)),
        "postcode": st.sampled_from(["", "35400"]),
        "document_count": st.integers(0, 50),
    }
)


def _folder(pk, drawn):
    client = Client(pk=pk, first_name="Zoé", last_name=f"N'Diaye & fils {pk}")
    folder = Installation(
        pk=pk,
        client_id=pk,
        label=drawn["label"],
        stage=drawn["stage"],
        installed_on=drawn["installed_on"],
        last_maintenance_on=drawn["last_maintenance_on"],
        city="Saint-Malo",
        postcode=drawn["postcode"],
        reference=f"AQ-{pk}",
        address_line1="",
    )
    for name in ("latest_document_at", "latest_received_at", "proof_status", "proof_due_on", "document_count"):
        setattr(folder, name, drawn[name])
    folder.client = client
    return folder, client


@given(drawn=st.lists(FOLDER, max_size=8), previous=st.none() | MOMENTS)
def test_each_row_says_what_its_folder_holds(drawn, previous):
    built = [_folder(pk, folder) for pk, folder in enumerate(drawn, start=1)]
    today = timezone.localdate()
    with translation.override("fr"):
        rows = folders_.folder_rows([folder for folder, _client in built], previous, lambda folder: "/")
    for row, (folder, client), values in zip(rows, built, drawn, strict=True):
        assert row["folder"] is folder
        assert row["name"] == f"{client.last_name} {client.first_name}"
        assert row["capacity"] == (folders_.capacity_of(values["label"]) or "—")
        assert row["installed"] is None or values["stage"] not in folders_.NOT_BUILT
        assert (row["maintenance"] is None) == (values["last_maintenance_on"] is None)
        status = proofs.display_status(values["proof_status"], values["proof_due_on"], today)
        assert row["proof"] == ({"status": status, "text": str(DISPLAY_LABELS[status])} if status else None)
        received = values["latest_received_at"]
        assert row["new"] == bool(previous and received and received > previous)
        assert row["documents"] == values["document_count"]
        assert row["town"] == ("Saint-Malo (35400)" if values["postcode"] else "Saint-Malo")


def test_a_label_seen_twice_gives_the_same_capacity():
    folders = [_folder(pk, _plain("Microstation 12 EH"))[0] for pk in (1, 2)] + [_folder(3, _plain("Fosse"))[0]]
    rows = folders_.folder_rows(folders, None, lambda folder: "/")
    assert [row["capacity"] for row in rows] == ["12 EH", "12 EH", "—"]


def _plain(label):
    return {
        **dict.fromkeys(("installed_on", "last_maintenance_on", "latest_document_at", "latest_received_at")),
        **{"proof_status": None, "proof_due_on": None, "postcode": "", "document_count": 0},
        **{"label": label, "stage": Stage.STUDY},
    }


@pytest.mark.django_db
def test_a_folder_loaded_without_its_client_reads_it():
    folder = factories.installation()
    loaded = Installation.objects.get(pk=folder.pk)  # no select_related: the client on access
    loaded.document_count, loaded.latest_document_at = 0, None
    (row,) = folders_.folder_rows([loaded], None, lambda folder: "/")
    assert row["name"] == f"{folder.client.last_name} {folder.client.first_name}"
