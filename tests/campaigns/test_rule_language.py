"""One rule language (campaigns/rules.py): what a rule may say is decided once, when it is written, and a
stored rule is evaluated exactly as it was accepted or not at all (it fails closed)."""

import pytest

from campaigns.models import ValidationRule
from campaigns.rules import MAX_CONDITIONS, MAX_DEPTH, MAX_LOGIC_LENGTH, MAX_VALUES, RuleContext, evaluate, parse
from campaigns.services.validation_rules import check_rules
from stacking.checks import FailureCode
from tests.factories import make_customer
from tests.redemptions.factories import make_segment
from voucherhub.errors import DomainError

pytestmark = pytest.mark.django_db

BIG = {"name": "order.amount", "conditions": {"$more_than": [10_000]}}  # holds for 32_000
SMALL = {"name": "order.amount", "conditions": {"$less_than": [10_000]}}  # fails for 32_000
GOLD = {"name": "customer.metadata", "property": "tier", "conditions": {"$is": ["gold"]}}


def body(*conditions: dict, logic: str | None) -> dict:
    rules: dict = {str(i): c for i, c in enumerate(conditions, start=1)}
    if logic is not None:
        rules["logic"] = logic
    return rules


def context(**fields) -> RuleContext:
    defaults = {
        "order_amount": 32_000,
        "items": [],
        "order_metadata": {},
        "customer": None,
        "redemption_metadata": {},
        "per_customer_count": lambda kind, ident: 0,
    }
    return RuleContext(**{**defaults, **fields})


def stored(rules: dict, message: str = "") -> ValidationRule:
    return ValidationRule(name="Rule", rules=rules, error_message=message)


def check(rules: dict, ctx: RuleContext | None = None, message: str = ""):
    return evaluate(stored(rules, message), ctx or context(), target=("voucher", "v_1"))


def refusal(rules) -> str:
    with pytest.raises(DomainError) as refused:
        check_rules(rules)
    assert refused.value.key == "invalid_validation_rules" and refused.value.message == "Invalid validation rules"
    return refused.value.details


@pytest.mark.parametrize(
    "logic, passes",
    [
        ("1 AND 2", False),
        ("1 Or 2", True),
        ("1 and not 2", True),
        ("NOT 2 AND 1", True),
        ("not (1 and 2)", True),
        ("not not 2", False),
        ("1 or 2 and 2", True),  # "and" binds tighter: 1 or (2 and 2)
        ("(1 or 2) and 2", False),
        ("1and(2or1)", True),
    ],
)
def test_keywords_in_any_case_and_not_are_accepted_when_written_and_read_the_same_way(logic, passes):
    # Before, the writer refused upper-case keywords and "not" while the evaluator read them.
    rules = body(BIG, SMALL, logic=logic)
    check_rules(rules)
    assert (check(rules) is None) is passes


