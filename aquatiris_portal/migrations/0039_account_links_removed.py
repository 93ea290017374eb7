"""PortalAccount loses its client and SPANC links: memberships are the only
link between a person and a record (access, digests, activation read them).

Before the columns go, every account link still set gets its owner (client)
or manager (SPANC) membership if the person has no active membership of that
record: 0033 made them for the accounts of its day, and code that still
wrote the link since must not lose anyone. Running it again adds nothing.

Going back re-adds the two nullable columns and fills them from the active
lead memberships (the oldest per person and per record: the columns are
one-to-one); invited people (household members, agents) had no link and
keep only their memberships."""

from django.db import migrations

BATCH = 2000


def _flush_deferred_checks(schema_editor):
    """PostgreSQL refuses ALTER TABLE on a transaction with pending deferred
    foreign-key checks: run them now, before the columns are dropped."""
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def links_to_memberships(apps, schema_editor):
    PortalAccount = apps.get_model("aquatiris_portal", "PortalAccount")
    Membership = apps.get_model("aquatiris_portal", "Membership")
    linked = (
        PortalAccount.objects.exclude(client__isnull=True, spanc__isnull=True)
        .order_by("pk")
        .values_list("user_id", "client_id", "spanc_id", "activated_at", "created_at")
    )
    # Only the people with a link: the set stays the size of the accounts, not of all memberships.
    existing = set(
        Membership.objects.filter(removed_at__isnull=True, person_id__in=linked.values("user_id"))
        .values_list("person_id", "client_id", "spanc_id")
        .iterator(chunk_size=BATCH)
    )
    batch = []
    for user_id, client_id, spanc_id, activated_at, created_at in linked.iterator(chunk_size=BATCH):
        for field, record_id, role in (("client_id", client_id, "owner"), ("spanc_id", spanc_id, "manager")):
            if not record_id:
                continue
            key = (user_id, record_id if field == "client_id" else None, record_id if field == "spanc_id" else None)
            if key in existing:
                continue
            existing.add(key)
            batch.append(
                Membership(person_id=user_id, role=role, created_at=activated_at or created_at, **{field: record_id})
            )
            if len(batch) >= BATCH:
                Membership.objects.bulk_create(batch)
                batch = []
    Membership.objects.bulk_create(batch)
    _flush_deferred_checks(schema_editor)


def memberships_to_links(apps, schema_editor):
    PortalAccount = apps.get_model("aquatiris_portal", "PortalAccount")
    Membership = apps.get_model("aquatiris_portal", "Membership")
    leads = (
        Membership.objects.filter(removed_at__isnull=True, role__in=("owner", "manager"))
        .order_by("pk")
        .values_list("person_id", "client_id", "spanc_id")
    )
    links = {}  # person -> {"client_id": …, "spanc_id": …}: the oldest lead membership of each kind
    taken = set()  # (field, record): a record is one account's at most
    for person_id, client_id, spanc_id in leads.iterator(chunk_size=BATCH):
        field, record_id = ("client_id", client_id) if client_id else ("spanc_id", spanc_id)
        mine = links.setdefault(person_id, {})
        if field in mine or (field, record_id) in taken:
            continue
        mine[field] = record_id
        taken.add((field, record_id))
    # One prepared UPDATE run per person (executemany): bulk_update's CASE
    # grows with the batch (quadratic on SQLite), a queryset per row pays the ORM each time.
    quote = schema_editor.connection.ops.quote_name
    table = quote(PortalAccount._meta.db_table)
    client, spanc, user = quote("client_id"), quote("spanc_id"), quote("user_id")
    sql = f"UPDATE {table} SET {client} = %s, {spanc} = %s WHERE {user} = %s"  # noqa: S608 (names, not data)
    rows = [(fields.get("client_id"), fields.get("spanc_id"), person_id) for person_id, fields in links.items()]
    with schema_editor.connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])


class Migration(migrations.Migration):
    dependencies = [
        ("aquatiris_portal", "0038_outbox_proof_event_kinds"),
    ]

    operations = [
        migrations.RunPython(links_to_memberships, memberships_to_links, elidable=False),
        migrations.RemoveField(model_name="portalaccount", name="client"),
        migrations.RemoveField(model_name="portalaccount", name="spanc"),
    ]
