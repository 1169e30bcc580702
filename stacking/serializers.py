"""Wire shapes of stacking objects."""

from voucherhub.wire import iso

from .models import Category, StackingEligibility, StackingRules


def stacking_rules_json(rules: StackingRules, categories: list[Category] | None = None) -> dict:
    """The stacking-rules object returned in every validation (the SDK requires it there)."""
    if categories is None:
        categories = list(Category.with_own_eligibility())
    body = {
        "redeemables_limit": rules.redeemables_limit,
        "applicable_redeemables_limit": rules.applicable_redeemables_limit,
        "applicable_exclusive_redeemables_limit": rules.applicable_exclusive_redeemables_limit,
        "applicable_redeemables_category_limits": {},
        "exclusive_categories": [c.id for c in categories if c.stacking_rules_type == StackingEligibility.EXCLUSIVE],
        "joint_categories": [c.id for c in categories if c.stacking_rules_type == StackingEligibility.JOINT],
        "redeemables_application_mode": rules.redeemables_application_mode,
        "redeemables_sorting_rule": rules.redeemables_sorting_rule,
        "redeemables_products_application_mode": "STACK",
        "redeemables_no_effect_rule": "REDEEM_ANYWAY",
        "redeemables_rollback_order_mode": "WITH_ORDER",
    }
    if rules.applicable_redeemables_per_category_limit is not None:
        body["applicable_redeemables_per_category_limit"] = rules.applicable_redeemables_per_category_limit
    return body


def category_json(category: Category) -> dict:
    """A category as embedded in vouchers, campaigns and redeemable results."""
    body = {
        "id": category.id,
        "name": category.name,
        "hierarchy": category.hierarchy,
        "object": "category",
        "created_at": iso(category.created_at),
        "updated_at": iso(category.updated_at),
    }
    if category.stacking_rules_type:
        body["stacking_rules_type"] = category.stacking_rules_type
    return body
