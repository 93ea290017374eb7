"""Dramatiq actors of the enquiries room."""

import dramatiq


# One attempt per message: a failed export is marked failed with its error
# (the person asks again from the status page); a redelivered message finds
# the export running or finished and does nothing (``exports.claim``).
@dramatiq.actor(queue_name="aquatiris_exports", max_retries=0, time_limit=3600 * 1000)
def build_request_export(export_id):
    from .exports import build_export

    build_export(export_id)
