"""Small builders of the stacking engine's facts and readers of its results, shared by the engine tests."""

from decimal import Decimal

from stacking.engine import (
    CategoryFacts,
    DiscountFacts,
    Failure,
    OrderFacts,
    RedeemableFacts,
    StackingSettings,
    StackResult,
    evaluate_stack,
)

ORDER = 10_000
EXPIRED = Failure("voucher_expired", "Voucher expired", "expired on 2024-01-01")
NOT_FOUND = Failure("resource_not_found", "Voucher did not exist")


def cat(name: str, hierarchy: int = 1, eligibility: str = "", calculation: str = "DEFAULT") -> CategoryFacts:
    return CategoryFacts(
        id=f"cat_{name}", name=name, hierarchy=hierarchy, eligibility=eligibility, calculation=calculation
    )


def exclusive(name: str = "vip", hierarchy: int = 1) -> CategoryFacts:
    return cat(name, hierarchy, eligibility="EXCLUSIVE")


def joint(name: str = "always", hierarchy: int = 1) -> CategoryFacts:
    return cat(name, hierarchy, eligibility="JOINT")


def coupon(
    code: str,
    *,
    percent: str | None = None,
    amount: int | None = None,
    fixed: int | None = None,
    limit: int | None = None,
    category: CategoryFacts | None = None,
    failure: Failure | None = None,
    obj: str = "voucher",
) -> RedeemableFacts:
    """A discount voucher (or promotion tier with ``obj``); 5.00 off when no discount is given."""
    if percent is not None:
        discount = DiscountFacts("PERCENT", percent_off=Decimal(percent), amount_limit=limit)
    elif fixed is not None:
        discount = DiscountFacts("FIXED", fixed_amount=fixed, amount_limit=limit)
    else:
        discount = DiscountFacts("AMOUNT", amount_off=500 if amount is None else amount, amount_limit=limit)
    return RedeemableFacts(obj, code, failure=failure, category=category, discount=discount)


def gift(code: str, credits: int, *, category: CategoryFacts | None = None) -> RedeemableFacts:
    return RedeemableFacts("voucher", code, category=category, gift_credits=credits)


def run(redeemables: list[RedeemableFacts], amount: int = ORDER, **settings: object) -> StackResult:
    return evaluate_stack(StackingSettings(**settings), redeemables, OrderFacts(amount))


def outcome(result: StackResult) -> dict[str, str]:
    """``{id: "APPLICABLE" | "INAPPLICABLE:<code>" | "SKIPPED:<reason>"}`` in the requested order."""
    seen = {}
    for r in result.results:
        detail = r.failure.code if r.failure else r.skip_reason
        seen[r.id] = f"{r.status}:{detail}" if detail else str(r.status)
    return seen


def discounts(result: StackResult) -> dict[str, int]:
    return {r.id: r.discount_amount + r.gift_credits for r in result.results}


def applied_in_order(result: StackResult) -> list[str]:
    applied = [r for r in result.results if r.application_position is not None]
    return [r.id for r in sorted(applied, key=lambda r: r.application_position)]


def assert_totals_hold(result: StackResult) -> None:
    assert result.discount_amount == sum(r.discount_amount for r in result.results)
    assert result.gift_credits == sum(r.gift_credits for r in result.results)
    assert result.total_discount_amount == result.discount_amount + result.gift_credits
    assert result.total_amount == result.initial_amount - result.total_discount_amount >= 0


A = "APPLICABLE"
PRECEDING = "SKIPPED:preceding_validation_failed"
EXCLUDED = "SKIPPED:exclusion_rules_not_met"
OVER_LIMIT = "SKIPPED:applicable_redeemables_limit_exceeded"
OVER_EXCLUSIVE = "SKIPPED:applicable_exclusive_redeemables_limit_exceeded"
OVER_CATEGORY = "SKIPPED:applicable_redeemables_per_category_limit_exceeded"
