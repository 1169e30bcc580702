"""A customer's activity with 1,000,000 events, at the 5-million-redemption scale: p95 of the first page.

    .venv/bin/python bench/customer_activity.py [--repeat N] [--load]

Runs against ``postgres://postgres@127.0.0.1:5432/voucherhub_5m`` unless DATABASE_URL says otherwise, the
database of bench/list_pages.py (``--load`` tops it up to 5 million redemptions first, through demo.bulk).
Once per database it gives one customer (source id ``bench-activity-1m``) 1,000,000 events and the
others 1,000,000 more, spread over a year, the campaigns and the activity types, written by one
``INSERT ... SELECT`` each (the events table then holds what a busy installation's would).

Through Django's test client, in this process, with production settings (DEBUG off): the API's
``GET /v1/customers/{id}/activity`` (first page of 10 and of 100, oldest first, one campaign, a
period, a page after a cursor) and the dashboard's Activity tab as the demo Admin (first page, one
campaign, one day, a deep keyset page). Each case twice to warm up, then ``--repeat`` times. What the
measuring writes (the API key, the login's session, request logs) is rolled back.

Prints one line per case (p50 / p95 server time, p95 of this process's CPU time, queries, rows), then the
worst first-page p95 as the last line (target < 100 ms).
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
from bench.list_pages import STATIC_STORAGE, TARGET, Rollback, _p95, production_env

BENCH_CUSTOMER = "bench-activity-1m"
EVENTS = 1_000_000
# The activity types as stored (customers.queries.ACTIVITY_TYPES), most of them redemptions and validations.
TYPES = [
    "redemption.succeeded",
    "redemption.succeeded",
    "redemption.failed",
    "voucher.validated",
    "voucher.validated",
    "redemption.rollback.succeeded",
    "customer.updated",
]
FILL = """
INSERT INTO auditlog_event
    (id, type, occurred_at, channel_type, channel_id, resource_type, resource_id, campaign_id, customer_id, data)
SELECT
    'evt_bench' || %(tag)s || lpad(n::text, 12, '0'),
    (%(types)s::text[])[1 + n %% cardinality(%(types)s::text[])],
    now() - (n::float8 * 31536000 / %(count)s) * interval '1 second',
    'API', 'Bench', 'redemption', 'r_bench' || n,
    (%(campaigns)s::text[])[1 + n %% cardinality(%(campaigns)s::text[])],
    CASE WHEN %(customer)s <> '' THEN %(customer)s
         ELSE (%(others)s::text[])[1 + n %% cardinality(%(others)s::text[])] END,
    jsonb_build_object('redemption_id', 'r_bench' || n, 'object', 'voucher', 'id', 'BENCH-' || n,
                       'valid', n %% 3 <> 0, 'amount', 1000 + n %% 5000)
