"""The rewards catalog through the official SDK: RewardsApi (rewards and their assignments) and a loyalty
program's rewards through LoyaltiesApi; bad rewards and costs refused with the platform's error shape."""

import json

import pytest
import voucherify as V
from voucherify import models as M
from voucherify.exceptions import ApiException, NotFoundException

from loyalty.models import Reward, RewardAssignment
from tests.factories import make_campaign

from .test_sdk_loyalty_cards import program

pytestmark = pytest.mark.django_db(transaction=True)


def reward(sdk, **body):
    return V.RewardsApi(sdk).create_reward(M.RewardsCreateRequestBody.from_dict(body))


def refusal(call) -> tuple[int, dict]:
    with pytest.raises(ApiException) as refused:
        call()
    return refused.value.status, json.loads(refused.value.body)


def test_rewards_of_each_kind_are_created_read_listed_changed_and_deleted(sdk):
    api = V.RewardsApi(sdk)
    coupons = make_campaign(name="Thank-you coupons")
    gifts = make_campaign(name="Gift cards", campaign_type="GIFT_VOUCHERS")
    voucher = reward(sdk, name="10% off", parameters={"campaign": {"id": coupons.pk}})
    assert voucher.id.startswith("rew_") and voucher.type == "CAMPAIGN" and voucher.object == "reward"
    assert (voucher.parameters.campaign.id, voucher.parameters.campaign.type) == (coupons.pk, "DISCOUNT_COUPONS")
    credits = reward(sdk, name="€5 gift card", parameters={"campaign": {"id": gifts.pk, "balance": 500}})
    assert credits.parameters.campaign.balance == 500
    coin = reward(sdk, name="Pay with points", parameters={"coin": {"exchange_ratio": 1, "points_ratio": "100"}})
    assert (coin.type, coin.parameters.coin.points_ratio) == ("COIN", 100)
    mug = reward(
        sdk,
        name="Mug",
        stock=20,
        parameters={"product": {"id": "prod_mug"}},
        attributes={"image_url": "https://shop.example/mug.png", "description": "A white mug"},
    )
    assert (mug.type, mug.stock, mug.redeemed, mug.attributes.description) == ("MATERIAL", 20, 0, "A white mug")

    listed = api.list_rewards(limit=10)
    assert listed.total == 4 and {r.id for r in listed.data} == {voucher.id, credits.id, coin.id, mug.id}
    assert api.get_reward(mug.id).name == "Mug"
    changed = api.update_reward(mug.id, M.RewardsUpdateRequestBody.from_dict({"stock": 5, "name": "Blue mug"}))
    assert (changed.stock, changed.name, changed.type) == (5, "Blue mug", "MATERIAL")

    api.delete_reward(coin.id)
    with pytest.raises(NotFoundException):
        api.get_reward(coin.id)


@pytest.mark.parametrize(
    ("parameters", "says"),
    [
        ({"campaign": {"id": "camp_missing"}}, "Cannot find campaign with id camp_missing"),
        ({"campaign": {"id": "GIFTS"}}, "balance is required"),
        ({"campaign": {"id": "COUPONS", "balance": 5}}, "only for gift card campaigns and loyalty programs"),
        ({"product": {"id": "p"}, "coin": {"exchange_ratio": 1, "points_ratio": 5}}, "exactly one"),
        ({"coin": {"exchange_ratio": 0, "points_ratio": 5}}, "exchange_ratio"),
    ],
)
def test_a_bad_reward_is_refused_and_not_stored(api, parameters, says):
    make_campaign(name="GIFTS", campaign_type="GIFT_VOUCHERS")
    make_campaign(name="COUPONS")
    refused = api.post("/v1/rewards", {"name": "Bad", "parameters": parameters})
    assert refused.status_code in (400, 404) and says in refused.json()["details"]
    assert not Reward.objects.exists()


def test_a_program_offers_rewards_for_points_through_both_apis(sdk):
    rewards, loyalties = V.RewardsApi(sdk), V.LoyaltiesApi(sdk)
    club = program(sdk, points=0)
    mug = reward(sdk, name="Mug", parameters={"product": {"id": "prod_mug"}})
    tote = reward(sdk, name="Tote bag", parameters={"product": {"id": "prod_tote"}})

    by_reward = rewards.create_reward_assignment(
        mug.id,
        M.RewardsAssignmentsCreateRequestBody.from_dict(
            {"campaign": club.id, "parameters": {"loyalty": {"points": 300}}}
        ),
    )
    assert (by_reward.reward_id, by_reward.related_object_id, by_reward.parameters.loyalty.points) == (
        mug.id,
        club.id,
        300,
    )
    item = M.LoyaltiesRewardsCreateAssignmentItemRequestBody.from_dict(
        {"reward": tote.id, "parameters": {"loyalty": {"points": 500}}}
    )
    by_program = loyalties.create_reward_assignment1(club.id, [item])
    assert by_program.id.startswith("rewa_") and by_program.parameters.loyalty.points == 500

    assert {a.reward_id for a in loyalties.list_reward_assignments2(club.id).data} == {mug.id, tote.id}
    assert loyalties.list_reward_assignments1(club.id, assignment_id=by_program.id).total == 1
    assert loyalties.get_reward_assignment2(club.id, by_reward.id).reward_id == mug.id
    assert loyalties.get_reward_assignment1(club.id, by_program.id).reward_id == tote.id
    assert loyalties.get_reward_details(club.id, by_program.id).name == "Tote bag"
    assert rewards.list_reward_assignments(mug.id).total == 1
    assert rewards.get_reward_assignment(mug.id, by_reward.id).related_object_id == club.id
    assert rewards.list_rewards(assignment_id=by_program.id).data[0].id == tote.id

    cost = M.LoyaltiesRewardsUpdateAssignmentRequestBody.from_dict({"parameters": {"loyalty": {"points": 250}}})
    assert loyalties.update_reward_assignment1(club.id, by_reward.id, cost).parameters.loyalty.points == 250
    cost = M.RewardsAssignmentsUpdateRequestBody.from_dict({"parameters": {"loyalty": {"points": 450}}})
    assert rewards.update_reward_assignment(tote.id, by_program.id, cost).parameters.loyalty.points == 450

    loyalties.delete_reward_assignment1(club.id, by_reward.id)
    rewards.delete_reward_assignment(tote.id, by_program.id)
    assert loyalties.list_reward_assignments2(club.id).total == 0


def test_a_reward_costing_nothing_or_offered_twice_is_refused(sdk, api):
    club = program(sdk, points=0)
    mug = reward(sdk, name="Mug", parameters={"product": {"id": "prod_mug"}})
    free = api.post(f"/v1/loyalties/{club.id}/rewards", [{"reward": mug.id, "parameters": {"loyalty": {"points": 0}}}])
    assert free.status_code == 400 and "points" in free.json()["details"]
    twice = [{"reward": mug.id, "parameters": {"loyalty": {"points": 10}}}] * 2
    refused = api.post(f"/v1/loyalties/{club.id}/rewards", twice)
    assert refused.status_code == 409 and refused.json()["key"] == "duplicate_found"
    assert not RewardAssignment.objects.exists()  # all or none
    auto = api.post(
        f"/v1/rewards/{mug.id}/assignments",
        {"campaign": club.id, "parameters": {"loyalty": {"points": 5, "auto_redeem": True}}},
    )
    assert auto.status_code == 400 and "auto_redeem" in auto.json()["details"]
    status, error = refusal(lambda: V.LoyaltiesApi(sdk).get_reward_assignment2(club.id, "rewa_missing"))
    assert status == 404 and error["key"] == "not_found"
