"""Memberships: people, not records, log in. A person may belong to several
records and a record have several people, each with a role (0033 turns
every existing account into its owner or manager membership)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("aquatiris_portal", "0031_remove_space_texts_from_settings"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Membership",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("owner", "Owner"),
                            ("household", "Household member"),
                            ("manager", "Manager"),
                            ("agent", "Agent"),
                        ],
                        max_length=20,
                        verbose_name="role",
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="created")),
                ("last_seen_at", models.DateTimeField(blank=True, null=True, verbose_name="last seen")),
                ("removed_at", models.DateTimeField(blank=True, null=True, verbose_name="removed")),
                (
                    "client",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memberships",
                        to="aquatiris_portal.client",
                        verbose_name="client",
                    ),
                ),
                (
                    "invited_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="invited by",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="portal_memberships",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="person",
                    ),
                ),
                (
                    "spanc",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memberships",
                        to="aquatiris_portal.spanc",
                        verbose_name="SPANC",
                    ),
                ),
            ],
            options={
                "verbose_name": "membership",
                "verbose_name_plural": "memberships",
                "ordering": ["pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("client__isnull", False), ("role__in", ["owner", "household"]), ("spanc__isnull", True)
                            ),
                            models.Q(
                                ("client__isnull", True), ("role__in", ["manager", "agent"]), ("spanc__isnull", False)
                            ),
                            _connector="OR",
                        ),
                        name="aqp_membership_one_record_role",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("client__isnull", False), ("removed_at__isnull", True)),
                        fields=("person", "client"),
                        name="aqp_membership_active_client",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("removed_at__isnull", True), ("spanc__isnull", False)),
                        fields=("person", "spanc"),
                        name="aqp_membership_active_spanc",
                    ),
                ],
            },
        ),
    ]
