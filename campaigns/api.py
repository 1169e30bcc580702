"""/v1/ endpoints of campaigns, vouchers, promotion tiers, segments, validation rules and categories
(customers: customers.api); voucherhub.api gives auth and the error shape.

Each endpoint parses its body into a schema (a bad one is 400 ``invalid_payload``), its query string into
a query model (400 ``invalid_query_params``), calls one service or query, and renders the platform's
wire shape. Bodies are ``model_dump(exclude_none=True)``: ``null`` means absent, as on the platform.
"""

from django.http import HttpResponse
from ninja import Router

from stacking import services as stacking_services
from stacking.serializers import category_json
from voucherhub.api.context import caller_of
from voucherhub.api.parsing import documented_query, parse_query
from voucherhub.api.rendering import offset_page
from voucherhub.ids import new_id
from voucherhub.wire import list_json

from . import queries
from .schemas import (
    AssignmentIn,
    AssignmentListQuery,
    BalanceIn,
    BinListQuery,
    CampaignIn,
    CampaignListQuery,
    CampaignUpdateIn,
    CampaignVouchersIn,
    CategoryIn,
    CategoryUpdateIn,
    ForceQuery,
    JoinOnceQuery,
    PageQuery,
    PublicationIn,
    PublicationListQuery,
    RuleListQuery,
    SegmentIn,
    TierIn,
    TierListQuery,
    TierUpdateIn,
    TransactionListQuery,
    ValidationRuleIn,
    ValidationRuleUpdateIn,
    VoucherIn,
    VoucherListQuery,
    VouchersCountQuery,
    VoucherUpdateIn,
)
from .serializers import (
    assignment_json,
    balance_json,
    bin_entry_json,
    campaign_json,
    publication_item_json,
    publication_json,
    segment_json,
    tier_json,
    transaction_json,
    validation_rule_json,
    voucher_json,
)
from .services import campaigns as campaign_services
from .services import generation
from .services import publications as publication_services
from .services import segments as segment_services
from .services import tiers as tier_services
from .services import validation_rules as rule_services
from .services import vouchers as voucher_services

router = Router(tags=["campaigns"])


def _page(qs, query: PageQuery) -> tuple[list, int]:
    return offset_page(qs, offset=query.offset, limit=query.limit)


def _body(payload) -> dict:
    return payload.model_dump(exclude_none=True) if payload is not None else {}


def _no_content() -> HttpResponse:
    return HttpResponse(status=204)


# --- campaigns -------------------------------------------------------------------------------------------


def _campaigns_json(campaigns: list) -> list[dict]:
    counts = queries.vouchers_counts([c.id for c in campaigns])
    return [
        campaign_json(
            c,
            vouchers_count=counts[c.id],
            assignments=list(c.rule_assignments.all()),
            tiers=queries.campaign_tiers(c),
        )
        for c in campaigns
    ]


def _campaign_body(campaign_id: str) -> dict:
    (body,) = _campaigns_json([queries.campaign_details(campaign_id)])
    return body


@router.post("/campaigns", summary="Create a campaign (with its vouchers or promotion tiers)")
def create_campaign(request, payload: CampaignIn):
    body = _body(payload)
    body.pop("voucher", None)
    body.pop("promotion", None)
    body.pop("referral_program", None)
    template = payload.voucher.to_request() if payload.voucher is not None else None
    referral = payload.referral_program.to_request() if payload.referral_program is not None else None
    tiers = [tier.to_request() for tier in (payload.promotion.tiers or [])] if payload.promotion else None
    campaign = campaign_services.create_campaign(
        caller=caller_of(request), voucher=template, tiers=tiers, referral=referral, **body
    )
    return _campaign_body(campaign.id)


@router.get("/campaigns", summary="List campaigns", openapi_extra=documented_query(CampaignListQuery))
def list_campaigns(request):
    query = parse_query(request, CampaignListQuery)
    items, total = _page(queries.campaign_list(campaign_type=query.campaign_type, order=query.order), query)
    return list_json("campaigns", _campaigns_json(items), total)


@router.get("/campaigns/{campaign_id}", summary="Get a campaign by id or name")
def get_campaign(request, campaign_id: str):
    return _campaign_body(queries.find_campaign(campaign_id).id)


