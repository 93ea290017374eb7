"""The folder list's instances (pro_space_list_page.to_folders), built
without Model.__init__, are the ones Model.from_db builds from the same
rows: same values, same deferred fields, saved state, client attached,
annotations set; a deferred field is read on access and the folder saves.
With an init receiver on the model, from_db (and the receiver) is used."""

import pytest
from django.db import connection
from django.db.models import signals

from aquatiris_portal.models import Installation
from aquatiris_portal.pages import pro_space_folders as folders_
from aquatiris_portal.pages import pro_space_list_page as list_page
from aquatiris_portal.records.models import Client
from tests import factories
from tests.unit._pro_space import bulk_folders

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows():
    spanc = factories.spanc()
    bulk_folders(spanc, 4, prefix="I")
    filters = {"sort": "name", "stage": folders_.STAGE_ALL, "proof": ""}
    queryset = list_page.page_queryset(filters, 1, spanc=spanc, words=[], today=None, cutoff=None)
    return list(queryset)


def _from_db(row):
    n_folder, n_client = len(list_page.FOLDER_FIELDS), len(list_page.CLIENT_FIELDS)
    folder = Installation.from_db(connection.alias, list_page.FOLDER_FIELDS, row[:n_folder])
    client = Client.from_db(connection.alias, list_page.CLIENT_FIELDS, row[n_folder : n_folder + n_client])
    return folder, client


def _state(instance):
    return (
        {k: v for k, v in vars(instance).items() if k != "_state"},
        instance.get_deferred_fields(),
        instance._state.adding,
        instance._state.db,
    )


def test_the_folders_are_from_db_s_with_their_client_and_annotations(rows):
    folders = list_page.to_folders(rows)
    assert len(folders) == len(rows) == 4
    for folder, row in zip(folders, rows, strict=True):
        expected_folder, expected_client = _from_db(row)
        assert type(folder) is Installation and type(folder.client) is Client
        assert _state(folder.client) == _state(expected_client)
        annotations = dict(zip(list_page.ANNOTATIONS, row[-len(list_page.ANNOTATIONS) :], strict=True))
        for name, value in annotations.items():
            setattr(expected_folder, name, value)
        assert _state(folder) == _state(expected_folder)
        assert "external_id" in folder.get_deferred_fields()


def test_a_deferred_field_is_read_on_access_and_the_folder_saves(rows):
    folder = list_page.to_folders(rows)[0]
    stored = Installation.objects.select_related("client").get(pk=folder.pk)
    assert (folder.external_id, folder.client.email) == (stored.external_id, stored.client.email)
    folder.reference = "REF-CHANGED"
    folder.save(update_fields=["reference"])  # an UPDATE, not an INSERT: the state says saved
    assert Installation.objects.get(pk=folder.pk).reference == "REF-CHANGED"
    assert Installation.objects.count() == 4


def test_an_init_receiver_gets_from_db_s_instances(rows):
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(type(instance))

    signals.post_init.connect(receiver, sender=Installation)
    try:
        folders = list_page.to_folders(rows)
    finally:
        signals.post_init.disconnect(receiver, sender=Installation)
    assert seen == [Installation] * 4
    assert [folder.pk for folder in folders] == [row[0] for row in rows]