@pytest.mark.parametrize(
    "rules, details",
    [
        (body(BIG, logic=None), "rules.logic: required, e.g. '1 and 2'"),
        (body(BIG, logic="1 and 2"), "rules.logic: rule 2 is not defined"),
        (body(BIG, logic="(1"), "rules.logic: unbalanced parentheses in '(1'"),
        (body(BIG, logic="1 and"), "rules.logic: '1 and' ends too early"),
        (body(BIG, logic="1 1"), "rules.logic: unexpected '1' in '1 1'"),
        (body(BIG, logic="1)"), "rules.logic: unexpected ')' in '1)'"),
        (
            body(BIG, logic="1 xor 1"),
            "rules.logic: cannot read '1 xor 1' (use rule numbers, and, or, not, parentheses)",
        ),
        (
            body(BIG, logic="1; drop"),
            "rules.logic: cannot read '1; drop' (use rule numbers, and, or, not, parentheses)",
        ),
        ({"logic": "1"}, "rules.logic: refers to rules that are not defined"),
        ({"x": BIG, "logic": "1"}, "rules.x: rule keys are numbers ('1', '2', ...) besides 'logic'"),
        (
            body({"name": "order.amount", "conditions": {"$is": ["32000"]}}, logic="1"),
            ("rules.1.conditions.$is: '32000' is not a number"),
        ),
        (
            body({"name": "order.amount", "conditions": {"$more_than": [1, 2]}}, logic="1"),
            ("rules.1.conditions.$more_than: $more_than compares with exactly one value"),
        ),
        (
            body({"name": "order.amount", "conditions": {"$more_than": [float("nan")]}}, logic="1"),
            ("rules.1.conditions.$more_than: nan is not a number"),
        ),
        (
            body({"name": "order.items.any", "conditions": {"$is": [{"object": "sku", "id": 7}]}}, logic="1"),
            ("rules.1.conditions.$is: items are {'object': 'product' | 'sku', 'id' or 'source_id'}"),
        ),
        (
            body({**GOLD, "property": ""}, logic="1"),
            "rules.1.property: customer.metadata needs the metadata key in 'property'",
        ),
        (
            body({"name": ["order.amount"], "conditions": {"$is": [1]}}, logic="1"),
            (
                "rules.1.name: ['order.amount'] is not supported; use one of order.amount, order.initial_amount, "
                "order.items.any, order.items.every, order.items.none, order.items.count, customer.segment, "
                "customer.metadata, order.metadata, redemption.metadata, redemption.count.per_customer"
            ),
        ),
        ([BIG], "rules: must be an object"),
    ],
    ids=lambda value: str(value)[:50],
)
def test_a_body_the_writer_refuses_says_why_and_a_stored_copy_fails_closed(rules, details):
    assert refusal(rules) == details
    failure = check(rules, message="Not for this order")
    assert failure.code == FailureCode.ORDER_RULES_VIOLATED
    assert failure.details == f"Rule: the rule cannot be read ({details})"
    assert failure.error_message == "Not for this order"


def test_a_segment_that_does_not_exist_is_refused_when_written_and_an_existing_one_accepted():
    segment = make_segment(make_customer())
    rules = body({"name": "customer.segment", "conditions": {"$in": [segment.pk, "seg_gone"]}}, logic="1")
    assert refusal(rules) == "rules.1.conditions.$in: 'seg_gone' is not a segment id"
    check_rules(body({"name": "customer.segment", "conditions": {"$in": [segment.pk]}}, logic="1"))


@pytest.mark.parametrize(
    "logic",
    [
        "(" * 5_000 + "1" + ")" * 5_000,
        "not " * 5_000 + "1",
        "(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1),
        "not " * (MAX_DEPTH + 1) + "1",
        "not (" * MAX_DEPTH + "1" + ")" * MAX_DEPTH,
    ],
    ids=["5000 parentheses", "5000 nots", "parentheses past the limit", "nots past the limit", "both"],
)
def test_a_logic_nested_too_deep_is_refused_with_a_clear_error_never_a_recursion_error(logic):
    rules = body(BIG, logic=logic)
    details = refusal(rules)
    too_long = f"rules.logic: at most {MAX_LOGIC_LENGTH} characters"
    assert details in (too_long, f"rules.logic: nested deeper than {MAX_DEPTH} levels (parentheses and 'not')")
    assert check(rules).code == FailureCode.ORDER_RULES_VIOLATED


def test_nesting_up_to_the_limit_is_accepted():
    rules = body(BIG, logic="(" * MAX_DEPTH + "1" + ")" * MAX_DEPTH)
    check_rules(rules)
    assert check(rules) is None
    rules = body(BIG, logic="not " * (MAX_DEPTH - 1) + "1")  # an odd number of "not": false
    check_rules(rules)
    assert check(rules).details == "Rule: not order.amount"