@router.put("/campaigns/{campaign_id}", summary="Update a campaign")
def update_campaign(request, campaign_id: str, payload: CampaignUpdateIn):
    body = _body(payload)
    if payload.discount is not None:
        body["discount"] = payload.discount.to_request()
    if payload.gift is not None:
        body["gift"] = payload.gift.to_request()
    campaign = campaign_services.update_campaign(caller=caller_of(request), ref=campaign_id, **body)
    return _campaign_body(campaign.id)


@router.delete(
    "/campaigns/{campaign_id}",
    summary="Delete a campaign (to the bin; ?force=true for good)",
    openapi_extra=documented_query(ForceQuery),
)
def delete_campaign(request, campaign_id: str):
    query = parse_query(request, ForceQuery)
    action = campaign_services.delete_campaign(caller=caller_of(request), ref=campaign_id, force=query.force)
    return {"async_action_id": action}


@router.post("/campaigns/{campaign_id}/enable", summary="Enable a campaign")
def enable_campaign(request, campaign_id: str):
    campaign = campaign_services.set_campaign_active(caller=caller_of(request), ref=campaign_id, active=True)
    return _campaign_body(campaign.id)


@router.post("/campaigns/{campaign_id}/disable", summary="Disable a campaign")
def disable_campaign(request, campaign_id: str):
    campaign = campaign_services.set_campaign_active(caller=caller_of(request), ref=campaign_id, active=False)
    return _campaign_body(campaign.id)


def _campaign_vouchers_fields(payload: CampaignVouchersIn | None) -> dict:
    body = _body(payload)
    redemption = body.pop("redemption", None) or {}
    body["redemption_quantity"] = redemption.get("quantity")
    if payload is not None and payload.code_config is not None:
        body["code_config"] = payload.code_config.to_request()
    return body


@router.post(
    "/campaigns/{campaign_id}/vouchers",
    summary="Add vouchers to a campaign (?vouchers_count=N)",
    openapi_extra=documented_query(VouchersCountQuery),
)
def add_vouchers_to_campaign(request, campaign_id: str, payload: CampaignVouchersIn | None = None):
    """One: the voucher. More: ``{async_action_id}``; above MAX_VOUCHERS_PER_CALL that id names the
    background job generating them (the campaign is IN_PROGRESS until it is DONE)."""
    count = parse_query(request, VouchersCountQuery).vouchers_count
    if count > generation.MAX_VOUCHERS_PER_CALL:
        job = generation.schedule_campaign_vouchers(
            caller=caller_of(request), ref=campaign_id, count=count, **_campaign_vouchers_fields(payload)
        )
        return {"async_action_id": job.id}
    vouchers = campaign_services.add_campaign_vouchers(
        caller=caller_of(request), ref=campaign_id, count=count, **_campaign_vouchers_fields(payload)
    )
    if count == 1:
        return voucher_json(vouchers[0])
    return {"async_action_id": new_id("aa_")}


@router.post("/campaigns/{campaign_id}/vouchers/{code}", summary="Add a voucher with this code to a campaign")
def add_voucher_with_code_to_campaign(request, campaign_id: str, code: str, payload: CampaignVouchersIn | None = None):
    fields = _campaign_vouchers_fields(payload)
    fields.pop("code", None)
    fields.pop("code_config", None)
    (voucher,) = campaign_services.add_campaign_vouchers(
        caller=caller_of(request), ref=campaign_id, code=code, **fields
    )
    return voucher_json(voucher, assignments=queries.voucher_assignments(voucher))


# --- promotion tiers -------------------------------------------------------------------------------------


@router.get("/promotions/tiers", summary="List promotion tiers", openapi_extra=documented_query(TierListQuery))
def list_promotion_tiers(request):
    query = parse_query(request, TierListQuery)
    items, total = _page(queries.tier_list(is_available=query.is_available, order=query.order), query)
    data = [tier_json(tier, assignments=list(tier.rule_assignments.all())) for tier in items]
    return list_json("tiers", data, total, has_more=query.offset + len(items) < total)


@router.get("/promotions/tiers/{tier_id}", summary="Get a promotion tier")
def get_promotion_tier(request, tier_id: str):
    tier = queries.find_tier(tier_id)
    return tier_json(tier, assignments=queries.tier_assignments(tier))


@router.put("/promotions/tiers/{tier_id}", summary="Update a promotion tier")
def update_promotion_tier(request, tier_id: str, payload: TierUpdateIn):
    tier = tier_services.update_tier(caller=caller_of(request), tier_id=tier_id, changes=payload.to_changes())
    return tier_json(tier, assignments=queries.tier_assignments(tier))


