"""A loyalty card's points are exact under concurrency (PostgreSQL): parallel calls, each in its own server
thread, connection and transaction, lose no added point, take no point twice, and one customer joining in
parallel gets one card."""

from collections import Counter

import pytest
from django.db.models import Sum

from campaigns.models import Voucher
from loyalty.models import LoyaltyCard, PointsTransaction
from tests.redemptions.test_concurrency import in_parallel

pytestmark = pytest.mark.postgres

CALLS = 16


def _program(call, points: int) -> str:
    body = {"name": "Race club", "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": points}}}
    status, program = call("/v1/loyalties", body)
    assert status == 200, program
    return program["id"]


def test_parallel_additions_lose_no_point_and_removals_take_only_what_is_there(call):
    program = _program(call, points=3)
    status, member = call(f"/v1/loyalties/{program}/members", {"customer": {"source_id": "ann"}})
    code = member["code"]

    added = in_parallel(CALLS, lambda i: call(f"/v1/loyalties/members/{code}/balance", {"points": 10}))
    assert Counter(status for status, _ in added) == {200: CALLS}
    card = LoyaltyCard.objects.get(voucher__code=code)
    assert card.balance == 3 + 10 * CALLS

    quarter = card.balance // 4  # 40 of 163: four removals fit, the other calls find too few points
    taken = in_parallel(CALLS, lambda i: call(f"/v1/loyalties/members/{code}/balance", {"points": -quarter}))
    statuses = Counter(status for status, _ in taken)
    assert statuses == {200: 4, 400: CALLS - 4}, taken
    assert {answer["key"] for status, answer in taken if status == 400} == {"not_enough_points"}
    card.refresh_from_db()
    assert card.balance == 3
    assert PointsTransaction.objects.filter(card=card).aggregate(s=Sum("points"))["s"] == card.balance


def test_one_customer_joining_in_parallel_gets_one_card(call):
    program = _program(call, points=0)
    answers = in_parallel(8, lambda i: call(f"/v1/loyalties/{program}/members", {"customer": {"source_id": "bob"}}))
    assert {status for status, _ in answers} == {200}
    assert len({answer["code"] for _, answer in answers}) == 1
    assert Voucher.objects.filter(campaign_id=program, holder__source_id="bob").count() == 1


def test_parallel_paid_orders_earn_every_point_and_one_order_paid_twice_earns_once(call):
    program = _program(call, points=0)
    rule = {"event": "order.paid", "loyalty": {"type": "FIXED", "points": 7}}
    assert call(f"/v1/loyalties/{program}/earning-rules", [rule])[0] == 200
    status, member = call(f"/v1/loyalties/{program}/members", {"customer": {"source_id": "ann"}})
    code = member["code"]

    def pay(i: int):
        return call("/v1/orders", {"source_id": f"web-{i}", "amount": 1_000, "status": "PAID",
                                   "customer": {"source_id": "ann"}})  # fmt: skip

    assert Counter(status for status, _ in in_parallel(CALLS, pay)) == {200: CALLS}
    late = {"source_id": "late", "amount": 1_000, "customer": {"source_id": "ann"}}
    assert call("/v1/orders", late)[0] == 200  # created, not paid: then paid by many calls at once
    again = in_parallel(CALLS, lambda i: call("/v1/orders", {**late, "status": "PAID"}))
    assert Counter(status for status, _ in again) == {200: CALLS}
    card = LoyaltyCard.objects.get(voucher__code=code)
    assert card.balance == 7 * (CALLS + 1)
    assert PointsTransaction.objects.filter(card=card, type="POINTS_ACCRUAL").count() == CALLS + 1


def test_twenty_parallel_reward_redemptions_on_points_for_three_give_exactly_three(call):
    program = _program(call, points=30)
    status, mug = call("/v1/rewards", {"name": "Mug", "parameters": {"product": {"id": "prod_mug"}}})
    assert status == 200, mug
    offered = [{"reward": mug["id"], "parameters": {"loyalty": {"points": 10}}}]
    assert call(f"/v1/loyalties/{program}/rewards", offered)[0] == 200
    status, member = call(f"/v1/loyalties/{program}/members", {"customer": {"source_id": "ann"}})
    code = member["code"]

    answers = in_parallel(20, lambda i: call(f"/v1/loyalties/members/{code}/redemption", {"reward": {"id": mug["id"]}}))
    statuses = Counter(status for status, _ in answers)
    assert statuses == {200: 3, 400: 17}, answers
    assert {body["key"] for status, body in answers if status == 400} == {"not_enough_points"}
    card = LoyaltyCard.objects.get(voucher__code=code)
    assert card.balance == 0
    assert PointsTransaction.objects.filter(card=card, type="POINTS_REDEMPTION").count() == 3


def test_parallel_payments_with_points_spend_each_point_once(call):
    program = _program(call, points=1_000)
    status, coin = call(
        "/v1/rewards", {"name": "Pay", "parameters": {"coin": {"exchange_ratio": 1, "points_ratio": 100}}}
    )
    assert status == 200, coin
    status, _ = call(
        f"/v1/loyalties/{program}/rewards", [{"reward": coin["id"], "parameters": {"loyalty": {"points": 1}}}]
    )
    assert status == 200
    status, member = call(f"/v1/loyalties/{program}/members", {"customer": {"source_id": "ann"}})
    code = member["code"]
    body = {
        "redeemables": [{"object": "voucher", "id": code, "reward": {"id": coin["id"], "points": 300}}],
        "order": {"amount": 5_000},
    }
    paid = in_parallel(CALLS, lambda i: call("/v1/redemptions", body))
    statuses = Counter(status for status, _ in paid)
    assert statuses == {200: 3, 400: CALLS - 3}, statuses  # 1,000 points pay three times 300
    assert LoyaltyCard.objects.get(voucher__code=code).balance == 100
    spent = PointsTransaction.objects.filter(card__voucher__code=code, type="POINTS_REDEMPTION")
    assert spent.count() == 3 and spent.aggregate(n=Sum("points"))["n"] == -900
