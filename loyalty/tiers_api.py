"""A loyalty program's tiers (LoyaltiesApi): created as a JSON array, listed, read with the earning rules
and rewards they change; a member's tier, and the rewards offered to a member at their tier's price."""

from ninja import Router

from voucherhub.api.context import caller_of
from voucherhub.api.parsing import documented_query, parse_query
from voucherhub.wire import list_json

from . import queries
from .catalog_schemas import LoyaltyMemberRewardsQuery, LoyaltyTierList, LoyaltyTierListQuery
from .schemas import LoyaltyEarningRuleListQuery
from .serializers import assignment_json, earning_rule_json, reward_json, tier_json
from .services import tiers

router = Router(tags=["loyalty programs"])


@router.get("/loyalties/members/{member_id}/tiers", summary="Get a member's tier")
def list_member_loyalty_tier(request, member_id: str):
    card = queries.find_card(member_id)
    tier = queries.tier_of(list(queries.tiers(card.campaign)), card.balance)
    return list_json("data", [tier_json(tier, card=card)] if tier is not None else [])


@router.post("/loyalties/{campaign_id}/tiers", summary="Create tiers (a JSON array: all or none)")
def create_in_bulk_loyalty_tiers(request, campaign_id: str, payload: LoyaltyTierList):
    made = tiers.create_tiers(caller=caller_of(request), program=campaign_id, items=[t.fields() for t in payload.root])
    return [tier_json(tier) for tier in made]


@router.get(
    "/loyalties/{campaign_id}/tiers",
    summary="List a program's tiers",
    openapi_extra=documented_query(LoyaltyTierListQuery),
)
def list_loyalty_tiers(request, campaign_id: str):
    query = parse_query(request, LoyaltyTierListQuery)
    rows = queries.tiers(queries.find_program(campaign_id))
    if query.order:
        rows = rows.order_by(query.order, "id")
    items = list(rows[: query.limit])
    return list_json("data", [tier_json(tier) for tier in items], rows.count())


@router.get("/loyalties/{campaign_id}/tiers/{loyalty_tier_id}", summary="Get a tier")
def get_loyalty_tier(request, campaign_id: str, loyalty_tier_id: str):
    return tier_json(queries.find_tier(queries.find_program(campaign_id), loyalty_tier_id))


@router.get(
    "/loyalties/{campaign_id}/tiers/{loyalty_tier_id}/earning-rules",
    summary="List the earning rules a tier changes",
    openapi_extra=documented_query(LoyaltyEarningRuleListQuery),
)
def list_loyalty_tier_earning_rules(request, campaign_id: str, loyalty_tier_id: str):
    query = parse_query(request, LoyaltyEarningRuleListQuery)
    campaign = queries.find_program(campaign_id)
    tier = queries.find_tier(campaign, loyalty_tier_id)
    rules = queries.earning_rules(campaign).filter(pk__in=list(tier.earning_rules)).order_by(query.order, "-id")
    page = list(rules[query.offset : query.offset + query.limit])
    return list_json("data", [earning_rule_json(rule) for rule in page], rules.count())


@router.get("/loyalties/{campaign_id}/tiers/{loyalty_tier_id}/rewards", summary="List the rewards a tier changes")
def list_loyalty_tier_rewards(request, campaign_id: str, loyalty_tier_id: str):
    campaign = queries.find_program(campaign_id)
    tier = queries.find_tier(campaign, loyalty_tier_id)
    assignments = queries.reward_assignments().filter(campaign=campaign, reward_id__in=list(tier.rewards))
    items = [
        {"reward": reward_json(a.reward), "assignment": assignment_json(a), "object": "loyalty_tier_reward"}
        for a in assignments.order_by("created_at", "id")
    ]
    return list_json("data", items)


@router.get(
    "/loyalties/members/{member_id}/rewards",
    summary="List the rewards a member's program offers (affordable_only: those their points pay for)",
    openapi_extra=documented_query(LoyaltyMemberRewardsQuery),
)
def list_member_rewards(request, member_id: str):
    query = parse_query(request, LoyaltyMemberRewardsQuery)
    card = queries.find_card(member_id)
    tier = queries.tier_of(list(queries.tiers(card.campaign)), card.balance)
    items = []
    for assignment in queries.reward_assignments().filter(campaign=card.campaign).order_by("created_at", "id"):
        cost = tiers.mapped(assignment.points, tier.rewards.get(assignment.reward_id)) if tier else assignment.points
        if query.affordable_only and cost > card.balance:
            continue
        assignment.points = cost  # what it costs this member (their tier's price)
        items.append({"reward": reward_json(assignment.reward), "assignment": assignment_json(assignment),
                      "object": "loyalty_reward"})  # fmt: skip
    return list_json("data", items)
