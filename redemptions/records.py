"""What a Validation row keeps of each redeemable it judged (``Validation.redeemables``, a JSON list).

A record, not the API's answer: enough for the Validations tab (object, id, status, the reason and its
message) and for the campaign dashboards (``campaign_id``, found through a GIN index), and the amounts the
engine gave. Pure, so that the validation service and the demo's bulk loader store the same thing.
"""

from __future__ import annotations

from typing import Any

from stacking.checks import FailureCode
from stacking.engine import SkipReason

SKIP_MESSAGES = {
    SkipReason.APPLICABLE_REDEEMABLES_LIMIT_EXCEEDED: "Applicable redeemables limit exceeded",
    SkipReason.APPLICABLE_REDEEMABLES_PER_CATEGORY_LIMIT_EXCEEDED: "Applicable redeemables per category limit exceeded",
    SkipReason.APPLICABLE_EXCLUSIVE_REDEEMABLES_LIMIT_EXCEEDED: "Applicable exclusive redeemables limit exceeded",
    SkipReason.EXCLUSION_RULES_NOT_MET: "Exclusion rules not met",
    SkipReason.PRECEDING_VALIDATION_FAILED: "Preceding validation failed",
}


def redeemable_record(
    *,
    object: str,
    id: str,
    status: str,
    failure: FailureCode | None = None,
    skip_reason: str | None = None,
    campaign_id: str | None = None,
    discount_amount: int = 0,
    gift_credits: int = 0,
) -> dict[str, Any]:
    """One redeemable's verdict as stored. ``reason`` is the key the API answers (a failure's error key, a
    skip reason) and ``message`` its text."""
    record: dict[str, Any] = {"object": object, "id": id, "status": status}
    if failure is not None:
        record["reason"], record["message"] = failure.error_key, failure.label
    elif skip_reason is not None:
        reason = SkipReason(skip_reason)
        record["reason"], record["message"] = reason.value, SKIP_MESSAGES[reason]
    if campaign_id is not None:
        record["campaign_id"] = campaign_id
    if discount_amount or gift_credits:
        record["discount_amount"], record["gift_credits"] = discount_amount, gift_credits
    return record
