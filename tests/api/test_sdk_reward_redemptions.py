"""Redeeming rewards with a card's points through the official SDK (LoyaltiesApi.redeem_reward and
redeem_reward1): each kind of reward gives what it says, the points are spent once (ledger row), the
redemption is listed with the others, a rollback gives the points and the stock back, and refusals (not
enough points, out of stock, a reward the program does not offer) change nothing."""

import json

import pytest
import voucherify as V
from voucherify import models as M
from voucherify.exceptions import ApiException

from campaigns.models import Voucher
from loyalty.models import LoyaltyCard, PointsTransaction, Reward
from loyalty.services.points import PointsChange, change_balance
from redemptions.models import Redemption
from tests.factories import make_campaign, make_gift_card, make_voucher
from voucherhub.caller import Caller

from .test_sdk_loyalty_cards import join, program
from .test_sdk_rewards import reward

pytestmark = pytest.mark.django_db(transaction=True)


def offer(sdk, club_id: str, reward_id: str, points: int):
    item = M.LoyaltiesRewardsCreateAssignmentItemRequestBody.from_dict(
        {"reward": reward_id, "parameters": {"loyalty": {"points": points}}}
    )
    return V.LoyaltiesApi(sdk).create_reward_assignment1(club_id, [item])


def redeem(sdk, code: str, reward_id: str, **extra):
    body = M.LoyaltiesMembersRedemptionRedeemRequestBody.from_dict({"reward": {"id": reward_id, **extra}})
    return V.LoyaltiesApi(sdk).redeem_reward(code, body)


def refusal(call) -> tuple[int, dict]:
    with pytest.raises(ApiException) as refused:
        call()
    return refused.value.status, json.loads(refused.value.body)


def test_a_material_reward_spends_the_points_once_and_a_rollback_gives_them_back(sdk):
    club = program(sdk, points=500)
    mug = reward(sdk, name="Mug", stock=2, parameters={"product": {"id": "prod_mug"}})
    assignment = offer(sdk, club.id, mug.id, 300)
    ann = join(sdk, club.id, "ann")

    redemption = redeem(sdk, ann.code, mug.id)
    assert (redemption.result, redemption.status, redemption.object) == ("SUCCESS", "SUCCEEDED", "redemption")
    assert redemption.loyalty_card.points == 300 and redemption.reward.id == mug.id
    assert redemption.reward.assignment_id == assignment.id and redemption.related_object_id == ann.id
    assert LoyaltyCard.objects.get(voucher__code=ann.code).balance == 200
    spent = PointsTransaction.objects.get(card__voucher__code=ann.code, type="POINTS_REDEMPTION")
    assert (spent.points, spent.redemption_id, spent.reason) == (-300, redemption.id, "Reward: Mug")
    assert (Reward.objects.get(pk=mug.id).stock, Reward.objects.get(pk=mug.id).redeemed) == (1, 1)
    listed = V.RedemptionsApi(sdk).get_redemption(redemption.id)
    assert listed.id == redemption.id

    V.RedemptionsApi(sdk).rollback_redemption(redemption.id)
    assert LoyaltyCard.objects.get(voucher__code=ann.code).balance == 500
    refund = PointsTransaction.objects.get(card__voucher__code=ann.code, type="POINTS_REFUND")
    assert (refund.points, refund.redemption_id) == (300, redemption.id)
    assert (Reward.objects.get(pk=mug.id).stock, Reward.objects.get(pk=mug.id).redeemed) == (2, 0)


def test_campaign_rewards_give_a_voucher_gift_credits_or_another_programs_points(sdk):
    club = program(sdk, points=1_000)
    cafe = program(sdk, name="Cafe", points=0)
    coupons = make_campaign(name="Thanks")
    make_voucher(code="THANKS-1", campaign=coupons)
    gifts = make_campaign(name="Gift cards", campaign_type="GIFT_VOUCHERS")
    make_gift_card(0, code="GIFT-1", campaign=gifts)
    voucher = reward(sdk, name="Coupon", parameters={"campaign": {"id": coupons.pk}})
    credits = reward(sdk, name="€5", parameters={"campaign": {"id": gifts.pk, "balance": 500}})
    points = reward(sdk, name="Cafe points", parameters={"campaign": {"id": cafe.id, "balance": 40}})
    for r in (voucher, credits, points):
        offer(sdk, club.id, r.id, 100)
    ann = join(sdk, club.id, "ann")

    given = redeem(sdk, ann.code, voucher.id).reward.voucher
    assert given.code == "THANKS-1" and Voucher.objects.get(code="THANKS-1").holder.source_id == "ann"
    card = V.LoyaltiesApi(sdk).redeem_reward1(
        club.id, ann.code, M.LoyaltiesMembersRedemptionRedeemRequestBody.from_dict({"reward": {"id": credits.id}})
    )
    assert card.reward.voucher.code == "GIFT-1" and Voucher.objects.get(code="GIFT-1").gift_balance == 500
    redeem(sdk, ann.code, points.id, points=100)
    cafe_card = LoyaltyCard.objects.get(campaign_id=cafe.id, voucher__holder__source_id="ann")
    assert cafe_card.balance == 40
    assert LoyaltyCard.objects.get(voucher__code=ann.code).balance == 700


def test_refusals_change_nothing(sdk):
    club = program(sdk, points=100)
    mug = reward(sdk, name="Mug", stock=0, parameters={"product": {"id": "prod_mug"}})
    hat = reward(sdk, name="Hat", parameters={"product": {"id": "prod_hat"}})
    coin = reward(sdk, name="Pay with points", parameters={"coin": {"exchange_ratio": 1, "points_ratio": "100"}})
    offer(sdk, club.id, mug.id, 10)
    offer(sdk, club.id, hat.id, 150)
    offer(sdk, club.id, coin.id, 1)
    unoffered = reward(sdk, name="Scarf", parameters={"product": {"id": "prod_scarf"}})
    ann = join(sdk, club.id, "ann")

    cases = [
        (mug.id, {}, 400, "reward_out_of_stock"),
        (hat.id, {}, 400, "not_enough_points"),
        (hat.id, {"points": 5}, 400, "invalid_reward"),
        (coin.id, {}, 400, "invalid_reward"),
        (unoffered.id, {}, 404, "not_found"),
    ]
    for reward_id, extra, status, key in cases:
        answered, error = refusal(lambda reward_id=reward_id, extra=extra: redeem(sdk, ann.code, reward_id, **extra))
        assert (answered, error["key"]) == (status, key), error
    assert LoyaltyCard.objects.get(voucher__code=ann.code).balance == 100
    assert not Redemption.objects.exists()


def test_an_idempotency_key_answers_a_retried_redemption_with_the_first(sdk, api):
    club = program(sdk, points=100)
    hat = reward(sdk, name="Hat", parameters={"product": {"id": "prod_hat"}})
    offer(sdk, club.id, hat.id, 30)
    ann = join(sdk, club.id, "ann")
    body = {"reward": {"id": hat.id}}
    first = api.post(f"/v1/loyalties/members/{ann.code}/redemption", body, headers={"Idempotency-Key": "k-1"})
    again = api.post(f"/v1/loyalties/members/{ann.code}/redemption", body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 200 and first.json()["id"] == again.json()["id"]
    assert LoyaltyCard.objects.get(voucher__code=ann.code).balance == 70
    change_balance(caller=Caller("API", "t"), member=ann.code, change=PointsChange(-70, "spent"))
    assert LoyaltyCard.objects.get(voucher__code=ann.code).balance == 0
