"""/v1/ endpoints of validations, redemptions and rollbacks (API.md section 5; auth and errors in
voucherhub/api.py). Views parse, call a service or query, and render the platform's shape."""

from urllib.parse import quote

from ninja import Router
from pydantic import ValidationError

from campaigns.models import Voucher
from stacking.engine import ApplicationMode, Status
from voucherhub.api.context import caller_of, json_response, request_id_of
from voucherhub.api.errors import error_body, status_of
from voucherhub.api.parsing import describe_validation_errors
from voucherhub.errors import invalid_payload, invalid_query_params, not_found
from voucherhub.idempotency import idempotent
from voucherhub.wire import list_json

from . import queries
from .orders import order_json, unsaved_order_json
from .schemas import RollbackIn, StackIn
from .serializers import entry_json, redeemable_json, redemption_json, rollback_json, session_json
from .services import redemption, validation
from .services.rollback import rollback_redemption

router = Router(tags=["redemptions"])


def _lists(items: list[tuple[str, dict]], *, all_in_redeemables: bool) -> dict:
    """``redeemables`` / ``inapplicable_redeemables`` / ``skipped_redeemables`` of a call, from each
    redeemable's status and body (serializers.redeemable_json)."""
    return {
        "redeemables": [body for status, body in items if all_in_redeemables or status == Status.APPLICABLE],
        "inapplicable_redeemables": [body for status, body in items if status == Status.INAPPLICABLE],
        "skipped_redeemables": [body for status, body in items if status == Status.SKIPPED],
    }


@router.post("/validations", summary="Validate a stack of redeemables (ValidationsApi.validate_stacked_discounts)")
def validate(request, body: StackIn):
    def compute():
        outcome = validation.validate(**body.service_kwargs(), caller=caller_of(request))
        stack = outcome.stack
        if outcome.order is not None:
            order = order_json(outcome.order, applied_discount_amount=stack.total_discount_amount)
        else:
            order = unsaved_order_json(
                outcome.order_input, discount_amount=stack.total_discount_amount, total_amount=stack.total_amount
            )
        # In ALL mode every redeemable is listed in ``redeemables`` with its status; in PARTIAL mode only
        # the applicable ones (API.md 5.1). The other two lists hold their own kind in both modes.
        response = {
            "id": outcome.validation.id,
            "valid": stack.valid,
            **_lists(
                [(result.status, body) for result, body in zip(stack.results, outcome.redeemables_json, strict=True)],
                all_in_redeemables=outcome.application_mode == ApplicationMode.ALL,
            ),
            "order": order,
            "tracking_id": outcome.validation.tracking_id,
            "stacking_rules": outcome.stacking_rules,
            "object": "validation",
        }
        if outcome.session is not None:
            response["session"] = session_json(outcome.session)
        return 200, response

    status, response = idempotent(request, compute)
    return json_response(request, response, status=status)


@router.post("/redemptions", summary="Redeem a stack of redeemables (RedemptionsApi.redeem_stacked_discounts)")
def redeem(request, body: StackIn):
    def compute():
        outcome = redemption.redeem(**body.service_kwargs(), caller=caller_of(request))
        request_id = request_id_of(request)
        if outcome.error is not None:
            return status_of(outcome.error), error_body(outcome.error, request_id)
        order = order_json(
            outcome.order,
            applied_discount_amount=outcome.stack.total_discount_amount,
            with_redemptions=True,
            redemptions=outcome.order_redemptions(),
        )
        plain_order = order_json(outcome.order, applied_discount_amount=outcome.stack.total_discount_amount)
        response = {
            "redemptions": [
                redemption_json(r, rollbacks=[], children=[], order=plain_order) for r in outcome.redemptions
            ],
            "order": order,
        }
        # The applied ones are the redemptions above: only the others are listed (API.md 5.2).
        amount = outcome.stack.initial_amount
        others = [
            (result.status, redeemable_json(c, result, order_amount=amount, request_id=request_id))
            for c, result in zip(outcome.checked, outcome.stack.results, strict=True)
            if result.status != Status.APPLICABLE
        ]
        lists = _lists(others, all_in_redeemables=False)
        response["inapplicable_redeemables"] = lists["inapplicable_redeemables"]
        response["skipped_redeemables"] = lists["skipped_redeemables"]
        if outcome.parent is not None:
            response["parent_redemption"] = redemption_json(
                outcome.parent, rollbacks=[], children=outcome.redemptions, order=plain_order
            )
        return 200, response

    status, response = idempotent(request, compute)
    return json_response(request, response, status=status)


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
    if "\x00" in code:
        raise not_found("voucher", code.replace("\x00", ""))
    voucher = Voucher.objects.filter(code=code, deleted_at__isnull=True).first()
    if voucher is None and code.startswith("v_"):
        voucher = Voucher.objects.filter(pk=code, deleted_at__isnull=True).first()
    if voucher is None:
        raise not_found("voucher", code)
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
    return json_response(request, error_body(error, request_id_of(request)), status=status_of(error))


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
    body = _rollback_body(request)
    reason = reason if reason is not None else body.reason
    tracking_id = tracking_id if tracking_id is not None else body.tracking_id
    if "\x00" in (reason or "") + (tracking_id or "") or len(reason or "") > 500 or len(tracking_id or "") > 200:
        details = "reason (at most 500 characters) and tracking_id (at most 200) must not hold the NUL character"
        raise invalid_query_params(details)
    outcome = rollback_redemption(
        redemption_id=redemption_id,
        reason=reason,
        tracking_id=tracking_id,
        caller=caller_of(request),
        customer=body.customer.model_dump(exclude_none=True) if body.customer else None,
        order=body.order.model_dump(exclude_none=True) if body.order else None,
        metadata=body.metadata,
        stacked=stacked,
    )
    if outcome.error is not None:
        return None, outcome
    return order_json(outcome.order, applied_discount_amount=0, with_redemptions=True), outcome


@router.post(
    "/redemptions/{redemption_id}/rollback",
    summary="Roll back a redemption (rollback_redemption)",
    openapi_extra=_ROLLBACK_BODY,
)
def rollback(request, redemption_id: str, reason: str | None = None, tracking_id: str | None = None):
    order, outcome = _rollback(request, redemption_id, reason, tracking_id, stacked=False)
    if outcome.error is not None:
        return _refused(request, outcome.error)
    return rollback_json(outcome.rollbacks[0], order=order)


@router.post(
    "/redemptions/{parent_id}/rollbacks",
    summary="Roll back a stacked redemption (rollback_stacked_redemptions)",
    openapi_extra=_ROLLBACK_BODY,
)
def rollback_stacked(request, parent_id: str, reason: str | None = None, tracking_id: str | None = None):
    order, outcome = _rollback(request, parent_id, reason, tracking_id, stacked=True)
    if outcome.error is not None:
        return _refused(request, outcome.error)
    response = {"rollbacks": [rollback_json(rb, order=order) for rb in outcome.rollbacks], "order": order}
    if outcome.parent_rollback is not None:
        response["parent_rollback"] = rollback_json(outcome.parent_rollback, order=order)
    return response
