"""/v1/loyalties: loyalty programs, their members (cards) and the points ledger (LoyaltiesApi)."""

from ninja import Router

from auditlog.models import Event
from campaigns import queries as campaign_queries
from campaigns.schemas.rules import ForceQuery
from campaigns.services import campaigns as campaign_services
from voucherhub.api.context import caller_of
from voucherhub.api.parsing import documented_query, parse_query
from voucherhub.api.rendering import cursor_page, offset_page
from voucherhub.wire import list_json

from . import queries
from .schemas import (
    LoyaltyActivityListQuery,
    LoyaltyBalanceIn,
    LoyaltyMemberIn,
    LoyaltyMemberListQuery,
    LoyaltyProgramIn,
    LoyaltyProgramListQuery,
    LoyaltyProgramUpdateIn,
    LoyaltyTransactionListQuery,
    LoyaltyTransferList,
)
from .serializers import (
    MEMBER_ACTIVITY_TYPES,
    balance_json,
    member_activity_json,
    member_json,
    program_json,
    transaction_json,
    transferred_json,
)
from .services import points, programs

router = Router(tags=["loyalty programs"])


def _program(campaign_id: str) -> dict:
    campaign = queries.find_program(campaign_id)
    return program_json(campaign, members=campaign_queries.vouchers_counts([campaign.id])[campaign.id])


def _member(voucher_id: str) -> dict:
    return member_json(queries.member(voucher_id))


@router.post("/loyalties", summary="Create a loyalty program")
def create_loyalty_program(request, payload: LoyaltyProgramIn):
    body = payload.model_dump(exclude_none=True, exclude={"voucher"})
    voucher = payload.voucher
    card = voucher.loyalty_card if voucher else None
    campaign = programs.create_program(
        caller=caller_of(request),
        points=(card.points or 0) if card else 0,
        expiration_rules=card.expiration_rules.model_dump(exclude_none=True)
        if card and card.expiration_rules
        else None,
        code_config=voucher.code_config.to_request() if voucher and voucher.code_config else None,
        **body,
    )
    return _program(campaign.id)


@router.get("/loyalties", summary="List loyalty programs", openapi_extra=documented_query(LoyaltyProgramListQuery))
def list_loyalty_programs(request):
    query = parse_query(request, LoyaltyProgramListQuery)
    items, total = offset_page(queries.programs().order_by(query.order, "-id"), offset=query.offset, limit=query.limit)
    counts = campaign_queries.vouchers_counts([c.id for c in items])
    return list_json("campaigns", [program_json(c, members=counts[c.id]) for c in items], total)


# /loyalties/members/... before /loyalties/{campaign_id}/...: a card named without its program.


@router.get("/loyalties/members/{member_id}", summary="Get a member's card (by its code)")
def get_member(request, member_id: str):
    return _member(queries.find_card(member_id).pk)


@router.post("/loyalties/members/{member_id}/balance", summary="Add or remove a card's points")
def update_loyalty_card_balance(request, member_id: str, payload: LoyaltyBalanceIn):
    return balance_json(points.change_balance(caller=caller_of(request), member=member_id, change=payload.to_change()))


@router.get(
    "/loyalties/members/{member_id}/transactions",
    summary="List a card's points transactions",
    openapi_extra=documented_query(LoyaltyTransactionListQuery),
)
def list_loyalty_card_transactions(request, member_id: str):
    return _transactions(request, queries.card_transactions(queries.find_card(member_id)))


@router.get("/loyalties/{campaign_id}", summary="Get a loyalty program")
def get_loyalty_program(request, campaign_id: str):
    return _program(campaign_id)


@router.put("/loyalties/{campaign_id}", summary="Update a loyalty program")
def update_loyalty_program(request, campaign_id: str, payload: LoyaltyProgramUpdateIn):
    campaign = queries.find_program(campaign_id)
    body = payload.model_dump(exclude_none=True)
    campaign_services.update_campaign(caller=caller_of(request), ref=campaign.id, **body)
    return _program(campaign.id)


@router.delete(
    "/loyalties/{campaign_id}",
    summary="Delete a loyalty program (to the bin; ?force=true for good)",
    openapi_extra=documented_query(ForceQuery),
)
def delete_loyalty_program(request, campaign_id: str):
    query = parse_query(request, ForceQuery)
    campaign = queries.find_program(campaign_id)
    action = campaign_services.delete_campaign(caller=caller_of(request), ref=campaign.id, force=query.force)
    return {"async_action_id": action}


