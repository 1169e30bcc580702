"""Wire shapes of validations, redemptions and rollbacks. The SDK parses these
strictly (``ValidationsValidateResponseBody``, ``RedemptionsRedeemResponseBody``, ``RedemptionsGetResponseBody``,
``RedemptionsRollbackCreateResponseBody`` ...): ints stay ints, enums stay in their sets, and optional
values are null or omitted rather than invented."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from campaigns.models import Order
from campaigns.serializers import customer_json, discount_json, tier_json, voucher_json
from stacking.engine import ApplicationMode, SkipReason, StackResult, Status
from stacking.serializers import category_json, stacking_rules_json
from voucherhub.api.errors import error_body
from voucherhub.wire import iso, number

from .models import Redemption, RedemptionResult, RelatedObjectType, Rollback
from .orders import OrderInput
from .queries import order_redemptions
from .records import SKIP_MESSAGES

if TYPE_CHECKING:
    from sessions.models import ValidationSession
    from stacking.engine import RedeemableResult

    from .services.evaluation import Checked
    from .services.redemption import RedemptionOutcome
    from .services.rollback import RollbackOutcome
    from .services.validation import ValidationOutcome


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
        error = checked.failure.error()
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
    if redemption.loyalty_points is not None:
        body["loyalty_card"] = {"points": redemption.loyalty_points}
    if redemption.reward_id is not None or redemption.reward_assignment_id:
        body["reward"] = _reward(redemption)
    return body


def _reward(redemption: Redemption) -> dict:
    """The reward a card's points paid for, and the voucher it gave (reads ``reward`` and ``reward_voucher``)."""
    reward = redemption.reward
    body: dict[str, Any] = {"id": redemption.reward_id, "assignment_id": redemption.reward_assignment_id or None,
                            "object": "reward", "customer": customer_json(redemption.customer)}  # fmt: skip
    if reward is not None:
        body |= {"name": reward.name, "type": reward.type, "metadata": reward.metadata or {},
                 "created_at": iso(reward.created_at), "updated_at": iso(reward.updated_at)}  # fmt: skip
        if reward.type == "MATERIAL":
            body["product"] = {"id": reward.product_id or None}
    if redemption.reward_voucher is not None:
        body["voucher"] = voucher_json(redemption.reward_voucher)
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


def entries_map(rows: list[Redemption], children: dict[str, list[str]]) -> dict:
    """``order.redemptions`` of the top-level redemptions ``rows`` (the children's ids by parent id).
    The redemption call of an order it created builds it from what it wrote (no query)."""
    result = {}
    for r in rows:
        entry = {
            "date": iso(r.created_at),
            "related_object_type": r.related_object_type,
            "related_object_id": r.voucher_id or r.promotion_tier_id or r.id,
            "related_object_parent_id": r.campaign_id,
        }
        if r.related_object_type == RelatedObjectType.REDEMPTION:
            entry["stacked"] = children.get(r.id, [])
        result[r.id] = entry
    return result


def rollback_call_json(outcome: RollbackOutcome, *, stacked: bool) -> dict:
    """The answer of ``POST /v1/redemptions/{id}/rollback`` (its rollback), or of ``.../rollbacks`` for a
    stacked parent (every child's rollback, the parent's, and the order)."""
    order = order_json(outcome.order, applied_discount_amount=0, with_redemptions=True)
    if not stacked:
        return rollback_json(outcome.rollbacks[0], order=order)
    answer = {"rollbacks": [rollback_json(rb, order=order) for rb in outcome.rollbacks], "order": order}
    if outcome.parent_rollback is not None:
        answer["parent_rollback"] = rollback_json(outcome.parent_rollback, order=order)
    return answer


def order_json(
    order: Order | None,
    *,
    applied_discount_amount: int | None = None,
    with_redemptions: bool = False,
    redemptions: dict | None = None,
) -> dict | None:
    """The calculated order. ``applied_discount_amount`` is what this call added.
    ``with_redemptions`` adds ``redemptions``: the given map (:func:`entries_map`), else read."""
    if order is None:
        return None
    applied = order.total_discount_amount if applied_discount_amount is None else applied_discount_amount
    body = {
        "id": order.id,
        "source_id": order.source_id,
        "status": order.status,
        "amount": order.amount,
        "initial_amount": order.initial_amount,
        "discount_amount": order.discount_amount,
        "items_discount_amount": order.items_discount_amount,
        "total_discount_amount": order.total_discount_amount,
        "total_amount": order.total_amount,
        "applied_discount_amount": applied,
        "items_applied_discount_amount": 0,
        "total_applied_discount_amount": applied,
        "items": order.items or [],
        "metadata": order.metadata or {},
        "customer_id": order.customer_id,
        "referrer_id": order.referrer_id,
        "customer": {"id": order.customer_id, "object": "customer"} if order.customer_id else None,
        "referrer": {"id": order.referrer_id, "object": "customer"} if order.referrer_id else None,
        "created_at": iso(order.created_at),
        "updated_at": iso(order.updated_at),
        "object": "order",
    }
    if with_redemptions:
        body["redemptions"] = redemptions if redemptions is not None else entries_map(*order_redemptions(order))
    return body


def unsaved_order_json(parsed: OrderInput, *, discount_amount: int, total_amount: int | None) -> dict:
    """The calculated order of a call whose order was not stored (its shape was wrong)."""
    return {
        "id": None,
        "source_id": parsed.source_id,
        "amount": parsed.amount if parsed.amount is not None and parsed.amount >= 0 else None,
        "discount_amount": discount_amount,
        "total_discount_amount": discount_amount,
        "total_amount": total_amount,
        "items": parsed.items,
        "metadata": parsed.metadata or {},
        "object": "order",
    }


