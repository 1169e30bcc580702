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
from redemptions.models import Redemption, RedemptionResult, RedemptionStatus
from redemptions.services.redemption import redeem
from stacking.checks import FailureCode
from stacking.models import Category, StackingRules
from tests.factories import make_campaign, make_voucher, stack
from voucherhub.caller import Caller
from voucherhub.ids import new_id

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


def make_user(role_user, role: str):
    return role_user(None, superuser=True) if role == "superuser" else role_user(role)


def make_redemption(*, failed: bool = False, days_ago: float = 0, **fields) -> Redemption:
    """A stored redemption row, as the API leaves it (no engine run: list tests need many, fast)."""
    defaults = {
        "id": new_id("rf_" if failed else "r_"),
        "created_at": timezone.now() - timedelta(days=days_ago),
        "result": RedemptionResult.FAILURE if failed else RedemptionResult.SUCCESS,
        "status": RedemptionStatus.FAILED if failed else RedemptionStatus.SUCCEEDED,
        "failure_code": FailureCode.VOUCHER_EXPIRED if failed else "",
        "failure_message": FailureCode.VOUCHER_EXPIRED.label if failed else "",
        "related_object_type": "voucher",
        "voucher_code": "",
        "amount": 1_000,
        "channel_id": "shop-key",
    }
    redemption = Redemption(**{**defaults, **fields})
    if redemption.voucher and not redemption.voucher_code:
        redemption.voucher_code = redemption.voucher.code
    redemption.save(force_insert=True)
    return redemption


def redeemed(code: str = "ROLL-ME", **voucher_fields) -> Redemption:
    """A real redemption made by the engine (events, order, voucher quantity taken)."""
    campaign = make_campaign(name=f"Rollback campaign {code}")
    make_voucher(code=code, campaign=campaign, **voucher_fields)
    outcome = redeem(
        stack(
            redeemables=[{"object": "voucher", "id": code}],
            order={"amount": 10_000, "items": [{"sku_id": "sku-1", "quantity": 2, "price": 5_000}]},
            customer={"source_id": "shopper-1", "name": "Ada Shopper", "email": "ada@example.com"},
            metadata={"source": "web"},
        ),
        caller=Caller.system("test"),
    )
    assert outcome.error is None, outcome.error
    return outcome.redemptions[0]


def stacked_redeemed(*codes: str) -> tuple[Redemption, list[Redemption]]:
    """A stacked redemption made by the engine: its parent and one child per voucher code."""
    campaign = make_campaign(name=f"Stacked campaign {codes[0]}")
    for code in codes:
        make_voucher(code=code, campaign=campaign)
    outcome = redeem(
        stack(redeemables=[{"object": "voucher", "id": code} for code in codes], order={"amount": 10_000}),
        caller=Caller.system("test"),
    )
    assert outcome.error is None and outcome.parent is not None, outcome.error
    return outcome.parent, outcome.redemptions
