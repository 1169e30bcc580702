"""Validation rules in the platform's shape (campaigns/rules.py), evaluated for one redeemable."""

import pytest

from campaigns.models import ValidationRule
from campaigns.rules import RuleContext, evaluate
from redemptions.services.redemption import redeem
from redemptions.services.validation import validate
from stacking.checks import FailureCode
from tests.factories import make_campaign, make_customer, make_voucher, stack
from tests.redemptions.factories import body, make_rule, make_segment, make_tier, voucher
from voucherhub.caller import Caller

pytestmark = pytest.mark.django_db

SNEAKERS = {"object": "product", "source_id": "sneakers"}
SOCKS = {"object": "sku", "id": "sku_socks"}
ORDER_LINES = [
    {"product": {"source_id": "sneakers"}, "quantity": 1, "amount": 30_000},
    {"sku_id": "sku_socks", "related_object": "sku", "quantity": 2, "amount": 2_000},
]


EVERY = "every condition"  # the default logic: "1 and 2 and ..."


def rule(*conditions: dict, logic: str | None = EVERY, message: str = "") -> ValidationRule:
    """An unsaved rule; ``logic=None`` leaves the logic out (a body the writer refuses)."""
    rules: dict = {str(i): c for i, c in enumerate(conditions, start=1)}
    if logic is EVERY:
        logic = " and ".join(rules)
    if logic is not None:
        rules["logic"] = logic
    return ValidationRule(name="Rule", rules=rules, error_message=message)


def context(**fields) -> RuleContext:
    defaults = {
        "order_amount": 32_000,
        "items": ORDER_LINES,
        "order_metadata": {"channel": "web"},
        "customer": None,
        "redemption_metadata": {},
        "per_customer_count": lambda kind, ident: 0,
    }
    return RuleContext(**{**defaults, **fields})


def check(r: ValidationRule, ctx: RuleContext | None = None):
    return evaluate(r, ctx or context(), target=("voucher", "v_1"))


def amount(op: str, value) -> dict:
    return {"name": "order.amount", "conditions": {op: [value]}}


@pytest.mark.parametrize(
    "op, value, passes",
    [
        ("$more_than", 31_999, True),
        ("$more_than", 32_000, False),
        ("$more_than_or_equal", 32_000, True),
        ("$less_than", 32_000, False),
        ("$less_than_or_equal", 32_000, True),
        ("$is", 32_000, True),
        ("$is_not", 32_000, False),
    ],
)
def test_order_amount_conditions(op, value, passes):
    failure = check(rule(amount(op, value)))
    assert (failure is None) is passes
    if not passes:
        assert failure.code == FailureCode.ORDER_RULES_VIOLATED


def test_logic_combines_conditions_with_and_or_not_and_parentheses():
    too_small, big_enough, web = (
        amount("$more_than", 50_000),
        amount("$more_than", 10_000),
        {
            "name": "order.metadata",
            "property": "channel",
            "conditions": {"$is": ["web"]},
        },
    )
    assert check(rule(too_small, big_enough, logic="1 or 2")) is None
    assert check(rule(too_small, big_enough, logic="1 and 2")) is not None
    assert check(rule(too_small, big_enough, web, logic="(1 or 2) and 3")) is None
    assert check(rule(too_small, big_enough, logic="not 1 and 2")) is None
    assert check(rule(too_small, big_enough, logic=None)) is not None  # no logic: refused, fails closed


def test_the_first_failing_condition_named_by_the_logic_is_reported_with_its_message():
    customer_rule = {"name": "customer.metadata", "property": "tier", "conditions": {"$is": ["gold"]}}
    order_rule = {**amount("$more_than", 50_000), "error": {"message": "Spend more"}}

    failure = check(rule(customer_rule, order_rule, logic="2 and 1", message="Rule message"))

    assert failure.code == FailureCode.ORDER_RULES_VIOLATED and failure.error_message == "Spend more"
    failure = check(rule(customer_rule, order_rule, logic="1 and 2", message="Rule message"))
    assert failure.code == FailureCode.CUSTOMER_RULES_VIOLATED and failure.error_message == "Rule message"