@router.post("/promotions/tiers/{tier_id}/enable", summary="Enable a promotion tier")
def enable_promotion_tier(request, tier_id: str):
    tier = tier_services.set_tier_active(caller=caller_of(request), tier_id=tier_id, active=True)
    return tier_json(tier, assignments=queries.tier_assignments(tier))


@router.post("/promotions/tiers/{tier_id}/disable", summary="Disable a promotion tier")
def disable_promotion_tier(request, tier_id: str):
    tier = tier_services.set_tier_active(caller=caller_of(request), tier_id=tier_id, active=False)
    return tier_json(tier, assignments=queries.tier_assignments(tier))


@router.delete("/promotions/tiers/{tier_id}", summary="Delete a promotion tier that was never redeemed")
def delete_promotion_tier(request, tier_id: str):
    tier_services.delete_tier(caller=caller_of(request), tier_id=tier_id)
    return _no_content()


@router.get("/promotions/{campaign_id}/tiers", summary="List the tiers of a promotion campaign")
def list_campaign_tiers(request, campaign_id: str):
    campaign = queries.find_campaign(campaign_id)
    tiers = list(queries.tier_list(campaign=campaign))
    data = [tier_json(tier, assignments=list(tier.rule_assignments.all())) for tier in tiers]
    return list_json("tiers", data, has_more=False)


@router.post("/promotions/{campaign_id}/tiers", summary="Add a tier to a promotion campaign")
def add_promotion_tier(request, campaign_id: str, payload: TierIn):
    tier = tier_services.create_promotion_tier(
        caller=caller_of(request), campaign_ref=campaign_id, tier=payload.to_request()
    )
    return tier_json(tier, assignments=queries.tier_assignments(tier))


# --- vouchers --------------------------------------------------------------------------------------------


def _voucher_fields(payload: VoucherIn) -> dict:
    body = _body(payload)
    redemption = body.pop("redemption", None) or {}
    body["redemption_quantity"] = redemption.get("quantity")
    body["discount"] = payload.discount.to_request() if payload.discount else None
    body["gift"] = payload.gift.to_request() if payload.gift else None
    body["code_config"] = payload.code_config.to_request() if payload.code_config else None
    return body


def _voucher_body(voucher) -> dict:
    return voucher_json(voucher, assignments=queries.voucher_assignments(voucher))


@router.post("/vouchers", summary="Create a voucher with a random code (or the body's code)")
def generate_random_code(request, payload: VoucherIn):
    voucher = voucher_services.create_voucher(caller=caller_of(request), **_voucher_fields(payload))
    return _voucher_body(voucher)


@router.get("/vouchers", summary="List vouchers", openapi_extra=documented_query(VoucherListQuery))
def list_vouchers(request):
    query = parse_query(request, VoucherListQuery)
    qs = queries.voucher_list(
        **query.model_dump(exclude={"limit", "page"}, exclude_none=True),
    )
    items, total = _page(qs, query)
    return list_json("vouchers", [voucher_json(v, assignments=list(v.rule_assignments.all())) for v in items], total)


@router.post("/vouchers/{code}", summary="Create a voucher with this code")
def create_voucher(request, code: str, payload: VoucherIn):
    fields = _voucher_fields(payload)
    fields["code"] = code
    fields.pop("code_config", None)
    voucher = voucher_services.create_voucher(caller=caller_of(request), **fields)
    return _voucher_body(voucher)


@router.get("/vouchers/{code}", summary="Get a voucher by code or id")
def get_voucher(request, code: str):
    return _voucher_body(queries.find_voucher(code))


@router.put("/vouchers/{code}", summary="Update a voucher (partial; type is ignored)")
def update_voucher(request, code: str, payload: VoucherUpdateIn):
    body = _body(payload)
    redemption = body.pop("redemption", None) or {}
    body["redemption_quantity"] = redemption.get("quantity")
    body["discount"] = payload.discount.to_request() if payload.discount else None
    voucher = voucher_services.update_voucher(caller=caller_of(request), ref=code, **body)
    return _voucher_body(voucher)


@router.delete(
    "/vouchers/{code}",
    summary="Delete a voucher (to the bin; ?force=true for good)",
    openapi_extra=documented_query(ForceQuery),
)
def delete_voucher(request, code: str):
    query = parse_query(request, ForceQuery)
    voucher_services.delete_voucher(caller=caller_of(request), ref=code, force=query.force)
    return _no_content()


