"""/v1/ endpoints of validations, redemptions, rollbacks and orders. Views parse, call a service or query, and
render the platform's shape."""

import json
from urllib.parse import quote

from ninja import Router
from pydantic import ValidationError

from campaigns.models import AsyncAction
from campaigns.queries import find_voucher
from campaigns.services import bulk
from stacking.services import cached_stacking_categories
from voucherhub.api.context import caller_of, request_id_of
from voucherhub.api.errors import error_body, status_of
from voucherhub.api.parsing import describe_validation_errors, documented_query, parse_query
from voucherhub.api.rendering import json_response, offset_page
from voucherhub.errors import invalid_payload, invalid_query_params, not_found
from voucherhub.idempotency import idempotent
from voucherhub.wire import list_json

from . import queries
from .schemas import (
    OrderCreateIn,
    OrderImportList,
    OrderListQuery,
    OrderUpdateIn,
    PromotionsValidationIn,
    RollbackIn,
    StackIn,
)
from .serializers import (
    entry_json,
    order_json,
    promotion_tier_json,
    redemption_call_json,
    rollback_call_json,
    single_validation_json,
    validation_call_json,
)
from .services import redemption, validation
from .services.orders import save_order
from .services.rollback import rollback_redemption
from .simulator import applicable_promotions

router = Router(tags=["redemptions"])


@router.post("/validations", summary="Validate a stack of redeemables (ValidationsApi.validate_stacked_discounts)")
def validate(request, body: StackIn):
    def compute():
        outcome = validation.validate(body.to_request(), caller=caller_of(request))
        return 200, validation_call_json(outcome, cached_stacking_categories(), request_id=request_id_of(request))

    status, response = idempotent(request, compute)
    return json_response(response, status=status)


@router.post("/redemptions", summary="Redeem a stack of redeemables (RedemptionsApi.redeem_stacked_discounts)")
def redeem(request, body: StackIn):
    def compute():
        outcome = redemption.redeem(body.to_request(), caller=caller_of(request))
        if outcome.error is not None:
            return status_of(outcome.error), error_body(outcome.error, request_id_of(request))
        return 200, redemption_call_json(outcome, request_id=request_id_of(request))

    status, response = idempotent(request, compute)
    return json_response(response, status=status)


# --- one code: the platform's older single-voucher calls (the JavaScript SDK's validations.validate(code) and
# redemptions.redeem(code)), answered by the stacked engine with one redeemable ------------------------------


def _one_code(code: str, request) -> StackIn:
    """The body of a single-voucher call as a stack of that one voucher (its gift, customer, order,
    metadata and session as the stacked calls take them)."""
    raw = _json_object(request)
    redeemable = {"object": "voucher", "id": code, **({"gift": raw["gift"]} if "gift" in raw else {})}
    context = {key: raw[key] for key in ("customer", "order", "metadata", "session", "options") if key in raw}
    try:
        return StackIn.model_validate({"redeemables": [redeemable], **context})
    except ValidationError as exc:
        raise invalid_payload(describe_validation_errors(exc.errors())) from None


def _json_object(request) -> dict:
    if not request.body.strip():
        return {}
    try:
        raw = json.loads(request.body)
    except ValueError:
        raise invalid_payload("The body is not JSON") from None
    if not isinstance(raw, dict):
        raise invalid_payload("The body must be a JSON object")
    return raw


@router.post("/vouchers/{code}/validate", summary="Validate one voucher (the platform's single-code call)")
def validate_one(request, code: str):
    outcome = validation.validate(_one_code(code, request).to_request(), caller=caller_of(request))
    stacked = validation_call_json(outcome, cached_stacking_categories(), request_id=request_id_of(request))
    return single_validation_json(code, stacked)


@router.post("/vouchers/{code}/redemption", summary="Redeem one voucher (the platform's single-code call)")
def redeem_one(request, code: str):
    outcome = redemption.redeem(_one_code(code, request).to_request(), caller=caller_of(request))
    if outcome.error is not None:
        return json_response(error_body(outcome.error, request_id_of(request)), status=status_of(outcome.error))
    return redemption_call_json(outcome, request_id=request_id_of(request))["redemptions"][0]


@router.post("/promotions/validation", summary="The promotion tiers an order qualifies for (promotions.validate)")
def validate_promotions(request, body: PromotionsValidationIn):
    order = body.order.to_request() if body.order else None
    amount = order.amount if order and order.amount is not None else _items_total(order)
    customer = body.customer.source_id if body.customer else None
    found = applicable_promotions(amount=amount or 0, customer_source_id=customer)
    promotions = [promotion_tier_json(tier, discount) for tier, discount in found]
    return {"valid": bool(promotions), "promotions": promotions, "total": len(promotions), "object": "list"}


def _items_total(order) -> int:
    items = (order.items if order else None) or ()
    return sum((item.amount if item.amount is not None else (item.price or 0) * (item.quantity or 1)) for item in items)


@router.get("/redemptions", summary="List redemptions and rollbacks (RedemptionsApi.list_redemptions)")
def list_redemptions(request):
    query = queries.parse_list_query(request.GET)
    entries, total = queries.list_entries(query)
    return list_json("redemptions", [entry_json(e) for e in entries], total=total)


