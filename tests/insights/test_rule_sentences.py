"""Validation rules read as sentences on a campaign's Rules tab: every rule name and operator the one parser
(campaigns.rules) accepts has words, money reads as money, segments by their names, and a rule that does not
parse says why instead of showing JSON."""

import pytest

from campaigns.models import Segment, ValidationRule, ValidationRuleAssignment
from campaigns.rules import RULE_NAMES, VALUELESS, Kind, parse
from insights.rule_sentences import PHRASES, SUBJECTS, describe
from tests.factories import make_campaign

SAMPLE_VALUES = {
    Kind.NUMBER: [5000],
    Kind.COUNT: [2],
    Kind.ITEMS: [{"object": "sku", "id": "sku_1"}],
    Kind.SEGMENT: ["seg_gold"],
    Kind.SCALAR: ["gold"],
}
EVERY_NAME_AND_OPERATOR = [(name, op) for name, spec in RULE_NAMES.items() for op in sorted(spec.operators)]


def body(name: str, op: str, values=None) -> dict:
    spec = RULE_NAMES[name]
    condition = {"name": name, "conditions": {op: [] if op in VALUELESS else (values or SAMPLE_VALUES[spec.kind])}}
    if spec.needs_property:
        condition["property"] = "tier"
    return {"1": condition, "logic": "1"}


def test_the_tables_name_every_rule_name_and_operator_of_the_parser():
    assert set(SUBJECTS) == set(RULE_NAMES)
    assert set().union(*(spec.operators for spec in RULE_NAMES.values())) <= set(PHRASES)


@pytest.mark.parametrize(("name", "op"), EVERY_NAME_AND_OPERATOR)
def test_every_rule_name_and_operator_reads_as_a_sentence(name, op):
    parse(body(name, op))  # the sample is a rule the engine accepts
    words = describe(body(name, op), {"seg_gold": "Gold"})
    assert not words.error and len(words.conditions) == 1
    text = words.conditions[0].text
    assert text.endswith(".") and text[0].isupper()
    assert "$" not in text and "{" not in text and name not in text  # no operator keys, no JSON, no raw name


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (body("order.amount", "$more_than_or_equal", [5000]), "Order amount is at least €50.00."),
        (body("order.amount", "$less_than", [1000]), "Order amount is less than €10.00."),
        (body("order.items.count", "$more_than", [2]), "Number of items in the order is more than 2."),
        (body("customer.segment", "$is", ["seg_gold"]), "Customer is in segment Gold."),
        (
            body("customer.segment", "$not_in", ["seg_gold", "seg_x"]),
            "Customer is in none of the segments Gold or seg_x.",
        ),
        (
            body("customer.metadata", "$in", ["gold", "silver"]),
            "Customer metadata \u201ctier\u201d is one of \u201cgold\u201d or \u201csilver\u201d.",
        ),
        (body("order.metadata", "$has_value"), "Order metadata \u201ctier\u201d has a value."),
        (
            body("order.items.every", "$in", [{"object": "sku", "id": "a"}, {"object": "product", "source_id": "p"}]),
            "The order contains every one of: SKU a and product p.",
        ),
        (
            body("redemption.count.per_customer", "$less_than_or_equal", [1]),
            "A customer redeems it at most 1 time, this redemption included.",
        ),
    ],
)
def test_conditions_read_as_a_person_would_say_them(rule, expected):
    assert describe(rule, {"seg_gold": "Gold"}).conditions[0].text == expected


def test_the_logic_reads_in_words():
    two = {"1": body("order.amount", "$more_than", [1])["1"], "2": body("order.items.count", "$more_than", [1])["1"]}
    assert describe({**two, "logic": "1 and 2"}).logic == "Passes when every condition holds."
    assert describe({**two, "logic": "1 or 2"}).logic == "Passes when at least one condition holds."
    assert describe({**two, "logic": "1 and not 2"}).logic == "Passes when: 1 and not 2."
    assert describe({}).logic == "No conditions: every order and customer passes."


def test_a_rule_that_does_not_parse_says_why():
    words = describe({"1": {"name": "order.colour", "conditions": {"$is": ["red"]}}, "logic": "1"})
    assert words.error.startswith("This rule cannot be read, so it refuses every order: rules.1.name:")
    assert "'order.colour' is not supported" in words.error


def test_the_rules_tab_shows_sentences_with_segment_names(client, role_user):
    campaign = make_campaign(name="Gold only")
    gold = Segment.objects.create(name="Gold")
    rule = ValidationRule.objects.create(
        name="Gold over 50",
        rules={
            "1": {"name": "order.amount", "conditions": {"$more_than_or_equal": [5000]}},
            "2": {"name": "customer.segment", "conditions": {"$is": [gold.pk]}, "error": {"message": "Gold only"}},
            "logic": "1 and 2",
        },
    )
    ValidationRuleAssignment.objects.create(rule=rule, campaign=campaign)
    broken = ValidationRule.objects.create(name="Broken", rules={"1": {"name": "nope"}})
    ValidationRuleAssignment.objects.create(rule=broken, campaign=campaign)
    client.force_login(role_user("Marketer"))
    html = client.get(f"/campaigns/{campaign.pk}/rules/").content.decode()
    assert "Order amount is at least €50.00." in html and "Customer is in segment Gold." in html
    assert "Passes when every condition holds." in html and "Gold only" in html
    assert "This rule cannot be read, so it refuses every order" in html
