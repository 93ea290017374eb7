"""Receivers of the records room, connected by aquatiris_portal/signals.py."""

from django.db import connections, router
from django.db.models.signals import post_migrate, post_save
from django.dispatch import receiver

from . import folder_counts
from .models import Installation, SpancFolderCount


@receiver(post_migrate, dispatch_uid="aquatiris_portal.records.install_folder_counts")
def install_folder_counts(sender, app_config=None, using="default", apps=None, **kwargs):
    """Every migrate puts the folder counts' triggers back and recounts
    (SQLite drops a table's triggers when a schema change rebuilds it)."""
    if app_config is None or app_config.label != "aquatiris_portal" or apps is None:
        return
    try:  # the migrated state's models: none when migrated back before the counts
        counts = apps.get_model("aquatiris_portal", "SpancFolderCount")
        installations = apps.get_model("aquatiris_portal", "Installation")
    except LookupError:
        return
    if not router.allow_migrate_model(using, installations):
        return  # a database of the host's that does not hold the portal's tables
    folder_counts.install(connections[using], counts._meta.db_table, installations._meta.db_table)


@receiver(post_save, sender=SpancFolderCount, dispatch_uid="aquatiris_portal.records.recount_a_loaded_count")
def recount_a_loaded_count(sender, instance, raw=False, using="default", **kwargs):
    """``loaddata`` writes a dump's counts as well as its installations, which
    the triggers count as they arrive: whichever comes first, the count
    written is replaced by the table's own."""
    if raw:
        folder_counts.recount_spanc(
            connections[using], sender._meta.db_table, Installation._meta.db_table, instance.spanc_id
        )
