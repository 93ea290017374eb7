"""The pro space's search words again, for the rows written before a name of
several words was also stored written together and Saint also as St
(records.names.folder_words): without it, Saint-Brieuc imported earlier is
not found by "saintbrieuc" nor by "st brieuc", nor Le Bihan by "lebihan",
until its line changes (an unchanged line is not applied again)."""

from django.db import migrations

BATCH = 2000


def refresh_folder_search_words(apps, schema_editor):
    # The function the models use (pure: names in, columns out), as 0023 does.
    from aquatiris_portal.records.names import folder_columns

    Installation = apps.get_model("aquatiris_portal", "Installation")
    rows = Installation.objects.values_list(
        "pk", "client__last_name", "client__first_name", "city", "postcode", "reference", "search_words"
    ).order_by("pk")
    batch = []
    for pk, last_name, first_name, city, postcode, reference, current in rows.iterator(chunk_size=BATCH):
        words = folder_columns(last_name, first_name, city, postcode, reference)["search_words"]
        if words != current:
            # The hash cleared, as records.models.refresh_folder_columns does
            # when it rewrites these columns: the next import re-reads the line.
            batch.append(Installation(pk=pk, search_words=words, sync_hash=""))
        if len(batch) == BATCH:
            Installation.objects.bulk_update(batch, ["search_words", "sync_hash"])
            batch = []
    if batch:
        Installation.objects.bulk_update(batch, ["search_words", "sync_hash"])


class Migration(migrations.Migration):
    dependencies = [
        ("aquatiris_portal", "0046_spanc_folder_count_kept_by_triggers"),
    ]

    operations = [
        migrations.RunPython(refresh_folder_search_words, migrations.RunPython.noop, elidable=True),
    ]
