"""Time of the requests export jobs on the benchmark database, in-process.

Called by run.py with the site's environment: reads ``[[key, label, query
string], ...]`` as JSON on stdin and the staff user's email as argument.
First drops the exports the load left queued (no worker runs during the
benchmark), then for each job records a ``RequestExport`` as the admin's
export button does and runs the job (``enquiries.exports.build_export``, the
actor's body) in this process, timed from the moment it was asked to the
moment the file is stored. Prints ``[{"key", "label", "query", "seconds",
"rows", "bytes", "status", "peak_rss_mb"}]``; the files are deleted after.
"""

import json
import resource
import sys
import time

import django


def main():
    django.setup()
    from django.contrib.auth import get_user_model

    from aquatiris_portal.enquiries.exports import build_export
    from aquatiris_portal.enquiries.models import RequestExport
    from aquatiris_portal.enquiries.viewsets import listing_rows

    jobs = json.load(sys.stdin)
    user = get_user_model().objects.get(email__iexact=sys.argv[1])
    RequestExport.objects.filter(requested_by=user).delete()  # left queued by the load; files go with them
    results = []
    for key, label, query in jobs:
        started = time.perf_counter()
        # What asking does: the listing's rows for the query, stored on the export.
        rows = list(listing_rows(user, query).values_list("pk", flat=True))
        export = RequestExport.objects.create(
            requested_by=user, format="xlsx", query_string=query, language="fr", request_ids=rows
        )
        export = build_export(export.pk)
        seconds = time.perf_counter() - started
        size = export.file.size if export.file else 0
        results.append(
            {
                "key": key,
                "label": label,
                "query": query,
                "seconds": round(seconds, 2),
                "rows": export.row_count,
                "bytes": size,
                "status": export.status,
                "error": export.error,
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            }
        )
        export.delete()
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
