"""The migration tests run the app's migrations for real on the test
database, back and forward; whatever they do, they end at the latest one,
which the tests run after them need (a ``transaction=True`` test leaves its
schema as it is)."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

APP = "aquatiris_portal"


def migrate(target):
    """Migrate to ``target`` ((app, name)); returns that state's apps, whose
    models are the historical ones to write rows with."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


def migrate_to_latest():
    """On to the app's latest migration."""
    return migrate(MigrationExecutor(connection).loader.graph.leaf_nodes(APP)[0])
