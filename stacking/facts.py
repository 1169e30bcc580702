"""Turning stored rows into the stacking engine's plain facts (the engine itself knows no models).

One place for the redemption services, the Stacking Rules simulator and the demo generator, so the
dashboard can never compute a stack differently from the API.
"""

from decimal import Decimal

from . import engine
from .models import Category, StackingRules


def settings_facts(rules: StackingRules) -> engine.StackingSettings:
    return engine.StackingSettings(
        redeemables_limit=rules.redeemables_limit,
        applicable_redeemables_limit=rules.applicable_redeemables_limit,
        applicable_exclusive_redeemables_limit=rules.applicable_exclusive_redeemables_limit,
        applicable_redeemables_per_category_limit=rules.applicable_redeemables_per_category_limit,
        application_mode=rules.redeemables_application_mode,
        sorting_rule=rules.redeemables_sorting_rule,
        default_calculation=rules.default_discount_calculation,
    )


def category_facts(category: Category | None) -> engine.CategoryFacts | None:
    if category is None:
        return None
    return engine.CategoryFacts(
        id=category.id,
        name=category.name,
        hierarchy=category.hierarchy,
        eligibility=category.stacking_rules_type,
        calculation=category.discount_calculation,
    )


def discount_facts(owner) -> engine.DiscountFacts | None:
    """The discount of a voucher or promotion tier (anything with the Discount columns), if it has one."""
    if not owner.discount_type:
        return None
    return engine.DiscountFacts(
        type=owner.discount_type,
        percent_off=Decimal(owner.percent_off) if owner.percent_off is not None else None,
        amount_off=owner.amount_off,
        fixed_amount=owner.fixed_amount,
        amount_limit=owner.amount_limit,
    )
