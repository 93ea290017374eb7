"""Installations' serial numbers in their canonical form (records.serials),
as the import now stores them: a serial an export carried as
"AQ2019004512" was compared by the warranty form with the typed
"AQ-2019-004512" and taken for another serial (a conflict)."""

from django.db import migrations


def canonical_serials(apps, schema_editor):
    # The function the import uses (pure: text in, text out), as 0003 does with folder_columns.
    from aquatiris_portal.records.serials import canonical_serial

    Installation = apps.get_model("aquatiris_portal", "Installation")
    rows = Installation.objects.exclude(serial_number="").values_list("pk", "serial_number").order_by("pk")
    batch = []
    for pk, serial in rows.iterator(chunk_size=2000):
        canonical = canonical_serial(serial)
        if canonical != serial and len(canonical) <= 60:
            batch.append(Installation(pk=pk, serial_number=canonical))
        if len(batch) == 2000:
            Installation.objects.bulk_update(batch, ["serial_number"])
            batch = []
    if batch:
        Installation.objects.bulk_update(batch, ["serial_number"])


class Migration(migrations.Migration):
    dependencies = [
        ("aquatiris_portal", "0025_pending_uploads"),
    ]

    operations = [
        migrations.RunPython(canonical_serials, migrations.RunPython.noop, elidable=True),
    ]
