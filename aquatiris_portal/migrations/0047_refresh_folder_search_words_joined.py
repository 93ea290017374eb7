"""The pro space's search words again, for the rows written before a name of
several words was also stored written together and Saint also as St
(records.names.folder_words): without it, Saint-Brieuc imported earlier is
not found by "saintbrieuc" nor by "st brieuc", nor Le Bihan by "lebihan",
until its line changes (an unchanged line is not applied again)."""

from django.db import migrations

BATCH = 2000


def refresh_folder_search_words(apps, schema_editor):
    # The function the models use (pure: names in, columns out), as 0023 does.
    from aquatiris_portal.records.names import folder_columns

    Installation = apps.get_model("aquatiris_portal", "Installation")
    rows = Installation.objects.values_list(
        "pk", "client__last_name", "client__first_name", "city", "postcode", "reference", "search_words"
    ).order_by("pk")
    batch = []
    for pk, last_name, first_name, city, postcode, reference, current in rows.iterator(chunk_size=BATCH):
        words = folder_columns(last_name, first_name, city, postcode, reference)["search_words"]
        if words != current:
            batch.append((pk, words))
        if len(batch) == BATCH:
            _write(schema_editor.connection, Installation._meta, batch)
            batch = []
    if batch:
        _write(schema_editor.connection, Installation._meta, batch)


def _write(connection, meta, batch):
    """The new words of ``batch`` [(pk, words)], the hash cleared, as
    records.models.refresh_folder_columns does when it rewrites these
    columns: the next import reads the line again. One statement per batch
    on PostgreSQL (a third of the rows change: bulk_update's CASE over 2,000
    ids took 41 s for 150,000 folders)."""
    qn = connection.ops.quote_name
    table, id_column, words_column, hash_column = (
        qn(name) for name in (meta.db_table, meta.pk.column, "search_words", "sync_hash")
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = (
                f"UPDATE {table} AS t SET {words_column} = v.w, {hash_column} = '' "  # noqa: S608 (names, not data)
                f"FROM unnest(%s::bigint[], %s::text[]) AS v(id, w) WHERE t.{id_column} = v.id"
            )
            cursor.execute(sql, [[pk for pk, _words in batch], [words for _pk, words in batch]])
        else:
            sql = f"UPDATE {table} SET {words_column} = %s, {hash_column} = '' WHERE {id_column} = %s"  # noqa: S608 (names, not data)
            cursor.executemany(sql, [(words, pk) for pk, words in batch])


class Migration(migrations.Migration):
    dependencies = [
        ("aquatiris_portal", "0046_spanc_folder_count_kept_by_triggers"),
    ]

    operations = [
        migrations.RunPython(refresh_folder_search_words, migrations.RunPython.noop, elidable=True),
    ]
