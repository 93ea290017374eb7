"""PostgreSQL: vacuum the installations after 1 % of them changed, not 20 %.

The SPANC's folder list counts its territory (up to thousands of folders)
on every page. PostgreSQL counts from the spanc index alone when the table's
visibility map says its pages are all visible, which a vacuum sets; the
sync's nightly updates clear it, and the default threshold (20 % of the
rows, 30,000 of 150,000) left it stale for days: the count of 5,000 folders
then read 5,000 table pages (13 ms, instead of 0.4 ms from the index on the
benchmark database). Other databases: nothing to do.
"""

from django.db import migrations

TABLE = "aquatiris_portal_installation"
PARAMETERS = ("autovacuum_vacuum_scale_factor", "autovacuum_vacuum_insert_scale_factor")


def tune(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        settings = ", ".join(f"{name} = 0.01" for name in PARAMETERS)
        schema_editor.execute(f"ALTER TABLE {TABLE} SET ({settings})")


def untune(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} RESET ({', '.join(PARAMETERS)})")


class Migration(migrations.Migration):
    dependencies = [
        ("aquatiris_portal", "0040_record_people_permission"),
    ]

    operations = [migrations.RunPython(tune, untune)]