@router.get(
    "/vouchers/{code}/transactions",
    summary="A gift card's balance changes, keyset-paged",
    openapi_extra=documented_query(TransactionListQuery),
)
def list_voucher_transactions(request, code: str):
    query = parse_query(request, TransactionListQuery)
    voucher = queries.find_voucher(code)
    rows, more = queries.voucher_transactions(voucher, **query.model_dump())
    return _transactions_json(rows, more, lambda tx: voucher)


def _transactions_json(rows, more: bool, voucher_of) -> dict:
    body = {"object": "list", "data_ref": "data", "data": [transaction_json(tx, voucher_of(tx)) for tx in rows]}
    return {**body, "has_more": more, "more_starting_after": rows[-1].id if more else None}


@router.get(
    "/campaigns/{campaign_id}/transactions",
    summary="List the balance changes of a campaign's gift cards",
    openapi_extra=documented_query(TransactionListQuery),
)
def list_campaign_transactions(request, campaign_id: str):
    query = parse_query(request, TransactionListQuery)
    campaign = queries.find_campaign(campaign_id)
    rows, more = queries.transaction_page(queries.campaign_transaction_rows(campaign), **query.model_dump())
    return _transactions_json(rows, more, lambda tx: tx.voucher)


@router.post("/vouchers/{code}/enable", summary="Enable a voucher")
def enable_voucher(request, code: str):
    return _voucher_body(voucher_services.set_voucher_active(caller=caller_of(request), ref=code, active=True))


@router.post("/vouchers/{code}/disable", summary="Disable a voucher")
def disable_voucher(request, code: str):
    return _voucher_body(voucher_services.set_voucher_active(caller=caller_of(request), ref=code, active=False))


@router.post("/vouchers/{code}/balance", summary="Add to (or take from) a gift card's balance")
def update_voucher_balance(request, code: str, payload: BalanceIn):
    voucher = voucher_services.update_gift_balance(caller=caller_of(request), ref=code, **_body(payload))
    return balance_json(voucher, payload.amount)


# --- publications ---------------------------------------------------------------------------------------


@router.post(
    "/publications",
    summary="Publish a voucher, or a campaign's next free codes, to a customer",
    openapi_extra=documented_query(JoinOnceQuery),
)
def create_publication(request, payload: PublicationIn):
    join_once = parse_query(request, JoinOnceQuery).join_once
    outcome = publication_services.publish(payload.to_request(join_once=join_once), caller=caller_of(request))
    if outcome.error is not None:
        raise outcome.error  # the FAILURE publication is committed: it shows in the list
    return publication_json(outcome.publication, outcome.vouchers)


@router.get("/publications", summary="List publications", openapi_extra=documented_query(PublicationListQuery))
def list_publications(request):
    query = parse_query(request, PublicationListQuery)
    qs = queries.publication_list(**query.model_dump(exclude={"limit", "page"}, exclude_none=True))
    items, total = _page(qs, query)
    vouchers = queries.publication_vouchers(items)
    return list_json("publications", [publication_item_json(p, vouchers[p.pk]) for p in items], total)


# --- the bin ----------------------------------------------------------------------------------------------


@router.get(
    "/trash-bin",
    summary="List the bin: campaigns and vouchers deleted without force",
    openapi_extra=documented_query(BinListQuery),
)
def list_bin_entries(request):
    query = parse_query(request, BinListQuery)
    entries, more, total = queries.bin_page(**query.model_dump(exclude_none=True))
    body = {"object": "list", "data_ref": "data", "data": [bin_entry_json(e) for e in entries], "total": total}
    return {**body, "has_more": more, "more_starting_after": f"bin_{entries[-1].pk}" if more else None}


@router.delete("/trash-bin/{entry_id}", summary="Delete a bin entry for good")
def delete_bin_entry(request, entry_id: str):
    campaign_services.purge_bin_entry(caller=caller_of(request), entry_id=entry_id)
    return _no_content()


# --- segments ---------------------------------------------------------------------------------------------


@router.post("/segments", summary="Create a static or auto-update customer segment")
def create_segment(request, payload: SegmentIn):
    segment = segment_services.create_segment(
        caller=caller_of(request),
        name=payload.name,
        type=payload.type,
        customers=payload.customers,
        conditions=payload.conditions(),
    )
    return segment_json(segment)


@router.get("/segments/{segment_id}", summary="Get a segment")
def get_segment(request, segment_id: str):
    return segment_json(queries.find_segment(segment_id))


@router.delete("/segments/{segment_id}", summary="Delete a segment")
def delete_segment(request, segment_id: str):
    segment_services.delete_segment(caller=caller_of(request), segment_id=segment_id)
    return _no_content()


