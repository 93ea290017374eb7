"""Each SPANC's number of folders, kept by the database (records.folder_counts).

The folder list counted its territory's installations on every page view
(0.15 ms on 5,000 folders, none on 5). The count now lives in one row per
SPANC, kept by triggers on the installations' table, and is read from
there. The triggers are the current ones (``folder_counts.install``, which
every ``migrate`` runs again): a later change to them needs no migration.
"""

import django.db.models.deletion
from django.db import migrations, models

from aquatiris_portal.records import folder_counts


def install(apps, schema_editor):
    counts, installations = (
        apps.get_model("aquatiris_portal", "SpancFolderCount"),
        apps.get_model("aquatiris_portal", "Installation"),
    )
    folder_counts.install(schema_editor.connection, counts._meta.db_table, installations._meta.db_table)


def uninstall(apps, schema_editor):
    installations = apps.get_model("aquatiris_portal", "Installation")
    folder_counts.uninstall(schema_editor.connection, installations._meta.db_table)


class Migration(migrations.Migration):
    dependencies = [
        ("aquatiris_portal", "0045_refresh_folder_search_words_elided"),
    ]

    operations = [
        migrations.CreateModel(
            name="SpancFolderCount",
            fields=[
                (
                    "spanc",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="aquatiris_portal.spanc",
                    ),
                ),
                ("folders", models.IntegerField(default=0)),
            ],
            options={
                "verbose_name": "SPANC folder count",
                "verbose_name_plural": "SPANC folder counts",
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
