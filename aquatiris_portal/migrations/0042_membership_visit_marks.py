"""« Nouveau » per person and record (accounts/new_marks.py): each membership
keeps its own previous visit and the start of its current one.

Each membership starts from its person's account (previous and last visit),
so nobody loses or gains a mark on deploy: a person logged in at that moment
keeps the marks of the visit under way. One UPDATE, whatever the number of
memberships. Going back drops the two columns; the account's are kept.
"""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def seed_from_accounts(apps, schema_editor):
    Membership = apps.get_model("aquatiris_portal", "Membership")
    PortalAccount = apps.get_model("aquatiris_portal", "PortalAccount")
    account = PortalAccount.objects.filter(user_id=OuterRef("person_id"))
    Membership.objects.update(
        previous_visit_at=Subquery(account.values("previous_visit_at")[:1]),
        visit_started_at=Subquery(account.values("last_visit_at")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("aquatiris_portal", "0041_installation_autovacuum"),
    ]

    operations = [
        migrations.AddField(
            model_name="membership",
            name="previous_visit_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="previous visit"),
        ),
        migrations.AddField(
            model_name="membership",
            name="visit_started_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="visit started"),
        ),
        migrations.RunPython(seed_from_accounts, migrations.RunPython.noop),
    ]
