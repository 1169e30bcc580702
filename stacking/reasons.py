"""What a person reads for each reason key: one sentence per key, the one table every page uses.

The engine, the checks and the API speak in keys (``exclusion_rules_not_met``, ``voucher_expired``,
``CATEGORY_HIERARCHY``); the wire keeps them and the platform's short messages. The dashboard shows these
sentences instead, with the key at hand for whoever reports it (``stacking_tags.reason``). Pure: no Django.
"""

from __future__ import annotations

from .checks import FailureCode
from .engine import ApplicationMode, SkipReason, SortingRule

SENTENCES: dict[str, str] = {
    # Why a redeemable was skipped (stacking.engine.SkipReason)
    SkipReason.APPLICABLE_REDEEMABLES_LIMIT_EXCEEDED: (
        "Not applied: the stack already reached the maximum number of applicable redeemables."
    ),
    SkipReason.APPLICABLE_REDEEMABLES_PER_CATEGORY_LIMIT_EXCEEDED: (
        "Not applied: the stack already reached the maximum number of redeemables from its category."
    ),
    SkipReason.APPLICABLE_EXCLUSIVE_REDEEMABLES_LIMIT_EXCEEDED: (
        "Not applied: the stack already reached the maximum number of exclusive redeemables."
    ),
    SkipReason.EXCLUSION_RULES_NOT_MET: (
        "Not applied: an exclusive redeemable in this stack excludes redeemables that are not exclusive or joint."
    ),
    SkipReason.PRECEDING_VALIDATION_FAILED: (
        "Not applied: another redeemable in the stack failed, and the stack applies all or nothing."
    ),
    # Why a redeemable failed (stacking.checks.FailureCode; not_found is resource_not_found's key on the wire)
    FailureCode.RESOURCE_NOT_FOUND: "No voucher or promotion tier has this code or id.",
    "not_found": "No voucher or promotion tier has this code or id.",
    FailureCode.VOUCHER_NOT_ACTIVE: "The voucher or its campaign has not started yet.",
    FailureCode.VOUCHER_EXPIRED: "The voucher or its campaign has expired.",
    FailureCode.VOUCHER_DISABLED: "The voucher or its campaign is disabled.",
    FailureCode.QUANTITY_EXCEEDED: "The voucher has been redeemed as many times as it may be.",
    FailureCode.GIFT_AMOUNT_EXCEEDED: "The gift card's balance does not cover the credits asked for.",
    FailureCode.ORDER_RULES_VIOLATED: "The order does not meet the validation rules.",
    FailureCode.CUSTOMER_RULES_VIOLATED: "The customer is not in the segment the validation rules require.",
    FailureCode.REDEMPTION_RULES_VIOLATED: "The redemption does not meet the validation rules.",
    FailureCode.INVALID_ORDER: "The order was sent in a shape that cannot be read.",
    FailureCode.INVALID_AMOUNT: "The order amount is not a valid amount.",
    FailureCode.MISSING_AMOUNT: "The order has no amount, and this redeemable needs one.",
    FailureCode.MISSING_ORDER_ITEMS: "The order has no items, and this redeemable needs them.",
    FailureCode.MISSING_CUSTOMER: "No customer was sent, and this redeemable needs one.",
    FailureCode.INVALID_PAYLOAD: "The request's data for this redeemable cannot be read.",
    # How the stack is applied (stacking.engine.ApplicationMode, SortingRule)
    ApplicationMode.ALL: "All or nothing: one redeemable that fails fails the whole stack.",
    ApplicationMode.PARTIAL: "Partial: the redeemables that pass apply, the others are reported.",
    SortingRule.REQUESTED_ORDER: "Applied in the order they were sent.",
    SortingRule.CATEGORY_HIERARCHY: "Applied by category hierarchy (lowest first), then those without a category.",
}


def sentence(key: str) -> str:
    """The sentence for ``key``; a key without one (a stored row from an older version) reads as itself,
    made readable."""
    key = str(key or "")
    return SENTENCES.get(key) or SENTENCES.get(key.lower()) or SENTENCES.get(key.upper()) or _readable(key)


def _readable(key: str) -> str:
    text = key.replace("_", " ").strip()
    return f"{text[:1].upper()}{text[1:].lower()}." if text else ""