FROM generate_series(1, %(count)s) AS n
"""


def fill_events() -> str:
    """The bench customer's id, with their 1,000,000 events and as many of other customers' (once)."""
    from django.db import connection

    from auditlog.models import Event
    from campaigns.models import Campaign, Customer

    customer, _ = Customer.objects.get_or_create(source_id=BENCH_CUSTOMER, defaults={"name": "Bench Activity"})
    if Event.objects.filter(customer_id=customer.pk).count() >= EVENTS:
        return customer.pk
    campaigns = list(Campaign.objects.values_list("pk", flat=True)) or [""]
    others = list(Customer.objects.exclude(pk=customer.pk).values_list("pk", flat=True)[:50_000])
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for tag, owner in (("a", customer.pk), ("b", "")):
            params = {"tag": tag, "types": TYPES, "count": EVENTS, "campaigns": campaigns, "customer": owner}
            cursor.execute(FILL, {**params, "others": others or [customer.pk]})
        cursor.execute("ANALYZE auditlog_event")
    print(f"wrote {2 * EVENTS:,} events in {time.perf_counter() - started:.0f} s", flush=True)
    return customer.pk


def cases(customer_id: str) -> list[tuple[str, str, bool]]:
    """(name, URL, whether it is a first page) of every case."""
    from auditlog.models import Event
    from dashboard.keyset import SortKey, encode

    theirs = Event.objects.filter(customer_id=customer_id).order_by("-occurred_at", "-id")
    sample = theirs.values("id", "occurred_at", "campaign_id")[EVENTS // 2]
    day = sample["occurred_at"].date().isoformat()
    deep = encode(SortKey("-occurred_at", ("occurred_at", "id"), True), [sample["occurred_at"], sample["id"]])
    api = f"/v1/customers/{customer_id}/activity"
    page = f"/customers/{customer_id}/activity/"
    start = sample["occurred_at"].replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return [
        ("API first page (10)", api, True),
        ("API first page (100)", f"{api}?limit=100", True),
        ("API oldest first", f"{api}?order=created_at", True),
        ("API one campaign", f"{api}?{urlencode({'campaign_id': sample['campaign_id']})}", False),
        ("API from a date", f"{api}?{urlencode({'start_date': start})}", False),
        ("API after a cursor (halfway)", f"{api}?starting_after_id={sample['id']}", False),
        ("API one type", f"{api}?type=customer.redemption.failed", False),
        ("dashboard first page (25)", page, True),
        ("dashboard one campaign", f"{page}?{urlencode({'campaign': sample['campaign_id']})}", False),
        ("dashboard one day", f"{page}?{urlencode({'occurred_from': day, 'occurred_to': day})}", False),
        ("dashboard deep page (halfway)", f"{page}?{urlencode({'after': deep})}", False),
    ]


def measure(client, url: str, headers: dict, repeat: int) -> tuple[float, float, float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        response = client.get(url, secure=True, headers=headers)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
    times, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        client.get(url, secure=True, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, secure=True, headers=headers)
    body = response.content.decode()
    rows = body.count('"type": "customer.') + body.count('"type":"customer.') + body.count("<tr data-type=")
    return statistics.median(times), _p95(times), _p95(cpu), len(queries), rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--load", action="store_true", help=f"top the database up to {TARGET:,} redemptions")
    args = parser.parse_args()

    production_env()
    setup_django()
    from django.conf import settings

    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": STATIC_STORAGE}}
    logging.getLogger("voucherhub.request").setLevel(logging.WARNING)

    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.test import Client

    from apikeys.services import create_key
    from redemptions.models import Redemption
    from voucherhub.caller import Caller

    have = Redemption.objects.count()
    if have < TARGET:
        if not args.load:
            sys.exit(f"{have:,} redemptions: run with --load to add {TARGET - have:,} (about a minute per million)")
        from demo import bulk as demo_bulk

        demo_bulk.seed_bulk(redemptions=TARGET - have, seed=2026, password="bench", rebuild="auto", log=print)
        have = Redemption.objects.count()
    customer_id = fill_events()
    print(f"database {os.environ['DATABASE_URL'].rsplit('/', 1)[-1]}: {have:,} redemptions", flush=True)

    first_pages = []
    try:
        with transaction.atomic():
            admin = get_user_model().objects.get(username="admin")
            key, token = create_key(name="Bench activity", user=admin, caller=Caller.system("bench"))
            api_headers = {"X-App-Id": key.app_id, "X-App-Token": token}
            client = Client()
            client.force_login(admin)
            for name, url, is_first in cases(customer_id):
                headers = api_headers if url.startswith("/v1/") else {}
                p50, p95, cpu95, queries, rows = measure(client, url, headers, args.repeat)
                if is_first:
                    first_pages.append((p95, name))
                print(
                    f"{name:32} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  (Python CPU p95 {cpu95:5.1f} ms)  "
                    f"{queries} queries  {rows} rows",
                    flush=True,
                )
            raise Rollback
    except Rollback:
        pass
    worst, case = max(first_pages)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"customer_activity: worst first-page p95 {worst:.1f} ms ({case}) at {EVENTS:,} events, target < 100 ms")


if __name__ == "__main__":
    main()
