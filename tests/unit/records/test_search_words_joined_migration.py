"""Migration 0047, run for real on the test database (back to 0046 and
forward again): the folders written before names were also stored written
together, and Saint also as St, are found by "saintbrieuc", "st brieuc" and
"lebihan" afterwards; only the rows whose words change are written, and
those lose their sync hash (the next import reads their line again)."""

import pytest

from aquatiris_portal.pages.pro_space_folders import search
from aquatiris_portal.records.models import Installation
from aquatiris_portal.records.names import folder_columns
from tests import factories
from tests.unit._migrations import APP, migrate, migrate_to_latest

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = (APP, "0046_spanc_folder_count_kept_by_triggers")
JOINED = (APP, "0047_refresh_folder_search_words_joined")


def test_0047_gives_rows_written_before_the_joined_words_and_clears_their_hash_only():
    spanc = factories.spanc()
    bihan = factories.installation(
        client=factories.client(last_name="Le Bihan", first_name="Maëlys"),
        spanc=spanc,
        city="St-Brieuc",
        postcode="22000",
        reference="AQ 2024/5015",
    )
    durand = factories.installation(
        client=factories.client(last_name="Durand", first_name="Anne"),
        spanc=spanc,
        city="Rennes",
        postcode="35000",
        reference="AQ 2024/5016",
    )
    folders = Installation.objects.filter(spanc=spanc)
    # As 0046 left them (the words of the code before), imported lines' hashes.
    folders.filter(pk=bihan.pk).update(search_words=" LE BIHAN MAELYS ST BRIEUC 22000 AQ 2024 5015", sync_hash="a" * 32)
    folders.filter(pk=durand.pk).update(sync_hash="b" * 32)
    durand_words = folders.get(pk=durand.pk).search_words
    try:
        migrate(BEFORE)
        for query in ("saintbrieuc", "saint brieuc", "stbrieuc", "lebihan"):
            assert not search(folders, query).exists(), query

        migrate(JOINED)
        for query in ("saintbrieuc", "saint brieuc", "stbrieuc", "st-brieuc", "lebihan", "le bihan 22000"):
            assert list(search(folders, query)) == [bihan], query
        assert (
            folders.get(pk=bihan.pk).search_words
            == (folder_columns("Le Bihan", "Maëlys", "St-Brieuc", "22000", "AQ 2024/5015")["search_words"])
        )
        assert folders.get(pk=bihan.pk).sync_hash == ""  # changed: its line is read again
        assert folders.get(pk=durand.pk).sync_hash == "b" * 32  # unchanged: untouched
        assert folders.get(pk=durand.pk).search_words == durand_words
    finally:
        migrate_to_latest()
