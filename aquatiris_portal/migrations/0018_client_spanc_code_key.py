"""Client and Spanc get ``code_key``, the canonical form of their code
(records/codes.py), nullable until 0019 fills it for existing rows."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("aquatiris_portal", "0017_imported_rows_without_unused_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="client",
            name="code_key",
            field=models.CharField(
                blank=True, editable=False, max_length=64, null=True, verbose_name="client code as compared"
            ),
        ),
        migrations.AddField(
            model_name="spanc",
            name="code_key",
            field=models.CharField(
                blank=True, editable=False, max_length=64, null=True, verbose_name="pro code as compared"
            ),
        ),
    ]
