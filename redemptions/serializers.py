"""Wire shapes of validations, redemptions and rollbacks (API.md section 5). The SDK parses these
strictly (``ValidationsValidateResponseBody``, ``RedemptionsRedeemResponseBody``, ``RedemptionsGetResponseBody``,
``RedemptionsRollbackCreateResponseBody`` ...): ints stay ints, enums stay in their sets, and optional
values are null or omitted rather than invented."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from campaigns.serializers import customer_json, discount_json, tier_json, voucher_json
from stacking.checks import FailureCode
from stacking.engine import SkipReason, Status
from stacking.serializers import category_json
from voucherhub.api.errors import error_body
from voucherhub.errors import DomainError
from voucherhub.wire import iso, number

from .models import Redemption, RedemptionResult, RelatedObjectType, Rollback
from .orders import order_json

if TYPE_CHECKING:
    from sessions.models import ValidationSession
    from stacking.engine import RedeemableResult

    from .services.evaluation import Checked, ItemFailure

SKIP_MESSAGES = {
    SkipReason.APPLICABLE_REDEEMABLES_LIMIT_EXCEEDED: "Applicable redeemables limit exceeded",
    SkipReason.APPLICABLE_REDEEMABLES_PER_CATEGORY_LIMIT_EXCEEDED: "Applicable redeemables per category limit exceeded",
    SkipReason.APPLICABLE_EXCLUSIVE_REDEEMABLES_LIMIT_EXCEEDED: "Applicable exclusive redeemables limit exceeded",
    SkipReason.EXCLUSION_RULES_NOT_MET: "Exclusion rules not met",
    SkipReason.PRECEDING_VALIDATION_FAILED: "Preceding validation failed",
}


def failure_error(
    failure: ItemFailure, *, resource_id: str | None = None, resource_type: str | None = None
) -> DomainError:
    """The platform's error for a failed redeemable. ``not_found`` names the voucher (or tier) it did not
    find; the others name the stored attempt when there is one (``resource_type`` redemption)."""
    code = failure.code
    if code == FailureCode.RESOURCE_NOT_FOUND:
        resource_id, resource_type = failure.resource_id, failure.resource_type
    return DomainError(
        code.error_key,
        code.label,
        failure.details,
        resource_id=resource_id,
        resource_type=resource_type,
        error_message=failure.error_message,
    )


def session_json(session: ValidationSession) -> dict:
    return {"key": session.key, "type": "LOCK", "ttl": number(session.ttl), "ttl_unit": session.ttl_unit}


def _redeemable_order(checked: Checked, result: RedeemableResult, order_amount: int) -> dict:
    applied = result.discount_amount + result.gift_credits
    discounted = order_amount - result.order_total_after
    return {
        "amount": order_amount,
        "initial_amount": order_amount,
        "discount_amount": discounted,
        "items_discount_amount": 0,
        "total_discount_amount": discounted,
        "total_amount": result.order_total_after,
        "applied_discount_amount": applied,
        "items_applied_discount_amount": 0,
        "total_applied_discount_amount": applied,
        "object": "order",
    }


def redeemable_json(checked: Checked, result: RedeemableResult, *, order_amount: int, request_id: str | None) -> dict:
    """One redeemable's verdict in a validation (or a PARTIAL redemption's lists)."""
    body: dict[str, Any] = {"status": str(result.status), "id": checked.id, "object": checked.object}
    if result.status == Status.APPLICABLE:
        if checked.voucher is not None and checked.voucher.is_gift:
            gift = {"balance": checked.voucher.gift_balance or 0, "credits": result.gift_credits}
            outcome: dict[str, Any] = {"gift": gift}
        else:
            discount = discount_json(checked.tier or checked.voucher) if (checked.tier or checked.voucher) else None
            outcome = {"discount": discount} if discount else {}
        body["order"] = _redeemable_order(checked, result, order_amount)
        body["applicable_to"] = {"object": "list", "data_ref": "data", "data": [], "total": 0}
        body["inapplicable_to"] = {"object": "list", "data_ref": "data", "data": [], "total": 0}
    elif result.status == Status.INAPPLICABLE:
        assert checked.failure is not None
        error = failure_error(checked.failure)
        code = checked.failure.code
        outcome = {"error": error_body(error, request_id), "details": {"key": code.error_key, "message": code.label}}
    else:
        assert result.skip_reason is not None
        reason = SkipReason(result.skip_reason)
        outcome = {"details": {"key": reason.value, "message": SKIP_MESSAGES[reason]}}
    body["result"] = outcome
    if checked.voucher is not None:
        body["metadata"] = checked.voucher.metadata or {}
    elif checked.tier is not None:
        body["metadata"] = checked.tier.metadata or {}
        body["name"] = checked.tier.name
    if checked.campaign is not None:
        body["campaign_id"] = checked.campaign.id
        body["campaign_name"] = checked.campaign.name
    body["categories"] = [category_json(checked.category)] if checked.category is not None else []
    return body


def _channel(obj: Redemption | Rollback) -> dict:
    return {"channel_id": obj.channel_id or None, "channel_type": obj.channel_type}


def _related_object_id(redemption: Redemption) -> str | None:
    if redemption.related_object_type == RelatedObjectType.REDEMPTION:
        return redemption.id
    return redemption.voucher_id or redemption.promotion_tier_id


def _voucher_and_tier(redemption: Redemption) -> dict:
    body: dict[str, Any] = {}
    if redemption.voucher_id is not None and redemption.voucher is not None:
        body["voucher"] = voucher_json(redemption.voucher)
    if redemption.promotion_tier_id is not None and redemption.promotion_tier is not None:
        body["promotion_tier"] = tier_json(redemption.promotion_tier)
    return body


def redemption_json(
    redemption: Redemption,
    *,
    rollbacks: list[Rollback] | None = None,
    children: list[Redemption] | None = None,
    order: dict | None = None,
) -> dict:
    """A redemption (``r_``), a failed attempt (``rf_``) or a stacked parent. Reads ``voucher`` (with
    campaign and category), ``promotion_tier``, ``customer`` and ``order``: select_related them for lists.
    ``rollbacks`` / ``children`` default to a query each when not given."""
    if rollbacks is None:
        rollbacks = list(redemption.rollbacks.all())
    if children is None:
        children = list(redemption.children.all()) if redemption.is_stacked_parent else []
    failed = redemption.result == RedemptionResult.FAILURE
    body: dict[str, Any] = {
        "id": redemption.id,
        "object": "redemption",
        "date": iso(redemption.created_at),
        "customer_id": redemption.customer_id,
        "tracking_id": redemption.tracking_id or None,
        "metadata": redemption.metadata or {},
        "amount": redemption.amount,
        "redemption": redemption.parent_id,
        "result": redemption.result,
        "status": redemption.status,
        "session": {"key": redemption.session_key} if redemption.session_key else None,
        "related_redemptions": {
            "rollbacks": [{"id": rb.id, "date": iso(rb.created_at)} for rb in rollbacks],
            "redemptions": [{"id": child.id, "date": iso(child.created_at)} for child in children],
        },
        "failure_code": redemption.failure_code if failed else None,
        "failure_message": redemption.failure_message if failed else None,
        "order": order if order is not None else order_json(redemption.order),
        "channel": _channel(redemption),
        "customer": customer_json(redemption.customer),
        "related_object_type": redemption.related_object_type,
        "related_object_id": _related_object_id(redemption),
        **_voucher_and_tier(redemption),
    }
    if redemption.gift_amount or (redemption.voucher is not None and redemption.voucher.is_gift):
        body["gift"] = {"amount": redemption.gift_amount}
    if redemption.voucher_code and redemption.voucher_id is None:
        body["voucher_code"] = redemption.voucher_code  # a failed attempt on an unknown code
    return body


def rollback_json(rollback: Rollback, *, order: dict | None = None) -> dict:
    """A rollback (``rr_``) or a refused one (``rrf_``). Reads ``redemption`` and what redemption_json reads."""
    redemption = rollback.redemption
    failed = rollback.result == RedemptionResult.FAILURE
    body: dict[str, Any] = {
        "id": rollback.id,
        "object": "redemption_rollback",
        "date": iso(rollback.created_at),
        "customer_id": redemption.customer_id,
        "tracking_id": rollback.tracking_id or None,
        "metadata": rollback.metadata or {},
        "amount": rollback.amount,
        "redemption": redemption.id,
        "reason": rollback.reason or None,
        "result": rollback.result,
        "status": rollback.status,
        "failure_code": rollback.failure_code if failed else None,
        "failure_message": rollback.failure_message if failed else None,
        "order": order if order is not None else order_json(redemption.order),
        "channel": _channel(rollback),
        "customer": customer_json(redemption.customer),
        "related_object_type": redemption.related_object_type,
        "related_object_id": _related_object_id(redemption),
        **_voucher_and_tier(redemption),
    }
    if rollback.amount or (redemption.voucher is not None and redemption.voucher.is_gift):
        body["gift"] = {"amount": rollback.amount}
    return body


def entry_json(obj: Redemption | Rollback) -> dict:
    """A list entry: a redemption or a rollback."""
    return rollback_json(obj) if isinstance(obj, Rollback) else redemption_json(obj)
