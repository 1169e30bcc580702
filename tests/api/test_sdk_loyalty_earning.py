"""Earning points through the official SDK: a program's earning rules (created as a JSON array, listed, read,
changed, turned off and on, deleted, bad ones refused), an order paid through OrdersApi or a redemption
earning its customer's card once, and pending points (listed, activated, adjusted, canceled, activated
by the beat task on their day)."""

import datetime as dt
import json

import pytest
import voucherify as V
from voucherify import models as M
from voucherify.exceptions import ApiException, NotFoundException

from auditlog.models import Event
from campaigns.models import ValidationRule
from loyalty.models import LoyaltyCard, PendingPoints, PointsTransaction
from loyalty.services.pending import activate_due
from redemptions.services.redemption import redeem
from tests.factories import make_voucher, stack
from voucherhub.caller import Caller

from .test_sdk_loyalty_cards import join, program

pytestmark = pytest.mark.django_db(transaction=True)

FIXED = {"event": "order.paid", "loyalty": {"type": "FIXED", "points": 50}, "source": {"banner": "Welcome bonus"}}
PER_EURO = {
    "event": "order.paid",
    "loyalty": {
        "type": "PROPORTIONAL",
        "calculation_type": "ORDER_AMOUNT",
        "order": {"amount": {"every": 100, "points": 1}},
    },
    "source": {"banner": "A point per euro"},
}


def rules(sdk, campaign_id: str, *bodies: dict) -> list:
    items = [M.LoyaltiesEarningRulesCreateRequestBodyItem.from_dict(b) for b in bodies]
    return V.LoyaltiesApi(sdk).create_earning_rule(campaign_id, items)


def pay(sdk, source_id: str, customer: str, amount: int, **fields):
    body = {"source_id": source_id, "customer": {"source_id": customer}, "amount": amount, "status": "PAID", **fields}
    return V.OrdersApi(sdk).create_order(orders_create_request_body=V.OrdersCreateRequestBody.from_dict(body))


def refusal(call) -> tuple[int, dict]:
    with pytest.raises(ApiException) as refused:
        call()
    return refused.value.status, json.loads(refused.value.body)


def balance(code: str) -> int:
    return LoyaltyCard.objects.get(voucher__code=code).balance


def test_earning_rules_are_created_listed_read_changed_switched_and_deleted(sdk):
    loyalties = V.LoyaltiesApi(sdk)
    club = program(sdk, points=0)
    fixed, per_euro = rules(sdk, club.id, FIXED, PER_EURO)
    assert fixed.id.startswith("ern_") and fixed.object == "earning_rule" and fixed.active is True
    assert (fixed.loyalty.type, fixed.loyalty.points, fixed.source.banner) == ("FIXED", 50, "Welcome bonus")
    assert per_euro.loyalty.calculation_type == "ORDER_AMOUNT" and per_euro.loyalty.order.amount.every == 100

    listed = loyalties.list_earning_rules(club.id)
    assert listed.total == 2 and {r.id for r in listed.data} == {fixed.id, per_euro.id}
    assert loyalties.get_earning_rule(club.id, fixed.id).source.banner == "Welcome bonus"

    changed = loyalties.update_earning_rule(
        club.id,
        fixed.id,
        M.LoyaltiesEarningRulesUpdateRequestBody.from_dict(
            {"loyalty": {"type": "FIXED", "points": 75}, "pending_points": {"period_type": "DAY", "period_value": 14}}
        ),
    )
    assert changed.loyalty.points == 75 and changed.pending_points.period_value == 14 and changed.updated_at
    assert loyalties.disable_earning_rule(club.id, fixed.id).active is False
    assert loyalties.enable_earning_rule(club.id, fixed.id).active is True

    loyalties.delete_earning_rule(club.id, per_euro.id)
    with pytest.raises(NotFoundException):
        loyalties.get_earning_rule(club.id, per_euro.id)
    kinds = set(Event.objects.filter(campaign_id=club.id).values_list("type", flat=True))
    assert {"earning_rule.created", "earning_rule.updated", "earning_rule.disabled", "earning_rule.deleted"} <= kinds


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"event": "order.paid", "loyalty": {"type": "FIXED"}}, "loyalty.points is required"),
        ({"event": "order.paid", "loyalty": {"type": "FIXED", "points": 0}}, "points"),
        (
            {"event": "order.paid", "loyalty": {"type": "PROPORTIONAL", "calculation_type": "ORDER_AMOUNT"}},
            "loyalty.order.amount is required",
        ),  # fmt: skip
        ({"event": "order.paid", "loyalty": {"type": "SOMETIMES", "points": 5}}, "type"),
        ({"event": "customer.segment.entered", "loyalty": {"type": "FIXED", "points": 5}}, "segment.id is required"),
        ({**FIXED, "validity_timeframe": {"interval": "P2D", "duration": "P1D"}}, "validity_timeframe"),
    ],
)
def test_a_bad_earning_rule_is_refused_and_none_of_its_array_is_stored(sdk, api, body, says):
    club = program(sdk, points=0)
    refused = api.post(f"/v1/loyalties/{club.id}/earning-rules", [FIXED, body])
    assert refused.status_code == 400 and says in refused.json()["details"]
    assert V.LoyaltiesApi(sdk).list_earning_rules(club.id).total == 0


