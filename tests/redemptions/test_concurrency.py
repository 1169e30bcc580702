"""Exact under concurrency: real threads against the live server on PostgreSQL.

Each thread has its own HTTP connection, so each request runs in its own server thread with its own
database connection and transaction, racing the others for the same rows.
"""

import http.client
import json
import threading
from collections import Counter
from urllib.parse import urlsplit

import pytest

from campaigns.models import ValidationRule, ValidationRuleAssignment, Voucher, VoucherTransaction
from redemptions.models import Redemption
from tests.factories import make_gift_card, make_voucher
from voucherhub.services import create_api_key

pytestmark = pytest.mark.postgres


@pytest.fixture
def call(live_server, transactional_db):
    key, token = create_api_key(name="Race")
    netloc = urlsplit(live_server.url).netloc

    def call(method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        conn = http.client.HTTPConnection(netloc, timeout=60)
        try:
            headers = {"X-App-Id": key.app_id, "X-App-Token": token, "Content-Type": "application/json"}
            conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
            response = conn.getresponse()
            raw = response.read()
            return response.status, (json.loads(raw) if raw else {})
        finally:
            conn.close()

    return call


def in_parallel(count: int, fn) -> list:
    """Run ``fn(i)`` in ``count`` threads released together; the answers in thread order."""
    answers: list = [None] * count
    start = threading.Barrier(count)

    def run(i: int) -> None:
        start.wait()
        answers[i] = fn(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def redeem_body(code: str, customer: str, **redeemable) -> dict:
    return {
        "redeemables": [{"object": "voucher", "id": code, **redeemable}],
        "order": {"amount": 10_000},
        "customer": {"source_id": customer},
    }


def outcome(answer: tuple[int, dict]) -> str:
    status, body = answer
    return "success" if status == 200 else body.get("key", f"HTTP {status}")


def test_fifty_parallel_redemptions_of_a_voucher_of_quantity_ten_give_exactly_ten(call):
    voucher = make_voucher(code="RACE-10", redemption_quantity=10)
    answers = in_parallel(50, lambda i: call("POST", "/v1/redemptions", redeem_body("RACE-10", f"c-{i}")))
    assert Counter(map(outcome, answers)) == {"success": 10, "quantity_exceeded": 40}
    voucher.refresh_from_db()
    assert voucher.redeemed_quantity == 10
    assert Redemption.objects.filter(voucher=voucher, status="SUCCEEDED").count() == 10
    assert Redemption.objects.filter(voucher_code="RACE-10", failure_code="quantity_exceeded").count() == 40


def test_a_gift_card_hit_in_parallel_never_goes_negative(call):
    card = make_gift_card(code="RACE-GIFT", amount=1_000)
    answers = in_parallel(
        20, lambda i: call("POST", "/v1/redemptions", redeem_body("RACE-GIFT", f"c-{i}", gift={"credits": 300}))
    )
    assert Counter(map(outcome, answers)) == {"success": 3, "gift_amount_exceeded": 17}
    card.refresh_from_db()
    assert card.gift_balance == 100
    assert card.redeemed_amount == 900
    # the card's transactions tell the same story
    spent = VoucherTransaction.objects.filter(voucher=card, source="REDEMPTION").values_list("amount", flat=True)
    assert sorted(spent) == [-300, -300, -300]


def test_a_per_customer_limit_holds_under_parallel_redemptions(call):
    voucher = make_voucher(code="RACE-PER-CUSTOMER", redemption_quantity=None)
    rule = ValidationRule.objects.create(
        name="Twice per customer",
        rules={
            "1": {"name": "redemption.count.per_customer", "conditions": {"$less_than_or_equal": [2]}},
            "logic": "1",
        },
    )
    ValidationRuleAssignment.objects.create(rule=rule, voucher=voucher)
    answers = in_parallel(
        12, lambda i: call("POST", "/v1/redemptions", redeem_body("RACE-PER-CUSTOMER", "the-same-customer"))
    )
    assert Counter(map(outcome, answers)) == {"success": 2, "redemption_rules_violated": 10}
    assert Voucher.objects.get(pk=voucher.pk).redeemed_quantity == 2


def test_a_session_lock_held_by_one_key_blocks_every_other_caller(call):
    voucher = make_voucher(code="RACE-LOCK", redemption_quantity=1)
    status, validation = call(
        "POST",
        "/v1/validations",
        {**redeem_body("RACE-LOCK", "holder"), "session": {"type": "LOCK", "key": "ssn_race_holder"}},
    )
    assert status == 200 and validation["valid"] is True
    assert validation["session"]["key"] == "ssn_race_holder"

    others = in_parallel(10, lambda i: call("POST", "/v1/redemptions", redeem_body("RACE-LOCK", f"other-{i}")))
    assert Counter(map(outcome, others)) == {"quantity_exceeded": 10}

    status, _ = call(
        "POST",
        "/v1/redemptions",
        {**redeem_body("RACE-LOCK", "holder"), "session": {"type": "LOCK", "key": "ssn_race_holder"}},
    )
    assert status == 200
    voucher.refresh_from_db()
    assert (voucher.redeemed_quantity, voucher.locked_quantity) == (1, 0)