def test_a_rule_is_bounded_in_conditions_values_and_text():
    many = {str(i): BIG for i in range(1, MAX_CONDITIONS + 2)} | {"logic": "1"}
    assert refusal(many) == f"rules: at most {MAX_CONDITIONS} conditions"
    values = {"name": "order.amount", "conditions": {"$in": list(range(MAX_VALUES + 1))}}
    assert refusal(body(values, logic="1")) == f"rules.1.conditions.$in: at most {MAX_VALUES} values"
    split = {"name": "order.amount", "conditions": {"$in": list(range(60)), "$not_in": list(range(60))}}
    assert refusal(body(split, logic="1")) == f"rules.1.conditions: at most {MAX_VALUES} values"
    long_text = {**GOLD, "conditions": {"$is": ["x" * 501]}}
    assert refusal(body(long_text, logic="1")) == "rules.1.conditions.$is: texts are at most 500 characters"
    check_rules({str(i): BIG for i in range(1, MAX_CONDITIONS + 1)} | {"logic": "1"})


def test_a_not_that_makes_the_logic_false_reports_the_negated_condition_with_the_rules_message():
    gold = make_customer(metadata={"tier": "gold"})
    rules = body(BIG, {**GOLD, "error": {"message": "Gold only"}}, logic="1 and not 2")
    failure = check(rules, context(customer=gold), message="Not for gold customers")
    assert failure.code == FailureCode.CUSTOMER_RULES_VIOLATED
    assert (failure.details, failure.error_message) == ("Rule: not customer.metadata", "Not for gold customers")
    failure = check(body(SMALL, GOLD, logic="not 1 and not 2"), context(customer=gold))  # 1 failed: "not 1" held
    assert failure.details == "Rule: not customer.metadata"
    # A condition that failed under a "not" is not what made the logic false: the failing positive one is.
    many_items = {"name": "order.items.count", "conditions": {"$more_than": [5]}}
    failure = check(body(SMALL, many_items, logic="not 1 and 2"))
    assert failure.details == "Rule: order.items.count"
    failure = check(body(BIG, SMALL, logic="not 2 and 2"))
    assert failure.details == "Rule: order.amount" and failure.code == FailureCode.ORDER_RULES_VIOLATED


def test_conditions_are_evaluated_once_and_only_when_the_logic_needs_them():
    counted = []

    def count(kind: str, ident: str) -> int:
        counted.append((kind, ident))
        return 0

    once = {"name": "redemption.count.per_customer", "conditions": {"$less_than_or_equal": [1]}}
    shopper = make_customer()
    assert check(body(BIG, once, logic="1 or 2"), context(customer=shopper, per_customer_count=count)) is None
    assert counted == []
    assert (
        check(body(SMALL, once, logic="(2 and 2) or (1 and 2)"), context(customer=shopper, per_customer_count=count))
        is None
    )
    assert counted == [("voucher", "v_1")]


def test_a_rule_is_read_once_per_call():
    rule = stored(body(BIG, logic="1"))
    ctx = context()
    assert evaluate(rule, ctx, target=("voucher", "v_1")) is None
    rule.rules = body(SMALL, logic="1")  # changed while the call runs: the call keeps what it read
    assert evaluate(rule, ctx, target=("voucher", "v_1")) is None
    assert evaluate(rule, context(), target=("voucher", "v_1")).details == "Rule: order.amount"


def test_a_rule_without_conditions_always_passes():
    check_rules({})
    assert check({}) is None
    assert parse({"logic": ""}).logic is None


def test_a_stored_rule_that_no_longer_parses_is_named_when_the_database_is_checked(db):
    from django.core.checks import run_checks

    from campaigns.models import ValidationRule

    ValidationRule.objects.create(
        name="Readable", rules={"1": {"name": "order.amount", "conditions": {"$more_than": [1]}}, "logic": "1"}
    )
    bad = ValidationRule.objects.create(
        name="Old", rules={"1": {"name": "order.amount", "conditions": {"$more_than": [1, 2]}}, "logic": "1"}
    )
    warnings = [w for w in run_checks(databases=["default"]) if w.id == "campaigns.W001"]
    assert [w.obj for w in warnings] == [bad.id]
    assert "Old" in warnings[0].msg and "exactly one value" in warnings[0].msg
    assert not [w for w in run_checks() if w.id == "campaigns.W001"]  # only when the database is checked
