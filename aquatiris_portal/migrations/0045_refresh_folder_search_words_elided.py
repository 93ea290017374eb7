"""The pro space's search words and sort names again, for the rows written
before a name with an apostrophe was also one word (records.names.folder_words)
and sorted without its apostrophe: without it, "N'Diaye" imported earlier is
not found by "ndiaye", and "d’Hérouville" sorts after "Durand", until its
line changes (an unchanged line is not applied again)."""

from importlib import import_module

from django.db import migrations

# The same refresh as 0023: folder_columns of today for every installation, changed rows only.
refresh_folder_columns = import_module(
    "aquatiris_portal.migrations.0023_refresh_folder_search_words"
).refresh_folder_columns


class Migration(migrations.Migration):
    dependencies = [
        ("aquatiris_portal", "0044_installation_maintenance_dates_in_stage_index"),
    ]

    operations = [
        migrations.RunPython(refresh_folder_columns, migrations.RunPython.noop, elidable=True),
    ]
