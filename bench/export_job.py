"""Time of the requests export jobs on the benchmark database, in-process.

Called by run.py with the site's environment: reads ``[[key, label, query
string], ...]`` as JSON on stdin and the staff user's email as argument.
First drops the exports the load left queued (no worker runs during the
benchmark), then for each job records a ``RequestExport`` as the admin's
export button does and runs the job (``enquiries.exports.build_export``, the
actor's body) in this process, timed from the moment it was asked to the
moment the file is stored. Prints ``[{"key", "label", "query", "seconds",
"cpu_seconds", "db_cpu_seconds", "waited_for_cpu_seconds", "rows", "bytes", "status",
"rss_before_mb", "peak_rss_rise_mb", "peak_rss_mb"}]``; the files are deleted after.
CPU: this process's (user + system) and the PostgreSQL backend's serving it (from
/proc, same machine), which a busy machine does not inflate; the time the job was
ready to run but waited for a core (/proc/self/schedstat) says how much of the
wall time a busy machine added. The peak RSS rise is the job's (VmHWM reset before
it) over the RSS it started from.
"""

import json
import os
import resource
import sys
import time
from pathlib import Path

import django


def _status_mb(key):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _run_queue_seconds():
    """Time this process was ready to run but waited for a core (/proc/self/schedstat; 0 where absent)."""
    try:
        return int(Path("/proc/self/schedstat").read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


def _backend_cpu_seconds():
    """(backend pid, CPU seconds) of the PostgreSQL process serving this connection (/proc/<pid>/stat)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None, 0.0
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # another machine, or not allowed to read it
        return None, 0.0
    return pid, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
        rss_before = _status_mb("VmRSS")
        Path("/proc/self/clear_refs").write_text("5")  # Linux: VmHWM back to the current RSS
        cpu, (backend, db_cpu), waited = _cpu_seconds(), _backend_cpu_seconds(), _run_queue_seconds()
        started = time.perf_counter()
        # What asking does: the listing's rows for the query, stored on the export.
        rows = list(listing_rows(user, query).values_list("pk", flat=True))
        export = RequestExport.objects.create(
            requested_by=user, format="xlsx", query_string=query, language="fr", request_ids=rows
        )
        export = build_export(export.pk)
        seconds = time.perf_counter() - started
        backend_after, db_cpu_after = _backend_cpu_seconds()
        cpu, waited = _cpu_seconds() - cpu, _run_queue_seconds() - waited
        # A job that reconnected was served by another backend too: its CPU is not all here.
        db_cpu = db_cpu_after - db_cpu if backend and backend == backend_after else None
        peak_rise = _status_mb("VmHWM") - rss_before
        size = export.file.size if export.file else 0
        results.append(
            {
                "key": key,
                "label": label,
                "query": query,
                "seconds": round(seconds, 2),
                "cpu_seconds": round(cpu, 2),
                "db_cpu_seconds": None if db_cpu is None else round(db_cpu, 2),
                "waited_for_cpu_seconds": round(waited, 2),
                "rows": export.row_count,
                "bytes": size,
                "status": export.status,
                "error": export.error,
                "rss_before_mb": round(rss_before, 1),
                "peak_rss_rise_mb": round(peak_rise, 1),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            }
        )
        export.delete()
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
