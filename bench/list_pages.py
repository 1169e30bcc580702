"""Server time of the Redemptions list at 5 million rows: p95 per case.

    .venv/bin/python bench/list_pages.py [--repeat N] [--load]

Runs against ``postgres://postgres@127.0.0.1:5432/voucherhub_5m`` unless DATABASE_URL says otherwise
(migrated if needed). With ``--load`` it first tops the database up to 5 million redemptions through
``seed_demo``'s bulk path (demo.bulk); without it, a database with fewer rows is refused.
The list is requested through Django's test client, in this process, with production settings (DEBUG
off), logged in as the demo Admin: the first page, each single filter (values picked from the data),
each sort both ways, and pages deep in the list (a keyset cursor halfway down; its previous page). Each
case is requested twice to warm up, then ``--repeat`` times; the time is the view's, from request to
rendered response. Everything this process writes (the login's session, last_login) happens in one
transaction that is rolled back, so the shared database is left as it was.

Prints one line per case (p50 / p95 of the server time, p95 of this process's CPU time — the part that does
not depend on what else the machine runs —, queries per request, rows), then the worst p95 as the last line.
"""

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/voucherhub_5m"
TARGET = 5_000_000
STATIC_STORAGE = "django.contrib.staticfiles.storage.StaticFilesStorage"


class Rollback(Exception):
    """Raised at the end to roll back what the bench wrote (sessions, last_login)."""


def production_env() -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.update(
        DEBUG="0",
        SECRET_KEY="bench-" + "x" * 60,
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="WARNING",
    )


def cases() -> list[tuple[str, dict]]:
    """(name, query parameters) of every case, with filter values taken from the data."""
    from django.db.models import Count

    from campaigns.models import Campaign, Customer, Order
    from dashboard.keyset import SortKey, encode
    from redemptions.models import Redemption

    newest = Redemption.objects.order_by("-created_at", "-id")
    sample = list(newest.values("voucher_code", "customer_id", "order_id", "created_at")[5_000:5_001])[0]
    customer = Customer.objects.get(pk=sample["customer_id"])
    order = Order.objects.get(pk=sample["order_id"])
    campaigns = list(Campaign.objects.annotate(n=Count("vouchers")).order_by("-n").values_list("pk", flat=True))
    day = sample["created_at"].date()
    # Halfway down the default order: a page no OFFSET-paginated list could reach cheaply.
    middle = Redemption.objects.count() // 2
    deep = newest.values_list("created_at", "id")[middle : middle + 1][0]
    deep_cursor = encode(SortKey("-created_at", ("created_at", "id"), True), list(deep))
    return [
        ("first page", {}),
        ("first page, 100 rows", {"per_page": 100}),
        ("campaign (largest)", {"campaign": campaigns[0]}),
        ("campaign (smallest)", {"campaign": campaigns[-1]}),
        ("voucher code", {"voucher_code": sample["voucher_code"]}),
        ("customer (source id)", {"customer": customer.source_id}),
        ("customer (email)", {"customer": customer.email}),
        ("date range (one day)", {"created_from": day.isoformat(), "created_to": day.isoformat()}),
        ("date from", {"created_from": day.isoformat()}),
        ("result FAILURE", {"result": "FAILURE"}),
        ("status ROLLED_BACK", {"status": "ROLLED_BACK"}),
        ("status FAILED", {"status": "FAILED"}),
        ("failure code (rare)", {"failure_code": "invalid_amount"}),
        ("channel USER", {"channel": "USER"}),
        ("channel API", {"channel": "API"}),
        ("channel id", {"channel": "POS Warsaw"}),
        ("order id", {"order": order.pk}),
        ("order source id", {"order": order.source_id or order.pk}),
        ("metadata key", {"metadata_key": "store"}),
        ("metadata key=value (common)", {"metadata_key": "source", "metadata_value": "search"}),
        ("metadata key=value (rare)", {"metadata_key": "store", "metadata_value": "Warsaw Mokotów"}),
        ("metadata key=value (none)", {"metadata_key": "source", "metadata_value": "nowhere"}),
        *[
            (f"sort {direction}{column}", {"sort": f"{direction}{column}"})
            for column in ("created_at", "id", "status", "voucher_code", "amount", "channel")
            for direction in ("", "-")
        ],
        ("deep page (halfway, keyset)", {"after": deep_cursor}),
        ("deep page, previous", {"before": deep_cursor}),
        ("deep page, status FAILED", {"status": "FAILED", "after": deep_cursor}),
    ]


def measure(client, name: str, params: dict, repeat: int) -> tuple[float, float, float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = "/redemptions/" + (f"?{urlencode(params)}" if params else "")
    for _ in range(2):
        response = client.get(url, secure=True)
        assert response.status_code == 200, (name, response.status_code)
    times, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url, secure=True)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, secure=True)
    html = response.content.decode()
    assert "could not be read" not in html and "cannot be read" not in html, f"{name}: the bench's query is wrong"
    rows = html.count('<tr id="row-')
    return statistics.median(times), _p95(times), _p95(cpu), len(queries), rows


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--load", action="store_true", help=f"top the database up to {TARGET:,} redemptions")
    args = parser.parse_args()

    production_env()
    setup_django()
    from django.conf import settings

    # Production settings but no collectstatic run: plain static URLs instead of the hashed manifest.
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": STATIC_STORAGE}}
    logging.getLogger("voucherhub.request").setLevel(logging.WARNING)  # no line per request

    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.test import Client

    from redemptions.models import Redemption

    have = Redemption.objects.count()
    if have < TARGET:
        if not args.load:
            sys.exit(f"{have:,} redemptions: run with --load to add {TARGET - have:,} (about a minute per million)")
        from demo import bulk as demo_bulk

        demo_bulk.seed_bulk(redemptions=TARGET - have, seed=2026, password="bench", rebuild="auto", log=print)
        have = Redemption.objects.count()
    print(f"database {os.environ['DATABASE_URL'].rsplit('/', 1)[-1]}: {have:,} redemptions", flush=True)

    results = []
    try:
        with transaction.atomic():
            client = Client()
            client.force_login(get_user_model().objects.get(username="admin"))
            for name, params in cases():
                p50, p95, cpu95, queries, rows = measure(client, name, params, args.repeat)
                results.append((p95, name))
                print(
                    f"{name:30} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  (Python CPU p95 {cpu95:5.1f} ms)  "
                    f"{queries} queries  {rows} rows",
                    flush=True,
                )
            raise Rollback
    except Rollback:
        pass
    worst, case = max(results)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"list_pages: worst p95 {worst:.1f} ms ({case}); {len(results)} cases, target < 100 ms")


if __name__ == "__main__":
    main()
