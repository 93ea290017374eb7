"""The pro space's search words again, for the rows written before every
dash and apostrophe split words (records.names.search_words): without it,
"Anne–Sophie" imported earlier stays one word until its line changes (an
unchanged line is not applied again)."""

from django.db import migrations


def refresh_folder_columns(apps, schema_editor):
    # The function the models use (pure: names in, columns out), as 0003 does.
    from aquatiris_portal.records.names import folder_columns

    Installation = apps.get_model("aquatiris_portal", "Installation")
    rows = Installation.objects.values_list(
        "pk",
        "client__last_name",
        "client__first_name",
        "city",
        "postcode",
        "reference",
        "client_sort_name",
        "search_words",
    ).order_by("pk")
    batch = []
    for pk, last_name, first_name, city, postcode, reference, *current in rows.iterator(chunk_size=2000):
        columns = folder_columns(last_name, first_name, city, postcode, reference)
        if list(columns.values()) != current:
            batch.append(Installation(pk=pk, **columns))
        if len(batch) == 2000:
            Installation.objects.bulk_update(batch, ["client_sort_name", "search_words"])
            batch = []
    if batch:
        Installation.objects.bulk_update(batch, ["client_sort_name", "search_words"])


class Migration(migrations.Migration):
    dependencies = [
        ("aquatiris_portal", "0022_mail_not_before_serial_pattern_check"),
    ]

    operations = [
        migrations.RunPython(refresh_folder_columns, migrations.RunPython.noop, elidable=True),
    ]
