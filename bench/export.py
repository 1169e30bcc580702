"""A CSV export of 1M redemptions against PostgreSQL's own COPY of the same rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vh_h3_bench REDIS_URL=redis://127.0.0.1:6379/3 \\
        .venv/bin/python bench/export.py [--rows 1000000] [--runs 3]

Needs a PostgreSQL database holding at least ``--rows`` redemptions (``bench/seed_speed.py`` fills one; the
export writes its Export rows there, so never point it at a shared read-only database) and Redis. Starts a
real Celery worker (solo pool, production settings) in its own process, then per run: times
``COPY (SELECT <the same columns> ...) TO STDOUT (FORMAT csv)`` of the same rows, read by psycopg and
thrown away, twice — as PostgreSQL plans it, and read through the index of the export's order
(``exports.writer.INDEX_ORDER``, as the export reads them) — and the export end to end (requested through
``exports.services.request_export``, built by the worker, until the row says DONE). Prints each run, then
the figure: the median of the per-run ratios export / COPY in index order (each export runs right after its
COPY), and the worker's peak RSS (VmHWM).
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, setup_django

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/vh_h3_bench"
FIELDS = [
    "id",
    "object",
    "date",
    "voucher_code",
    "campaign_id",
    "customer_id",
    "result",
    "status",
    "amount",
    "metadata",
]


def start_worker() -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + "x" * 60,
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "celery", "-A", "voucherhub", "worker", "--pool", "solo", "-l", "WARNING"]
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _selection(rows: int) -> tuple[dict, str, list]:
    """The export's filters for the newest ``rows`` redemptions, and the plain COPY of the same rows."""
    from exports.models import Export
    from exports.sources import get_source
    from exports.writer import selection
    from redemptions.models import Redemption
    from voucherhub.wire import iso

    total = Redemption.objects.count()
    if total < rows:
        sys.exit(f"Only {total:,} redemptions here; load more with bench/seed_speed.py")
    filters: dict = {}
    if total > rows:  # the newest ``rows`` redemptions
        cutoff = Redemption.objects.order_by("-created_at", "-id").values_list("created_at", flat=True)[rows]
        filters = {"created_at": {"conditions": {"$after": iso(cutoff)}}}
    source = get_source("redemption")
    parameters = {"fields": FIELDS, "filters": filters, "order": "-created_at"}
    probe = Export(exported_object="redemption", channel="API", parameters=parameters)
    # the export's own selection: the redemptions and their rollbacks, in one UNION ALL in date order
    values, _ = selection(source, FIELDS, source.rows(probe), source.also_rows(probe), source.order(probe))
    sql, params = values.query.sql_with_params()
    return filters, f"COPY ({sql}) TO STDOUT (FORMAT csv)", params


def _export_seconds(filters: dict):
    """One export of the rows, requested as the API requests it and built by the worker: (export, seconds)."""
    from exports import services
    from exports.models import Export, ExportStatus

    started = time.perf_counter()
    export = services.request_export(
        exported_object="redemption", fields=FIELDS, filters=filters, order="-created_at", channel="API"
    )
    while True:
        status = Export.objects.filter(pk=export.pk).values_list("status", flat=True).get()
        if status in (ExportStatus.DONE, ExportStatus.ERROR):
            break
        time.sleep(0.02)
    elapsed = time.perf_counter() - started
    export.refresh_from_db()
    if export.status != ExportStatus.DONE:
        sys.exit(f"export {export.pk} failed: {export.error}")
    return export, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    if not os.environ.get("REDIS_URL"):
        sys.exit("Set REDIS_URL (the worker and this process share the queue), e.g. redis://127.0.0.1:6379/3")
    setup_django()

    from django.db import connection

    from exports import services
    from exports.writer import INDEX_ORDER

    filters, plain_copy, params = _selection(args.rows)

    def copy_seconds(settings: tuple[str, ...] = ()) -> tuple[float, int]:
        started = time.perf_counter()
        size = 0
        connection.ensure_connection()
        with connection.connection.transaction(), connection.connection.cursor() as cursor:
            for setting in settings:
                cursor.execute(setting)
            with cursor.copy(plain_copy, params) as copy:
                for chunk in copy:
                    size += len(chunk)
            rows = cursor.rowcount
        return time.perf_counter() - started, rows

    worker = start_worker()
    try:
        time.sleep(6)  # let the worker connect and start consuming
        copies, planned, exports = [], [], []
        for run in range(1, args.runs + 1):
            planner, _ = copy_seconds()  # the plan PostgreSQL picks (a parallel scan and a sort at 5M)
            planned.append(planner)
            seconds, copied = copy_seconds(INDEX_ORDER)  # the rows read through the index of their order
            copies.append(seconds)
            export, elapsed = _export_seconds(filters)
            exports.append(elapsed)
            print(
                f"run {run}: COPY {planner:.2f} s as planned, {seconds:.2f} s in index order ({copied:,} rows) | "
                f"export {elapsed:.2f} s end to end "
                f"(task {export.duration_ms / 1000:.2f} s, {export.rows:,} rows, {export.size / 1e6:.0f} MB)",
                flush=True,
            )
            services.delete_export(export)
        rss = peak_rss_mb(worker.pid)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    # Each export runs right after its COPY, so the per-run ratio cancels most of the load drift of a shared
    # machine; the median of those is the figure, the best of each is shown beside it.
    ratio = statistics.median(e / c for e, c in zip(exports, copies, strict=True))
    print(f"export {statistics.median(exports):.2f} s, COPY in index order {statistics.median(copies):.2f} s, "
          f"COPY as planned {statistics.median(planned):.2f} s (medians)")  # fmt: skip
    print(
        f"export: {ratio:.2f}x PostgreSQL's COPY in index order (median of {args.runs} per-run ratios; best export "
        f"{min(exports):.2f} s vs best COPY {min(copies):.2f} s = {min(exports) / min(copies):.2f}x; "
        f"{args.rows:,} rows); worker peak RSS {rss:.0f} MB"
    )


if __name__ == "__main__":
    main()
