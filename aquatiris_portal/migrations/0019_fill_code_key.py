"""Fill ``code_key`` of the existing clients and SPANC.

Two existing rows whose codes have one canonical form (``CLI-1037`` and
``CLI 1037``) cannot both hold it once 0020 makes it unique: the earlier row
(smaller pk) keeps it, the later one stays NULL (nobody can activate an
account with that code until an export gives it a code of its own) and is
logged here as a warning naming both rows, for an administrator to fix in
the internal system.
"""

import logging
import unicodedata

from django.db import migrations

logger = logging.getLogger("aquatiris_portal.migrations")

BATCH = 2000


# A frozen copy of records/codes.py's canonical_code as of this migration
# (migrations must not change with the code); tests check the two agree.
def _step(text):
    upper = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).upper())
    kept = []
    for char in upper:
        category = unicodedata.category(char)
        if category == "Nd":
            kept.append(str(unicodedata.decimal(char)))
        elif category[0] == "L":
            kept.append(char)
    return unicodedata.normalize("NFKC", "".join(kept))


def canonical_code(value):
    if value is None:
        return ""
    return _step(value)


def fill(model):
    holders = {}  # canonical code -> (external id, code) of the row that holds it
    changed = []
    rows = model.objects.order_by("pk").values_list("pk", "external_id", "code")
    for pk, external_id, code in rows.iterator(chunk_size=BATCH):
        key = canonical_code(code)[:64] or None
        if key is not None and key in holders:
            other_id, other_code = holders[key]
            logger.warning(
                "%s %r: its code %r compares equal to the code %r of %r; its code_key stays empty "
                "(no activation with that code) until the internal system gives it a code of its own.",
                model.__name__,
                external_id,
                code,
                other_code,
                other_id,
            )
            key = None
        elif key is not None:
            holders[key] = (external_id, code)
        changed.append(model(pk=pk, code_key=key))
        if len(changed) >= BATCH:
            model.objects.bulk_update(changed, ["code_key"])
            changed = []
    if changed:
        model.objects.bulk_update(changed, ["code_key"])


def fill_code_keys(apps, schema_editor):
    for name in ("Client", "Spanc"):
        fill(apps.get_model("aquatiris_portal", name))


class Migration(migrations.Migration):
    dependencies = [
        ("aquatiris_portal", "0018_client_spanc_code_key"),
    ]

    operations = [
        migrations.RunPython(fill_code_keys, migrations.RunPython.noop),
    ]
