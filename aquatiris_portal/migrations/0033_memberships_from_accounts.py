"""Every existing portal account becomes a membership: its client's owner,
its SPANC's manager (an account that had both gets both). Nothing is lost:
the account and its links stay as they were. Running it again adds nothing
(an active membership of that person and record is left alone); going back
removes only the memberships this step would have made."""

from django.db import migrations
from django.db.models import F, Q

BATCH = 2000


def _wanted(PortalAccount):
    """(person, record field, record id, role, created) for every account's client and SPANC."""
    rows = (
        PortalAccount.objects.filter(Q(client__isnull=False) | Q(spanc__isnull=False))
        .order_by("pk")
        .values_list("user_id", "client_id", "spanc_id", "activated_at", "created_at")
    )
    for user_id, client_id, spanc_id, activated_at, created_at in rows.iterator(chunk_size=BATCH):
        since = activated_at or created_at
        if client_id:
            yield user_id, "client_id", client_id, "owner", since
        if spanc_id:
            yield user_id, "spanc_id", spanc_id, "manager", since


def forwards(apps, schema_editor):
    PortalAccount = apps.get_model("aquatiris_portal", "PortalAccount")
    Membership = apps.get_model("aquatiris_portal", "Membership")
    existing = set(
        Membership.objects.filter(removed_at__isnull=True)
        .values_list("person_id", "client_id", "spanc_id")
        .iterator(chunk_size=BATCH)
    )
    batch = []
    for user_id, field, record_id, role, since in _wanted(PortalAccount):
        key = (user_id, record_id if field == "client_id" else None, record_id if field == "spanc_id" else None)
        if key in existing:
            continue
        existing.add(key)
        batch.append(Membership(person_id=user_id, role=role, created_at=since, **{field: record_id}))
        if len(batch) >= BATCH:
            Membership.objects.bulk_create(batch)
            batch = []
    Membership.objects.bulk_create(batch)


def backwards(apps, schema_editor):
    """Only the owner/manager memberships that match an account's own link,
    in two statements: invited people (household members, agents) have no
    account link to fall back on and are kept."""
    Membership = apps.get_model("aquatiris_portal", "Membership")
    Membership.objects.filter(role="owner", person__portal_account__client_id=F("client_id")).delete()
    Membership.objects.filter(role="manager", person__portal_account__spanc_id=F("spanc_id")).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("aquatiris_portal", "0032_memberships"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
