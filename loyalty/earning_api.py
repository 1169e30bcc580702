"""/v1/loyalties/{id}/earning-rules and pending points (LoyaltiesApi): how members earn points, and the
points an order earned that are not usable yet."""

from django.http import HttpResponse
from ninja import Router

from voucherhub.api.context import caller_of
from voucherhub.api.parsing import documented_query, parse_query
from voucherhub.api.rendering import cursor_page, offset_page
from voucherhub.wire import list_json

from . import queries
from .schemas import (
    LoyaltyEarningRuleChangeIn,
    LoyaltyEarningRuleList,
    LoyaltyEarningRuleListQuery,
    LoyaltyPendingBalanceIn,
    LoyaltyPendingListQuery,
)
from .serializers import balance_json, bucket_json, earning_rule_json, pending_points_json
from .services import earning_rules, pending

router = Router(tags=["loyalty programs"])


@router.post("/loyalties/{campaign_id}/earning-rules", summary="Create earning rules (a JSON array: all or none)")
def create_earning_rule(request, campaign_id: str, payload: LoyaltyEarningRuleList):
    rules = [item.fields() for item in payload.root]
    created = earning_rules.create_rules(caller=caller_of(request), program=campaign_id, rules=rules)
    return [earning_rule_json(rule) for rule in created]


@router.get(
    "/loyalties/{campaign_id}/earning-rules",
    summary="List a program's earning rules",
    openapi_extra=documented_query(LoyaltyEarningRuleListQuery),
)
def list_earning_rules(request, campaign_id: str):
    query = parse_query(request, LoyaltyEarningRuleListQuery)
    rules = queries.earning_rules(queries.find_program(campaign_id)).order_by(query.order, "-id")
    items, total = offset_page(rules, offset=query.offset, limit=query.limit)
    return list_json("data", [earning_rule_json(rule) for rule in items], total)


@router.get("/loyalties/{campaign_id}/earning-rules/{earning_rule_id}", summary="Get an earning rule")
def get_earning_rule(request, campaign_id: str, earning_rule_id: str):
    return earning_rule_json(queries.find_earning_rule(campaign_id, earning_rule_id))


@router.put("/loyalties/{campaign_id}/earning-rules/{earning_rule_id}", summary="Update an earning rule")
def update_earning_rule(request, campaign_id: str, earning_rule_id: str, payload: LoyaltyEarningRuleChangeIn):
    rule = earning_rules.update_rule(
        caller=caller_of(request), program=campaign_id, rule_id=earning_rule_id, fields=payload.fields()
    )
    return earning_rule_json(rule)


@router.delete("/loyalties/{campaign_id}/earning-rules/{earning_rule_id}", summary="Delete an earning rule")
def delete_earning_rule(request, campaign_id: str, earning_rule_id: str):
    earning_rules.delete_rule(caller=caller_of(request), program=campaign_id, rule_id=earning_rule_id)
    return HttpResponse(status=204)


@router.post("/loyalties/{campaign_id}/earning-rules/{earning_rule_id}/enable", summary="Turn an earning rule on")
def enable_earning_rule(request, campaign_id: str, earning_rule_id: str):
    caller = caller_of(request)
    return earning_rule_json(earning_rules.set_active(caller=caller, program=campaign_id, rule_id=earning_rule_id,
                                                      active=True))  # fmt: skip


@router.post("/loyalties/{campaign_id}/earning-rules/{earning_rule_id}/disable", summary="Turn an earning rule off")
def disable_earning_rule(request, campaign_id: str, earning_rule_id: str):
    caller = caller_of(request)
    return earning_rule_json(earning_rules.set_active(caller=caller, program=campaign_id, rule_id=earning_rule_id,
                                                      active=False))  # fmt: skip


# Pending points.


@router.get(
    "/loyalties/members/{member_id}/pending-points",
    summary="List a card's pending points",
    openapi_extra=documented_query(LoyaltyPendingListQuery),
)
def list_member_pending_points(request, member_id: str):
    return _pending_page(request, queries.card_pending(queries.find_card(member_id)))


@router.post(
    "/loyalties/members/{member_id}/pending-points/{pending_points_id}/activate",
    summary="Activate pending points now",
)
def activate_member_pending_points(request, member_id: str, pending_points_id: str):
    entry = pending.activate(pending.PendingRef(member_id, pending_points_id), caller=caller_of(request))
    return balance_json(entry) | {"points": entry.points}


@router.post(
    "/loyalties/members/{member_id}/pending-points/{pending_points_id}/balance",
    summary="Add or take pending points",
)
def adjust_member_pending_points(request, member_id: str, pending_points_id: str, payload: LoyaltyPendingBalanceIn):
    ref = pending.PendingRef(member_id, pending_points_id)
    entry, card = pending.adjust(ref, payload.points, caller=caller_of(request))
    return {
        "points": payload.points,
        "total": card.pending_points,
        "object": "balance",
        "related_object": {"type": "voucher", "id": card.voucher_id},
        "operation_type": "MANUAL",
    }


@router.post(
    "/loyalties/members/{member_id}/pending-points/{pending_points_id}/cancel",
    summary="Cancel pending points",
)
def cancel_member_pending_points(request, member_id: str, pending_points_id: str):
    pending.cancel(pending.PendingRef(member_id, pending_points_id), caller=caller_of(request))
    return HttpResponse(status=204)


@router.get(
    "/loyalties/{campaign_id}/pending-points",
    summary="List a program's pending points",
    openapi_extra=documented_query(LoyaltyPendingListQuery),
)
def list_campaign_pending_points(request, campaign_id: str):
    return _pending_page(request, queries.program_pending(queries.find_program(campaign_id)))


@router.get(
    "/loyalties/{campaign_id}/members/{member_id}/pending-points",
    summary="List a card's pending points",
    openapi_extra=documented_query(LoyaltyPendingListQuery),
)
def list_member_pending_points_in_program(request, campaign_id: str, member_id: str):
    card = queries.find_card(member_id, campaign=queries.find_program(campaign_id))
    return _pending_page(request, queries.card_pending(card))


def _pending_page(request, rows) -> dict:
    query = parse_query(request, LoyaltyPendingListQuery)
    return cursor_page(
        rows,
        limit=query.limit,
        starting_after_id=query.starting_after_id,
        serialize=pending_points_json,
        resource="pending_points",
        ascending=query.order == "id",
    )


@router.get(
    "/loyalties/{campaign_id}/members/{member_id}/points-expiration",
    summary="List when a card's points expire",
    openapi_extra=documented_query(LoyaltyEarningRuleListQuery),
)
def list_points_expiration(request, campaign_id: str, member_id: str):
    query = parse_query(request, LoyaltyEarningRuleListQuery)
    card = queries.find_card(member_id, campaign=queries.find_program(campaign_id))
    buckets = queries.card_buckets(card)
    items, total = offset_page(buckets, offset=query.offset, limit=query.limit)
    return list_json("data", [bucket_json(bucket) for bucket in items], total)