# --- validation rules ------------------------------------------------------------------------------------


def _rule_fields(payload: ValidationRuleIn | ValidationRuleUpdateIn) -> dict:
    return {
        "name": payload.name,
        "rules": payload.rules,
        "error_message": payload.error.message if payload.error else None,
        "applicable_to": payload.applicable_to.stored() if payload.applicable_to else None,
    }


def _rule_body(rule) -> dict:
    return validation_rule_json(rule, assignments_count=queries.rule_assignments_count(rule))


@router.post("/validation-rules", summary="Create a validation rule")
def create_validation_rule(request, payload: ValidationRuleIn):
    return _rule_body(rule_services.create_validation_rule(caller=caller_of(request), **_rule_fields(payload)))


@router.get("/validation-rules", summary="List validation rules", openapi_extra=documented_query(RuleListQuery))
def list_validation_rules(request):
    query = parse_query(request, RuleListQuery)
    qs = queries.rule_list(order=query.order, start_date=query.start_date, end_date=query.end_date)
    items, total = _page(qs, query)
    data = [validation_rule_json(rule, assignments_count=rule.assignments_total) for rule in items]
    return list_json("data", data, total)


@router.get("/validation-rules/{rule_id}", summary="Get a validation rule")
def get_validation_rule(request, rule_id: str):
    return _rule_body(queries.find_rule(rule_id))


@router.put("/validation-rules/{rule_id}", summary="Update a validation rule (partial)")
def update_validation_rule(request, rule_id: str, payload: ValidationRuleUpdateIn):
    rule = rule_services.update_validation_rule(caller=caller_of(request), rule_id=rule_id, **_rule_fields(payload))
    return _rule_body(rule)


@router.delete("/validation-rules/{rule_id}", summary="Delete a validation rule and its assignments")
def delete_validation_rule(request, rule_id: str):
    rule_services.delete_validation_rule(caller=caller_of(request), rule_id=rule_id)
    return _no_content()


@router.get(
    "/validation-rules-assignments",
    summary="List rule assignments, of one object or one rule",
    openapi_extra=documented_query(AssignmentListQuery),
)
def list_rule_assignments(request):
    query = parse_query(request, AssignmentListQuery)
    items, total = _page(queries.assignment_list(**query.model_dump(exclude={"limit", "page"})), query)
    return {"object": "list", "data_ref": "data", "data": [assignment_json(a) for a in items], "total": total}


@router.post("/validation-rules/{rule_id}/assignments", summary="Assign a rule to a voucher, campaign or tier")
def create_validation_rule_assignment(request, rule_id: str, payload: AssignmentIn):
    assignment = rule_services.assign_validation_rule(caller=caller_of(request), rule_id=rule_id, **_body(payload))
    return assignment_json(assignment)


@router.get("/validation-rules/{rule_id}/assignments", summary="List a rule's assignments")
def list_validation_rule_assignments(request, rule_id: str):
    rule = queries.find_rule(rule_id)
    return list_json("data", [assignment_json(a) for a in queries.rule_assignments(rule)])


@router.delete("/validation-rules/{rule_id}/assignments/{assignment_id}", summary="Remove a rule assignment")
def delete_validation_rule_assignment(request, rule_id: str, assignment_id: str):
    rule_services.unassign_validation_rule(caller=caller_of(request), rule_id=rule_id, assignment_id=assignment_id)
    return _no_content()


# --- categories ------------------------------------------------------------------------------------------


@router.post("/categories", summary="Create a stacking category")
def create_category(request, payload: CategoryIn):
    category = stacking_services.create_category(caller=caller_of(request), **_body(payload))
    return category_json(category)


@router.get("/categories", summary="List categories (all of them, by hierarchy)")
def list_categories(request):
    return list_json("data", [category_json(c) for c in queries.category_list()])


@router.get("/categories/{category_id}", summary="Get a category")
def get_category(request, category_id: str):
    category = queries.find_category(category_id)
    return category_json(category)


@router.put("/categories/{category_id}", summary="Update a category")
def update_category(request, category_id: str, payload: CategoryUpdateIn):
    category = stacking_services.update_category(caller=caller_of(request), category_id=category_id, **_body(payload))
    return category_json(category)


@router.delete("/categories/{category_id}", summary="Delete a category")
def delete_category(request, category_id: str):
    stacking_services.delete_category(caller=caller_of(request), category_id=category_id)
    return _no_content()