def test_an_order_paid_earns_its_customers_card_once(sdk):
    club = program(sdk, points=0)
    rules(sdk, club.id, FIXED, PER_EURO)
    ann = join(sdk, club.id, "ann")

    pay(sdk, "web-1", "ann", 12_345)
    assert balance(ann.code) == 50 + 123
    pay(sdk, "web-1", "ann", 12_345)  # saved as paid again: nothing more
    V.OrdersApi(sdk).create_order(
        orders_create_request_body=V.OrdersCreateRequestBody.from_dict({"source_id": "web-2", "amount": 900,
                                                                          "customer": {"source_id": "ann"}})
    )  # fmt: skip
    assert balance(ann.code) == 173  # not paid: nothing

    earned = V.LoyaltiesApi(sdk).list_loyalty_card_transactions(ann.code)
    assert [t.type for t in earned.data] == ["POINTS_ACCRUAL", "POINTS_ACCRUAL"]
    assert {t.details.earning_rule.source.banner for t in earned.data} == {"Welcome bonus", "A point per euro"}
    assert earned.data[0].details.order.source_id == "web-1"
    assert Event.objects.filter(type="customer.rewarded.loyalty_points", resource_id=ann.id).count() == 2


def test_a_redemption_of_a_paid_order_earns_and_a_disabled_or_failing_rule_does_not(sdk):
    club = program(sdk, points=0)
    per_euro, fixed = rules(sdk, club.id, PER_EURO, FIXED)
    V.LoyaltiesApi(sdk).disable_earning_rule(club.id, fixed.id)
    big = ValidationRule.objects.create(
        name="Big orders", rules={"1": {"name": "order.amount", "conditions": {"$more_than": [100_000]}}, "logic": "1"}
    )
    rules(sdk, club.id, {**FIXED, "validation_rule_id": big.id, "source": {"banner": "Big spender"}})
    ann = join(sdk, club.id, "ann")
    make_voucher(code="TEN", percent_off=10)

    redeem(
        stack(redeemables=[{"object": "voucher", "id": "TEN"}], order={"amount": 5_000}, customer={"source_id": "ann"}),
        caller=Caller.system("t"),
    )
    assert balance(ann.code) == 50  # 50 euros, one point each: the disabled rule and the big-order rule give none
    rule_ids = set(PointsTransaction.objects.filter(card__voucher=ann.id).values_list("earning_rule", flat=True))
    assert rule_ids == {per_euro.id}


def test_pending_points_are_listed_activated_adjusted_and_canceled(sdk):
    loyalties = V.LoyaltiesApi(sdk)
    club = program(sdk, points=0)
    rules(sdk, club.id, {**FIXED, "pending_points": {"period_type": "DAY", "period_value": 30}})
    ann = join(sdk, club.id, "ann")
    pay(sdk, "web-1", "ann", 1_000)
    pay(sdk, "web-2", "ann", 1_000)
    pay(sdk, "web-3", "ann", 1_000)

    card = loyalties.get_member(ann.code).loyalty_card
    assert (card.balance, card.pending_points) == (0, 150)
    listed = loyalties.list_member_pending_points(ann.code, limit=2)
    assert len(listed.data) == 2 and listed.has_more is True
    first, second = listed.data
    assert first.points == 50 and first.details.order.source_id == "web-3"
    assert first.activates_at == (dt.date.today() + dt.timedelta(days=30))
    assert loyalties.list_campaign_pending_points(club.id).data[0].id == first.id

    activated = loyalties.activate_member_pending_points(ann.code, first.id)
    assert (activated.points, activated.balance) == (50, 50)
    adjusted = loyalties.adjust_member_pending_points(
        ann.code, second.id, M.LoyaltiesMembersPendingPointsBalanceRequestBody(points=-20)
    )
    assert (adjusted.points, adjusted.total) == (-20, 80)
    loyalties.cancel_member_pending_points(ann.code, second.id)
    assert loyalties.get_member(ann.code).loyalty_card.pending_points == 50

    status, error = refusal(lambda: loyalties.activate_member_pending_points(ann.code, second.id))
    assert status == 404 and "pending points" in error["details"]
    ledger = loyalties.list_loyalty_card_transactions(ann.code)
    assert [t.type for t in ledger.data] == ["PENDING_POINTS_ACTIVATION"]

    activity = loyalties.list_member_activity(ann.code, limit=3)
    assert [a.type for a in activity.data] == [
        "customer.voucher.loyalty_card.pending_points.canceled",
        "customer.voucher.loyalty_card.pending_points.updated",
        "customer.voucher.loyalty_card.pending_points.activated",
    ]
    assert activity.has_more is True and activity.data[2].data.data.points == 50
    rest = loyalties.list_member_activity1(club.id, ann.code, starting_after_id=activity.more_starting_after)
    assert [a.type for a in rest.data] == ["customer.voucher.loyalty_card.pending_points.added"] * 3


def test_the_beat_task_activates_points_on_their_day_once(sdk):
    club = program(sdk, points=0)
    rules(sdk, club.id, {**FIXED, "pending_points": {"period_type": "DAY", "period_value": 7}})
    ann = join(sdk, club.id, "ann")
    pay(sdk, "web-1", "ann", 1_000)

    assert activate_due(today=dt.date.today()) == 0
    assert activate_due(today=dt.date.today() + dt.timedelta(days=7)) == 1
    assert activate_due(today=dt.date.today() + dt.timedelta(days=7)) == 0
    card = LoyaltyCard.objects.get(voucher__code=ann.code)
    assert (card.balance, card.pending_points) == (50, 0)
    assert PendingPoints.objects.get().status == "ACTIVATED"
