"""Paying part of an order with a loyalty card's points through the official SDK: the card among a
redemption's redeemables with its program's pay-with-points (COIN) reward. The points pay what they are
worth (100 points for €1.00 here), never more than the order; a validation shows the discount and spends
nothing; the redemption spends the whole points that cover the discount (ledger row), a rollback gives them
back; a card sent without such a reward, or asking for more points than it holds, changes nothing."""

import json

import pytest
import voucherify as V
from voucherify.exceptions import ApiException

from loyalty.models import LoyaltyCard, PointsTransaction
from redemptions.models import Redemption

from .test_sdk_loyalty_cards import join, program
from .test_sdk_reward_redemptions import offer
from .test_sdk_rewards import reward

pytestmark = pytest.mark.django_db(transaction=True)


def body(code: str, amount: int, reward_id: str | None, **points) -> dict:
    redeemable = {"object": "voucher", "id": code}
    if reward_id is not None:
        redeemable["reward"] = {"id": reward_id, **points}
    return {"redeemables": [redeemable], "order": {"amount": amount}, "customer": {"source_id": "ann"}}


def redeem(sdk, payload: dict):
    return V.RedemptionsApi(sdk).redeem_stacked_discounts(V.RedemptionsRedeemRequestBody.from_dict(payload))


def validate(sdk, payload: dict):
    return V.ValidationsApi(sdk).validate_stacked_discounts(V.ValidationsValidateRequestBody.from_dict(payload))


@pytest.fixture
def club(sdk):
    club = program(sdk, points=1_000)
    coin = reward(sdk, name="Pay with points", parameters={"coin": {"exchange_ratio": 1, "points_ratio": "100"}})
    offer(sdk, club.id, coin.id, 1)
    ann = join(sdk, club.id, "ann")
    return club, coin, ann


def balance(code: str) -> int:
    return LoyaltyCard.objects.get(voucher__code=code).balance


def test_points_pay_part_of_an_order_and_a_rollback_gives_them_back(sdk, club):
    _, coin, ann = club
    validation = validate(sdk, body(ann.code, 2_500, coin.id, points=350))
    assert validation.valid and validation.order.total_discount_amount == 350
    assert balance(ann.code) == 1_000  # a validation spends nothing

    redeemed = redeem(sdk, body(ann.code, 2_500, coin.id, points=350))
    [redemption] = redeemed.redemptions
    assert (redemption.result, redemption.voucher.code) == ("SUCCESS", ann.code)
    assert redeemed.order.total_discount_amount == 350 and redeemed.order.total_amount == 2_150
    assert balance(ann.code) == 650
    spent = PointsTransaction.objects.get(card__voucher__code=ann.code, type="POINTS_REDEMPTION")
    assert (spent.points, spent.redemption_id) == (-350, redemption.id)
    stored = Redemption.objects.get(pk=redemption.id)
    assert (stored.loyalty_points, stored.reward_id, stored.amount) == (350, coin.id, 350)

    V.RedemptionsApi(sdk).rollback_redemption(redemption.id)
    assert balance(ann.code) == 1_000
    refund = PointsTransaction.objects.get(card__voucher__code=ann.code, type="POINTS_REFUND")
    assert (refund.points, refund.redemption_id) == (350, redemption.id)


def test_without_points_named_the_card_pays_what_the_order_takes_up_to_its_balance(sdk, club):
    _, coin, ann = club
    small = redeem(sdk, body(ann.code, 420, coin.id))
    assert small.order.total_discount_amount == 420 and balance(ann.code) == 580
    big = redeem(sdk, body(ann.code, 90_000, coin.id))
    assert big.order.total_discount_amount == 580 and balance(ann.code) == 0


def test_a_card_without_a_pay_with_points_reward_or_points_it_lacks_is_refused_and_nothing_changes(sdk, club):
    club_campaign, coin, ann = club
    mug = reward(sdk, name="Mug", parameters={"product": {"id": "prod_mug"}})
    offer(sdk, club_campaign.id, mug.id, 10)
    for reward_id, key in ((None, "invalid_redeemables"), (mug.id, "invalid_redeemables")):
        with pytest.raises(ApiException) as refused:
            redeem(sdk, body(ann.code, 1_000, reward_id))
        assert (refused.value.status, json.loads(refused.value.body)["key"]) == (400, key)
    with pytest.raises(ApiException) as refused:
        redeem(sdk, body(ann.code, 100_000, coin.id, points=1_001))
    assert json.loads(refused.value.body)["key"] == "gift_amount_exceeded"
    with pytest.raises(ApiException) as refused:
        redeem(sdk, body(ann.code, 1_000, coin.id, points=0))
    error = json.loads(refused.value.body)
    assert error["key"] == "invalid_payload" and "reward.points" in error["details"]
    assert balance(ann.code) == 1_000
    assert not PointsTransaction.objects.filter(type="POINTS_REDEMPTION").exists()
