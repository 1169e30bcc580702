"""POST /v1/redemptions (and /v1/validations) throughput under 16 concurrent clients, on gunicorn +
PostgreSQL, against a bare Django view doing one INSERT in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/voucherhub_bench .venv/bin/python bench/api_throughput.py [N]

Each redemption uses a distinct voucher. Prints one line per case; the last line is the figure.
The load generator runs on the same 2-core machine as the server and the database.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import drive, gunicorn, setup_django, timed

PORT = 8931
CLIENTS = 16
# One gunicorn worker per core, each with enough threads for the 16 clients: 4 workers x 4 threads (the
# earlier layout) spent ~15 % more CPU per request on these 2 cores (more processes contending for them).
WORKERS, THREADS = 2, 8


def prepare(count: int):
    from django.db import connection

    from bench.urls import TABLE_SQL
    from campaigns.models import Campaign, CampaignType, Voucher
    from voucherhub.ids import new_id
    from voucherhub.services import create_api_key

    with connection.cursor() as cursor:
        cursor.execute(TABLE_SQL)
    key, token = create_api_key(name="Bench")
    campaign = Campaign.objects.create(name=f"Bench {new_id('')}", campaign_type=CampaignType.DISCOUNT_COUPONS)
    vouchers = [
        Voucher(
            code=f"BENCH-{campaign.id}-{i}",
            campaign=campaign,
            discount_type="PERCENT",
            percent_off=10,
            redemption_quantity=1,
        )
        for i in range(count * 2)
    ]
    Voucher.objects.bulk_create(vouchers, batch_size=2000)
    headers = {"X-App-Id": key.app_id, "X-App-Token": token}
    return headers, [v.code for v in vouchers]


def body(code: str, n: int) -> dict:
    return {
        "redeemables": [{"object": "voucher", "id": code}],
        "order": {"amount": 10_000 + n, "items": [{"sku_id": "sku-1", "quantity": 1, "price": 10_000 + n}]},
        "customer": {"source_id": f"bench-customer-{n % 500}"},
    }


def main(count: int) -> None:
    setup_django()
    headers, codes = timed("prepare vouchers", lambda: prepare(count))
    redeem_codes, validate_codes = codes[:count], codes[count:]
    with gunicorn(PORT, workers=WORKERS, threads=THREADS) as _:
        warm = [("POST", "/bench/insert", {}, {"n": i}) for i in range(200)]
        drive("warm-up", PORT, warm, clients=CLIENTS)
        bare = drive(
            "bare INSERT view",
            PORT,
            [("POST", "/bench/insert", {}, body("x", i)) for i in range(count)],
            clients=CLIENTS,
        )
        print(bare.line(), flush=True)
        validations = drive(
            "POST /v1/validations",
            PORT,
            [("POST", "/v1/validations", headers, body(code, i)) for i, code in enumerate(validate_codes)],
            clients=CLIENTS,
        )
        print(validations.line(), flush=True)
        redemptions = drive(
            "POST /v1/redemptions",
            PORT,
            [("POST", "/v1/redemptions", headers, body(code, i)) for i, code in enumerate(redeem_codes)],
            clients=CLIENTS,
        )
        print(redemptions.line(), flush=True)
    failed = sum(n for status, n in redemptions.statuses.items() if status != 200)
    if failed:
        print(f"WARNING: {failed} redemptions did not answer 200; the figure below is not valid", flush=True)
    print(
        f"POST /v1/redemptions: {redemptions.rate:.0f} req/s, p50 {redemptions.percentile(50):.1f} ms, "
        f"p99 {redemptions.percentile(99):.1f} ms, {redemptions.rate / bare.rate:.2f}x the bare INSERT view "
        f"({bare.rate:.0f} req/s); validations {validations.rate:.0f} req/s (16 clients, {count} requests each, "
        f"gunicorn {WORKERS}x{THREADS})"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3000)
