"""Trusted browsers: a SPANC person's "trust this browser for 30 days" at
the second factor, one revocable row per browser (its device id hashed)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("aquatiris_portal", "0028_first_connection_code_help"),
    ]

    operations = [
        migrations.CreateModel(
            name="TrustedBrowser",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("device_hash", models.CharField(max_length=64, unique=True, verbose_name="device hash")),
                ("credentials", models.CharField(max_length=64, verbose_name="credentials fingerprint")),
                ("user_agent", models.CharField(blank=True, max_length=100, verbose_name="browser")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="created")),
                ("last_used_at", models.DateTimeField(blank=True, null=True, verbose_name="last used")),
                ("expires_at", models.DateTimeField(verbose_name="expires")),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
            options={
                "verbose_name": "trusted browser",
                "verbose_name_plural": "trusted browsers",
                "ordering": ["-created_at", "-pk"],
            },
        ),
    ]
