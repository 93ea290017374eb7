"""No two clients (no two SPANC) share a canonical code; the constraint's
unique index serves the activation look-up."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("aquatiris_portal", "0019_fill_code_key"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="client",
            constraint=models.UniqueConstraint(fields=("code_key",), name="aqp_client_code_key_uniq"),
        ),
        migrations.AddConstraint(
            model_name="spanc",
            constraint=models.UniqueConstraint(fields=("code_key",), name="aqp_spanc_code_key_uniq"),
        ),
    ]
