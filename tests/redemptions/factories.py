"""Factories for engine tests: rules, tiers, categories, and request bodies in the platform's shape."""

import itertools
from datetime import timedelta

from django.utils import timezone

from campaigns.models import (
    CampaignType,
    DiscountType,
    PromotionTier,
    Segment,
    ValidationRule,
    ValidationRuleAssignment,
)
from stacking.models import Category, StackingRules
from tests.factories import make_campaign

_seq = itertools.count(1)


def make_rule(*conditions: dict, logic: str | None = None, error_message: str = "", **target) -> ValidationRule:
    """A validation rule with numbered conditions, assigned to ``voucher=``, ``campaign=`` or ``promotion_tier=``."""
    rules: dict = {str(i): condition for i, condition in enumerate(conditions, start=1)}
    rules["logic"] = logic or " and ".join(str(i) for i in range(1, len(conditions) + 1))
    rule = ValidationRule.objects.create(name=f"Rule {next(_seq)}", rules=rules, error_message=error_message)
    if target:
        ValidationRuleAssignment.objects.create(rule=rule, **target)
    return rule


def make_tier(*, percent_off: int = 10, campaign=None, **fields) -> PromotionTier:
    campaign = campaign or make_campaign(campaign_type=CampaignType.PROMOTION)
    n = next(_seq)
    defaults = {
        "name": f"Tier {n}",
        "position": n,
        "discount_type": DiscountType.PERCENT,
        "percent_off": percent_off,
    }
    return PromotionTier.objects.create(campaign=campaign, **{**defaults, **fields})


def make_category(*, hierarchy: int = 1, **fields) -> Category:
    return Category.objects.create(name=f"Category {next(_seq)}", hierarchy=hierarchy, **fields)


def make_segment(*customers, **fields) -> Segment:
    segment = Segment.objects.create(name=f"Segment {next(_seq)}", **fields)
    if customers:
        segment.customers.add(*customers)
    return segment


def stacking(**fields) -> StackingRules:
    rules = StackingRules.load()
    for name, value in fields.items():
        setattr(rules, name, value)
    rules.save()
    return rules


def voucher(code: str, **extra) -> dict:
    return {"object": "voucher", "id": code, **extra}


def tier(tier_id: str) -> dict:
    return {"object": "promotion_tier", "id": tier_id}


def body(*redeemables: dict, amount: int | None = 10_000, customer: str | None = "shopper-1", **extra) -> dict:
    """A validation or redemption request: the redeemables, an order of ``amount`` and a customer."""
    request: dict = {"redeemables": list(redeemables)}
    if amount is not None:
        request["order"] = {"amount": amount}
    if customer is not None:
        request["customer"] = {"source_id": customer}
    request.update(extra)
    return request


def days_ago(days: float):
    return timezone.now() - timedelta(days=days)


def parses(model: str, response_body: dict):
    """The official SDK's strict model accepts the body (what its client does with every 2xx answer)."""
    import voucherify.models

    return getattr(voucherify.models, model).from_dict(response_body)
