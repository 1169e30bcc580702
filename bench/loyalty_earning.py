"""What earning loyalty points adds to a redemption that pays an order: server CPU per redemption, member vs guest.

    .venv/bin/python bench/loyalty_earning.py [--rounds N] [--batch N]

Runs against ``postgres://postgres@127.0.0.1:5432/voucherhub_bench`` unless DATABASE_URL says otherwise.
Sets up a loyalty program with two earning rules on ``order.paid`` (50 points fixed, and a point per euro),
one member, one customer who is no member, and a voucher anyone may redeem without limit. Then, through
Django's test client in this process with production settings (DEBUG off), ``POST /v1/redemptions`` with a
new paid order each time, alternating batches of the member (whose card earns two ledger rows each time)
and of the guest (nothing to earn: one query finds no rule), so that the machine's noise falls on both
alike. What the bench wrote is rolled back at the end.

Prints each round's median CPU time of this process per redemption for both, then the difference of the
medians over all rounds as the last line (target < 1 ms).
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django
from bench.list_pages import Rollback, production_env


def _setup() -> tuple[dict, str]:
    """The program, its rules, its member, the voucher; the API's headers and the member's card code."""
    from campaigns.models import Campaign, Voucher
    from loyalty.services.earning_rules import create_rules
    from loyalty.services.programs import add_member, create_program
    from voucherhub.caller import Caller
    from voucherhub.services import create_api_key

    caller = Caller.system("bench")
    program = create_program(caller=caller, name="Bench club")
    per_euro = {
        "type": "PROPORTIONAL",
        "calculation_type": "ORDER_AMOUNT",
        "order": {"amount": {"every": 100, "points": 1}},
    }
    create_rules(
        caller=caller,
        program=program.pk,
        rules=[
            {"event": "order.paid", "loyalty": {"type": "FIXED", "points": 50}, "banner": "Visit"},
            {"event": "order.paid", "loyalty": per_euro, "banner": "A point per euro"},
        ],
    )
    card = add_member(caller=caller, program=program.pk, customer={"source_id": "bench-member"})
    campaign = Campaign.objects.create(name="Bench earning coupons", campaign_type="DISCOUNT_COUPONS")
    Voucher.objects.create(code="BENCH-EARN", campaign=campaign, type="DISCOUNT_VOUCHER", discount_type="PERCENT",
                           percent_off=5)  # fmt: skip
    key, token = create_api_key(name="Bench earning")
    return {"X-App-Id": key.app_id, "X-App-Token": token, "Content-Type": "application/json"}, card.code


def _batch(client, headers: dict, customer: str, size: int, counter: list[int]) -> list[float]:
    """CPU milliseconds of this process per redemption, ``size`` redemptions of ``customer``."""
    import json

    cpu = []
    for _ in range(size):
        counter[0] += 1
        body = {
            "redeemables": [{"object": "voucher", "id": "BENCH-EARN"}],
            "customer": {"source_id": customer},
            "order": {"source_id": f"bench-earn-{counter[0]}", "amount": 12_345},
        }
        started = time.process_time()
        response = client.post("/v1/redemptions", json.dumps(body), content_type="application/json",
                               secure=True, headers=headers)  # fmt: skip
        cpu.append((time.process_time() - started) * 1000)
        assert response.status_code == 200, response.content
    return cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--batch", type=int, default=40)
    args = parser.parse_args()

    production_env()
    setup_django()
    from django.db import transaction
    from django.test import Client

    from loyalty.models import LoyaltyCard

    member_cpu: list[float] = []
    guest_cpu: list[float] = []
    try:
        with transaction.atomic():
            headers, code = _setup()
            client, counter = Client(), [0]
            _batch(client, headers, "bench-member", 10, counter)  # warm up both paths
            _batch(client, headers, "bench-guest", 10, counter)
            for number in range(1, args.rounds + 1):
                member = _batch(client, headers, "bench-member", args.batch, counter)
                guest = _batch(client, headers, "bench-guest", args.batch, counter)
                member_cpu += member
                guest_cpu += guest
                print(f"round {number:2}: member {statistics.median(member):6.2f} ms CPU, "
                      f"guest {statistics.median(guest):6.2f} ms CPU per redemption")  # fmt: skip
            card = LoyaltyCard.objects.get(voucher__code=code)
            expected = (args.rounds * args.batch + 10) * (50 + 123)
            print(f"the member's card earned {card.balance:,} points ({expected:,} expected)")
            raise Rollback
    except Rollback:
        pass
    added = statistics.median(member_cpu) - statistics.median(guest_cpu)
    print(f"member {statistics.median(member_cpu):.2f} ms, guest {statistics.median(guest_cpu):.2f} ms (medians)")
    print(f"earning adds {added:.2f} ms of server CPU per redemption (target < 1 ms)")


if __name__ == "__main__":
    main()