def _lists(items: list[tuple[str, dict]], *, all_in_redeemables: bool) -> dict:
    """``redeemables`` / ``inapplicable_redeemables`` / ``skipped_redeemables`` of a call, from each
    redeemable's status and body (:func:`redeemable_json`)."""
    return {
        "redeemables": [body for status, body in items if all_in_redeemables or status == Status.APPLICABLE],
        "inapplicable_redeemables": [body for status, body in items if status == Status.INAPPLICABLE],
        "skipped_redeemables": [body for status, body in items if status == Status.SKIPPED],
    }


def _verdicts(checked: list[Checked], stack: StackResult, request_id: str | None, *, applied: bool) -> list:
    amount = stack.initial_amount
    return [
        (result.status, redeemable_json(c, result, order_amount=amount, request_id=request_id))
        for c, result in zip(checked, stack.results, strict=True)
        if applied or result.status != Status.APPLICABLE
    ]


def validation_call_json(outcome: ValidationOutcome, categories: list, *, request_id: str | None) -> dict:
    """The answer of ``POST /v1/validations``. In ALL mode every redeemable is listed in
    ``redeemables`` with its status; in PARTIAL mode only the applicable ones. The other two lists hold
    their own kind in both modes."""
    stack = outcome.stack
    if outcome.order is not None:
        order = order_json(outcome.order, applied_discount_amount=stack.total_discount_amount)
    else:
        order = unsaved_order_json(
            outcome.order_input, discount_amount=stack.total_discount_amount, total_amount=stack.total_amount
        )
    response = {
        "id": outcome.validation.id,
        "valid": stack.valid,
        **_lists(
            _verdicts(outcome.checked, stack, request_id, applied=True),
            all_in_redeemables=outcome.application_mode == ApplicationMode.ALL,
        ),
        "order": order,
        "tracking_id": outcome.validation.tracking_id,
        "stacking_rules": stacking_rules_json(outcome.settings_row, categories),
        "object": "validation",
    }
    if outcome.session is not None:
        response["session"] = session_json(outcome.session)
    return response


def redemption_call_json(outcome: RedemptionOutcome, *, request_id: str | None) -> dict:
    """The answer of a successful ``POST /v1/redemptions``: the redemptions made, the order,
    and the redeemables that were not applied (the applied ones are the redemptions)."""
    applied = outcome.stack.total_discount_amount
    if not outcome.order_created:
        new_order_redemptions = None  # read from the database: the order has other redemptions
    elif outcome.parent is not None:
        new_order_redemptions = entries_map([outcome.parent], {outcome.parent.id: [r.id for r in outcome.redemptions]})
    else:
        new_order_redemptions = entries_map(outcome.redemptions, {})
    order = order_json(
        outcome.order, applied_discount_amount=applied, with_redemptions=True, redemptions=new_order_redemptions
    )
    plain_order = order_json(outcome.order, applied_discount_amount=applied)
    lists = _lists(_verdicts(outcome.checked, outcome.stack, request_id, applied=False), all_in_redeemables=False)
    response = {
        "redemptions": [redemption_json(r, rollbacks=[], children=[], order=plain_order) for r in outcome.redemptions],
        "order": order,
        "inapplicable_redeemables": lists["inapplicable_redeemables"],
        "skipped_redeemables": lists["skipped_redeemables"],
    }
    if outcome.parent is not None:
        response["parent_redemption"] = redemption_json(
            outcome.parent, rollbacks=[], children=outcome.redemptions, order=plain_order
        )
    return response


def single_validation_json(code: str, stacked: dict) -> dict:
    """The answer of the single-code ``POST /v1/vouchers/{code}/validate``, from the stacked answer of that
    one voucher: valid with its discount (or gift) and the order, or not valid with the reason and error."""
    verdicts = stacked.get("redeemables") or stacked.get("inapplicable_redeemables") or [{}]
    verdict = verdicts[0]
    result = verdict.get("result") or {}
    body = {
        "valid": stacked["valid"],
        "code": code,
        "tracking_id": stacked.get("tracking_id"),
        "order": verdict.get("order") or stacked.get("order"),
        "metadata": verdict.get("metadata"),
        "campaign_id": verdict.get("campaign_id"),
        "applicable_to": verdict.get("applicable_to"),
        "inapplicable_to": verdict.get("inapplicable_to"),
    }
    if result.get("discount") is not None:
        body["discount"] = result["discount"]
    if result.get("gift") is not None:
        body["gift"] = result["gift"]
    if "session" in stacked:
        body["session"] = stacked["session"]
    if not stacked["valid"] and result.get("error"):
        body["reason"] = result["error"].get("details") or result["error"].get("message")
        body["error"] = result["error"]
    return body


def promotion_tier_json(tier, discount_amount: int) -> dict:
    """A tier of ``POST /v1/promotions/validation``: what it is and the discount it would give the order."""
    return {
        "id": tier.id,
        "object": "promotion_tier",
        "name": tier.name,
        "banner": tier.banner or None,
        "discount": discount_json(tier),
        "discount_amount": discount_amount,
        "applied_discount_amount": discount_amount,
        "hierarchy": tier.position,
        "campaign": {"id": tier.campaign_id, "name": tier.campaign.name, "object": "campaign"},
        "category_id": tier.category_id,
        "metadata": tier.metadata,
    }