@router.post("/loyalties/{campaign_id}/members", summary="Add a member (a card published to a customer)")
def add_member(request, campaign_id: str, payload: LoyaltyMemberIn):
    card = programs.add_member(
        caller=caller_of(request),
        program=campaign_id,
        customer=payload.customer.model_dump(),
        voucher=payload.voucher,
        source_id=payload.source_id,
        metadata=payload.metadata,
        channel=payload.channel or "API",
    )
    return _member(card.pk)


@router.get(
    "/loyalties/{campaign_id}/members",
    summary="List a program's members",
    openapi_extra=documented_query(LoyaltyMemberListQuery),
)
def list_members(request, campaign_id: str):
    query = parse_query(request, LoyaltyMemberListQuery)
    campaign = queries.find_program(campaign_id)
    members = queries.members(campaign).order_by(query.order, "-id")
    items, total = offset_page(members, offset=query.offset, limit=query.limit)
    return list_json("vouchers", [member_json(v) for v in items], total)


@router.get("/loyalties/{campaign_id}/members/{member_id}", summary="Get a member's card in a program")
def get_member_in_program(request, campaign_id: str, member_id: str):
    return _member(queries.find_card(member_id, campaign=queries.find_program(campaign_id)).pk)


@router.post("/loyalties/{campaign_id}/members/{member_id}/balance", summary="Add or remove a card's points")
def update_member_balance(request, campaign_id: str, member_id: str, payload: LoyaltyBalanceIn):
    caller, change = caller_of(request), payload.to_change()
    return balance_json(points.change_balance(caller=caller, member=member_id, program=campaign_id, change=change))


@router.get(
    "/loyalties/{campaign_id}/members/{member_id}/transactions",
    summary="List a card's points transactions",
    openapi_extra=documented_query(LoyaltyTransactionListQuery),
)
def list_member_transactions(request, campaign_id: str, member_id: str):
    card = queries.find_card(member_id, campaign=queries.find_program(campaign_id))
    return _transactions(request, queries.card_transactions(card))


@router.get(
    "/loyalties/{campaign_id}/transactions",
    summary="List every points transaction of a program's cards",
    openapi_extra=documented_query(LoyaltyTransactionListQuery),
)
def list_loyalty_campaign_transactions(request, campaign_id: str):
    return _transactions(request, queries.program_transactions(queries.find_program(campaign_id)).order_by("-id"))


@router.post("/loyalties/{campaign_id}/members/{member_id}/transfers", summary="Move points onto this card")
def transfer_points(request, campaign_id: str, member_id: str, payload: LoyaltyTransferList):
    sources = [(t.code, points.PointsChange(t.points, t.reason or "", t.source_id or "")) for t in payload.root]
    card = points.transfer(caller=caller_of(request), program=campaign_id, member=member_id, sources=sources)
    return transferred_json(queries.member(card.pk))


def _transactions(request, rows) -> dict:
    """One page of ``rows`` (newest first): ``limit`` after the ``starting_after_id`` cursor."""
    query = parse_query(request, LoyaltyTransactionListQuery)
    return cursor_page(
        rows, limit=query.limit, starting_after_id=query.starting_after_id, serialize=transaction_json,
        resource="transaction",
    )  # fmt: skip


@router.get(
    "/loyalties/members/{member_id}/activity",
    summary="List a card's activity",
    openapi_extra=documented_query(LoyaltyActivityListQuery),
)
def list_member_activity(request, member_id: str):
    return _activity(request, queries.find_card(member_id))


@router.get(
    "/loyalties/{campaign_id}/members/{member_id}/activity",
    summary="List a card's activity",
    openapi_extra=documented_query(LoyaltyActivityListQuery),
)
def list_member_activity1(request, campaign_id: str, member_id: str):
    return _activity(request, queries.find_card(member_id, campaign=queries.find_program(campaign_id)))


def _activity(request, card) -> dict:
    query = parse_query(request, LoyaltyActivityListQuery)
    events = Event.objects.filter(resource_id=card.pk, type__in=list(MEMBER_ACTIVITY_TYPES))
    return cursor_page(
        events, limit=query.limit, starting_after_id=query.starting_after_id, serialize=member_activity_json,
        resource="event", ascending=query.order == "created_at",
    )  # fmt: skip