@router.get("/redemptions/{redemption_id}", summary="A redemption or rollback (RedemptionsApi.get_redemption)")
def get_redemption(request, redemption_id: str):
    entry = queries.get_entry(redemption_id)
    if entry is None:
        raise not_found("redemption", redemption_id)
    return entry_json(entry)


@router.get("/vouchers/{code}/redemption", summary="A voucher's redemptions (RedemptionsApi.get_voucher_redemptions)")
def voucher_redemptions(request, code: str):
    voucher = find_voucher(code)
    entries = queries.voucher_entries(voucher.pk)
    return {
        "object": "list",
        "data_ref": "redemption_entries",
        "quantity": voucher.redemption_quantity,
        "redeemed_quantity": voucher.redeemed_quantity,
        "url": f"/v1/vouchers/{quote(voucher.code, safe='')}/redemption",
        "total": len(entries),
        "redemption_entries": [entry_json(e) for e in entries],
    }


def _refused(request, error):
    """A refused rollback whose attempt was stored (``rrf_``): answered after the service committed it."""
    return json_response(error_body(error, request_id_of(request)), status=status_of(error))


def _rollback_body(request) -> RollbackIn:
    """The optional JSON body. The SDK posts an empty body with a JSON content type, which ninja's body
    parameters refuse, so it is read here, through the schema."""
    raw = request.body
    if not raw.strip() or "json" not in (request.content_type or ""):
        return RollbackIn()  # no body, or not a JSON one (an empty form from a test client): the body is optional
    try:
        return RollbackIn.model_validate_json(raw)
    except ValidationError as exc:
        raise invalid_payload(describe_validation_errors(exc.errors())) from None


_ROLLBACK_BODY = {
    "requestBody": {
        "required": False,
        "content": {"application/json": {"schema": {"type": "object", "title": "RollbackIn"}}},
    }
}


def _rollback(request, redemption_id: str, reason: str | None, tracking_id: str | None, *, stacked: bool):
    if "\x00" in redemption_id:
        raise not_found("redemption", redemption_id.replace("\x00", ""))
    rollback = _rollback_body(request).to_request(
        redemption_id, reason=reason, tracking_id=tracking_id, stacked=stacked
    )
    text = (rollback.reason or "") + (rollback.tracking_id or "")
    if "\x00" in text or len(rollback.reason or "") > 500 or len(rollback.tracking_id or "") > 200:
        details = "reason (at most 500 characters) and tracking_id (at most 200) must not hold the NUL character"
        raise invalid_query_params(details)
    outcome = rollback_redemption(rollback, caller=caller_of(request))
    if outcome.error is not None:
        return _refused(request, outcome.error)
    return rollback_call_json(outcome, stacked=stacked)


@router.post(
    "/redemptions/{redemption_id}/rollback",
    summary="Roll back a redemption (rollback_redemption)",
    openapi_extra=_ROLLBACK_BODY,
)
def rollback(request, redemption_id: str, reason: str | None = None, tracking_id: str | None = None):
    return _rollback(request, redemption_id, reason, tracking_id, stacked=False)


@router.post(
    "/redemptions/{parent_id}/rollbacks",
    summary="Roll back a stacked redemption (rollback_stacked_redemptions)",
    openapi_extra=_ROLLBACK_BODY,
)
def rollback_stacked(request, parent_id: str, reason: str | None = None, tracking_id: str | None = None):
    return _rollback(request, parent_id, reason, tracking_id, stacked=True)


# --- orders ------------------------------------------------------------------------------------------------


@router.post("/orders", summary="Create an order (or update the one with this source_id)")
def create_order(request, body: OrderCreateIn):
    order = save_order(
        body.to_request(),
        caller=caller_of(request),
        customer=body.customer.to_input() if body.customer is not None else None,
        discount_amount=body.discount_amount,
    )
    return order_json(order)


@router.get("/orders", summary="List orders", openapi_extra=documented_query(OrderListQuery))
def list_orders(request):
    query = parse_query(request, OrderListQuery)
    items, total = offset_page(queries.order_list(order=query.order), offset=query.offset, limit=query.limit)
    return list_json("orders", [order_json(order) for order in items], total)


@router.post("/orders/import", summary="Import historical orders (up to 2000), in the background, without events")
def import_orders(request, body: OrderImportList):
    action = bulk.schedule(
        AsyncAction.Type.ORDERS_IMPORT, {"items": [order.stored() for order in body.root]}, caller=caller_of(request)
    )
    return {"async_action_id": action.pk}


@router.get("/orders/{order_id}", summary="Get an order (by id or source_id) with the redemptions that touched it")
def get_order(request, order_id: str):
    return order_json(queries.find_order(order_id), with_redemptions=True)


@router.put("/orders/{order_id}", summary="Update an order (by id or source_id)")
def update_order(request, order_id: str, body: OrderUpdateIn):
    order = save_order(
        body.to_request(),
        caller=caller_of(request),
        customer=body.customer.to_input() if body.customer is not None else None,
        discount_amount=body.discount_amount,
        ref=order_id,
    )
    return order_json(order, with_redemptions=True)