@pytest.mark.parametrize(
    "name, spec, passes",
    [
        ("order.items.any", [SNEAKERS, {"object": "product", "source_id": "jacket"}], True),
        ("order.items.any", [{"object": "product", "source_id": "jacket"}], False),
        ("order.items.every", [SNEAKERS, SOCKS], True),
        ("order.items.every", [SNEAKERS, {"object": "sku", "id": "sku_hat"}], False),
        ("order.items.none", [{"object": "product", "source_id": "jacket"}], True),
        ("order.items.none", [SOCKS], False),
    ],
)
def test_required_order_items(name, spec, passes):
    assert (check(rule({"name": name, "conditions": {"$is": spec}})) is None) is passes


def test_an_item_rule_without_items_is_missing_order_items():
    failure = check(rule({"name": "order.items.any", "conditions": {"$is": [SNEAKERS]}}), context(items=[]))
    assert failure.code == FailureCode.MISSING_ORDER_ITEMS


def test_item_count():
    assert check(rule({"name": "order.items.count", "conditions": {"$more_than_or_equal": [2]}})) is None
    assert check(rule({"name": "order.items.count", "conditions": {"$more_than": [2]}})) is not None


def test_customer_segments_static_and_auto_update():
    member, stranger = make_customer(metadata={"tier": "gold"}), make_customer(metadata={"tier": "bronze"})
    static = make_segment(member)
    gold = make_segment(type="auto-update", filter={"tier": ["gold", "platinum"]})
    for segment in (static, gold):
        condition = rule({"name": "customer.segment", "conditions": {"$in": [segment.id]}})
        assert check(condition, context(customer=member)) is None
        assert check(condition, context(customer=stranger)).code == FailureCode.CUSTOMER_RULES_VIOLATED
        assert check(condition, context(customer=None)).code == FailureCode.CUSTOMER_RULES_VIOLATED


def test_customer_metadata_numbers_and_lists():
    shopper = make_customer(metadata={"age": 30, "country": "PL"})
    adult = rule({"name": "customer.metadata", "property": "age", "conditions": {"$more_than_or_equal": [18]}})
    eu = rule({"name": "customer.metadata", "property": "country", "conditions": {"$in": ["PL", "DE"]}})
    assert check(adult, context(customer=shopper)) is None
    assert check(eu, context(customer=shopper)) is None
    assert check(eu, context(customer=make_customer(metadata={"country": "US"}))) is not None


def test_per_customer_limit_counts_this_redemption_and_needs_a_customer():
    once = rule({"name": "redemption.count.per_customer", "conditions": {"$less_than_or_equal": [1]}})
    shopper = make_customer()
    assert check(once, context(customer=shopper, per_customer_count=lambda kind, ident: 0)) is None
    used = check(once, context(customer=shopper, per_customer_count=lambda kind, ident: 1))
    assert used.code == FailureCode.REDEMPTION_RULES_VIOLATED
    assert check(once, context(customer=None)).code == FailureCode.MISSING_CUSTOMER


def test_redemption_metadata():
    pos_only = rule({"name": "redemption.metadata", "property": "store", "conditions": {"$is": ["pos"]}})
    assert check(pos_only, context(redemption_metadata={"store": "pos"})) is None
    assert check(pos_only, context(redemption_metadata={})).code == FailureCode.REDEMPTION_RULES_VIOLATED


def test_an_unknown_rule_name_fails_closed():
    assert check(rule({"name": "order.weather", "conditions": {"$is": ["sunny"]}})) is not None


@pytest.mark.parametrize("where", ["voucher's campaign", "tier", "tier's campaign"])
def test_rules_on_a_campaign_or_a_promotion_tier_hold_for_validations_and_redemptions(where):
    coupon, tier = make_voucher(code="COUPON", campaign=make_campaign()), make_tier()
    target = {"voucher's campaign": {"campaign": coupon.campaign}, "tier": {"promotion_tier": tier}}
    make_rule(amount("$more_than", 20_000), **target.get(where, {"campaign": tier.campaign}))
    ruled = voucher("COUPON") if where == "voucher's campaign" else {"object": "promotion_tier", "id": tier.pk}
    caller = Caller.system("tests")

    def attempt(amount_sent: int):
        request = body(ruled, amount=amount_sent)
        return redeem(stack(**{k: request.get(k) for k in ("redeemables", "order", "customer")}), caller=caller)

    small = validate(stack(**body(ruled, amount=10_000)), caller=caller)
    assert small.stack.valid is False and small.checked[0].failure.code == FailureCode.ORDER_RULES_VIOLATED
    assert attempt(10_000).error.key == "order_rules_violated"
    assert attempt(30_000).error is None
