"""A loyalty program's tiers through the official SDK: created as a JSON array (ranges that overlap, or
mappings of rules and rewards the program does not have, refused), listed and read with the rules and
rewards they change; a member's tier follows their balance, multiplies what a rule earns them and changes
what a reward costs them."""

import pytest
import voucherify as V
from voucherify import models as M

from auditlog.models import Event
from loyalty.models import LoyaltyCard, LoyaltyTier

from .test_sdk_loyalty_cards import join, program
from .test_sdk_loyalty_earning import FIXED, pay, rules
from .test_sdk_reward_redemptions import offer, redeem
from .test_sdk_rewards import reward

pytestmark = pytest.mark.django_db(transaction=True)


def tiers(sdk, campaign_id: str, *bodies: dict) -> list:
    items = [M.LoyaltiesTiersCreateInBulkRequestBodyItem.from_dict(b) for b in bodies]
    return V.LoyaltiesApi(sdk).create_in_bulk_loyalty_tiers(campaign_id, items)


def test_tiers_are_created_listed_read_and_a_members_tier_follows_their_balance(sdk):
    loyalties = V.LoyaltiesApi(sdk)
    club = program(sdk, points=50)
    visit = rules(sdk, club.id, FIXED)[0]
    mug = reward(sdk, name="Mug", parameters={"product": {"id": "prod_mug"}})
    offer(sdk, club.id, mug.id, 100)
    silver, gold = tiers(
        sdk,
        club.id,
        {"name": "Silver", "points": {"from": 0, "to": 99}},
        {
            "name": "Gold",
            "points": {"from": 100},
            "earning_rules": {visit.id: {"type": "MULTIPLY", "multiplier": 2}},
            "rewards": {mug.id: {"type": "CUSTOM", "points": 60}},
        },
    )
    assert silver.id.startswith("ltr_") and (gold.points.var_from, gold.points.to) == (100, None)
    assert [t.name for t in loyalties.list_loyalty_tiers(club.id).data] == ["Silver", "Gold"]
    assert loyalties.get_loyalty_tier(club.id, gold.id).earning_rules == {
        visit.id: {"type": "MULTIPLY", "multiplier": 2}
    }
    assert [r.id for r in loyalties.list_loyalty_tier_earning_rules(club.id, gold.id).data] == [visit.id]
    tier_rewards = loyalties.list_loyalty_tier_rewards(club.id, gold.id).data
    assert [(r.reward.id, r.assignment.parameters.loyalty.points) for r in tier_rewards] == [(mug.id, 100)]

    ann = join(sdk, club.id, "ann")
    assert [t.name for t in loyalties.list_member_loyalty_tier(ann.code).data] == ["Silver"]
    pay(sdk, "web-1", "ann", 1_000)  # 50 points in Silver: 100
    assert [t.name for t in loyalties.list_member_loyalty_tier(ann.code).data] == ["Gold"]
    pay(sdk, "web-2", "ann", 1_000)  # in Gold the visit earns twice: 200
    assert LoyaltyCard.objects.get(voucher__code=ann.code).balance == 200
    offered = loyalties.list_member_rewards(ann.code, affordable_only=True).data
    assert [(r.reward.id, r.assignment.parameters.loyalty.points, r.object) for r in offered] == [
        (mug.id, 60, "loyalty_reward")
    ]
    assert redeem(sdk, ann.code, mug.id).loyalty_card.points == 60  # Gold's price
    assert LoyaltyCard.objects.get(voucher__code=ann.code).balance == 140


@pytest.mark.parametrize(
    ("second", "says"),
    [
        ({"name": "Gold", "points": {"from": 50, "to": 200}}, "overlap"),
        ({"name": "Gold", "points": {"from": 300, "to": 200}}, "below points.from"),
        (
            {"name": "Gold", "points": {"from": 200}, "earning_rules": {"ern_nope": {"type": "CUSTOM", "points": 5}}},
            "earning rules the program does not have",
        ),  # fmt: skip
        (
            {"name": "Gold", "points": {"from": 200}, "rewards": {"rew_x": {"type": "MULTIPLY"}}},
            "multiplier is required",
        ),
    ],
)
def test_bad_tiers_are_refused_and_none_of_the_array_is_stored(sdk, api, second, says):
    club = program(sdk, points=0)
    refused = api.post(f"/v1/loyalties/{club.id}/tiers", [{"name": "Silver", "points": {"from": 0, "to": 99}}, second])
    assert refused.status_code == 400 and says in refused.json()["details"]
    assert not LoyaltyTier.objects.exists()


def test_a_member_joins_moves_up_and_leaves_tiers_as_their_points_change_and_their_activity_says_so(sdk):
    loyalties = V.LoyaltiesApi(sdk)
    club = program(sdk, points=0)
    rules(sdk, club.id, FIXED)  # 50 points an order paid
    silver, gold = tiers(
        sdk, club.id, {"name": "Silver", "points": {"from": 50, "to": 99}}, {"name": "Gold", "points": {"from": 100}}
    )
    ann = join(sdk, club.id, "ann")

    def change(points: int) -> None:
        body = M.LoyaltiesMembersBalanceUpdateRequestBody(points=points, reason="By hand")
        loyalties.update_loyalty_card_balance(ann.code, body)

    change(60)  # 60: Silver
    pay(sdk, "order-1", "ann", 1_000)  # 110: Gold (the hot path of an order paid)
    change(-20)  # 90: Silver again
    change(-85)  # 5: below every tier
    moves = [a for a in loyalties.list_member_activity(ann.code, limit=50).data if ".tier." in a.type]
    assert [a.type for a in reversed(moves)] == [
        "customer.loyalty.tier.joined",
        "customer.loyalty.tier.upgraded",
        "customer.loyalty.tier.downgraded",
        "customer.loyalty.tier.left",
    ]
    events = Event.objects.filter(type__startswith="customer.loyalty.tier.").order_by("occurred_at", "id")
    assert [(e.data["previous_tier"], e.data["tier"]) for e in events] == [
        (None, "Silver"),
        ("Silver", "Gold"),
        ("Gold", "Silver"),
        ("Silver", None),
    ]
    assert {e.customer_id for e in events} == {ann.holder_id} and events[1].data["tier_id"] == gold.id
