"""Validation rules as a person reads them: one sentence per condition ("Order amount is at least 50.00",
"Customer is in segment Gold") and the logic in words, instead of the stored JSON.

The rule is read with the one parser (campaigns.rules.parse), so the page shows what the engine
evaluates; a rule that does not parse says so with the parser's own details. Every rule name of
campaigns.rules.RULE_NAMES has a subject in :data:`SUBJECTS` and every operator a phrase in
:data:`PHRASES` (tests/insights/test_rule_sentences.py walks the table, so a new name or operator cannot
go unsaid). The style is stacking/reasons.py's: a plain sentence, the key at hand for whoever needs it.
Money goes through dashboard.formatting.money.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from campaigns.rules import And, Condition, ItemRef, Kind, Logic, Not, Or, Ref, RuleSet, parse
from dashboard.formatting import money
from voucherhub.errors import DomainError

# rule name -> what the condition looks at, as the sentence's subject
SUBJECTS: dict[str, str] = {
    "order.amount": "Order amount",
    "order.initial_amount": "Order amount before discounts",
    "order.items.any": "The order contains at least one of",
    "order.items.every": "The order contains every one of",
    "order.items.none": "The order contains none of",
    "order.items.count": "Number of items in the order",
    "customer.segment": "Customer",
    "customer.metadata": "Customer metadata {property}",
    "order.metadata": "Order metadata {property}",
    "redemption.metadata": "Redemption metadata {property}",
    "redemption.count.per_customer": "A customer redeems it",
}

# operator -> the predicate after the subject; {values} are the condition's values in words
PHRASES: dict[str, str] = {
    "$is": "is {values}",
    "$is_not": "is not {values}",
    "$in": "is one of {values}",
    "$not_in": "is none of {values}",
    "$more_than": "is more than {values}",
    "$more_than_or_equal": "is at least {values}",
    "$less_than": "is less than {values}",
    "$less_than_or_equal": "is at most {values}",
    "$has_value": "has a value",
    "$is_unknown": "has no value",
    "$contains": "contains {values}",
    "$not_contain": "does not contain {values}",
    "$starts_with": "starts with {values}",
    "$ends_with": "ends with {values}",
}

# Segments read as memberships: "Customer is in segment Gold".
SEGMENT_PHRASES: dict[str, str] = {
    "$is": "is in segment {values}",
    "$in": "is in one of the segments {values}",
    "$is_not": "is not in segment {values}",
    "$not_in": "is in none of the segments {values}",
}

# A per-customer count reads as how often one customer may redeem (this redemption included).
COUNT_PHRASES: dict[str, str] = {
    "$less_than": "fewer than {values}, this redemption included",
    "$less_than_or_equal": "at most {values}, this redemption included",
}

MONEY_NAMES = frozenset({"order.amount", "order.initial_amount"})


@dataclass(frozen=True)
class ConditionSentence:
    number: str
    text: str
    error_message: str | None


@dataclass(frozen=True)
class RuleSentences:
    """A rule in words: its conditions, and when it passes. ``error``: why it cannot be read, if so."""

    conditions: tuple[ConditionSentence, ...] = ()
    logic: str = ""
    error: str = ""


def describe(body: Any, segment_names: Mapping[str, str] | None = None) -> RuleSentences:
    """``body`` (a ValidationRule's ``rules``) in sentences. ``segment_names``: segment id -> name."""
    try:
        rule_set = parse(body)
    except DomainError as error:
        return RuleSentences(error=f"This rule cannot be read, so it refuses every order: {error.details}.")
    names = segment_names or {}
    conditions = tuple(
        ConditionSentence(number, sentence(condition, names), condition.error_message)
        for number, condition in sorted(rule_set.conditions.items(), key=lambda item: int(item[0]))
    )
    return RuleSentences(conditions, logic_sentence(rule_set))


def segment_ids(body: Any) -> set[str]:
    """The segment ids a rule's customer.segment conditions name (to look their names up at once)."""
    try:
        rule_set = parse(body)
    except DomainError:
        return set()
    return {
        value
        for condition in rule_set.conditions.values()
        if condition.spec.kind is Kind.SEGMENT
        for _, values in condition.operators
        for value in values
    }


def sentence(condition: Condition, segment_names: Mapping[str, str]) -> str:
    """One condition as a sentence: "Order amount is at least 50.00"."""
    subject = SUBJECTS[condition.name].format(property=f"\u201c{condition.property}\u201d")
    shown = _value_reader(condition, segment_names)
    if condition.spec.kind is Kind.ITEMS:
        conjunction = "and" if condition.name == "order.items.every" else "or"
        refs = [shown(ref) for _, refs in condition.operators for ref in refs]
        return f"{subject}: {_joined(refs, conjunction)}."
    phrases = {Kind.SEGMENT: SEGMENT_PHRASES, Kind.COUNT: COUNT_PHRASES}.get(condition.spec.kind, PHRASES)
    parts = []
    for op, values in condition.operators:
        if op == "$is_not" and len(values) > 1:
            op = "$not_in"  # "is none of A or B" reads better than "is not A or B"
        parts.append(phrases[op].format(values=_joined([shown(value) for value in values], "or")))
    return f"{subject} {', and '.join(parts)}."


def _value_reader(condition: Condition, segment_names: Mapping[str, str]) -> Callable[[Any], str]:
    if condition.name in MONEY_NAMES:
        return money
    if condition.spec.kind is Kind.SEGMENT:
        return lambda value: segment_names.get(value, value)
    if condition.spec.kind is Kind.ITEMS:
        return _item
    if condition.spec.kind is Kind.COUNT:
        return lambda value: f"{value:,} time{'' if value == 1 else 's'}"
    return _scalar


def _item(ref: ItemRef) -> str:
    noun = "product" if ref.object == "product" else "SKU"
    if ref.id and ref.source_id:
        return f"{noun} {ref.id} ({ref.source_id})"
    return f"{noun} {ref.id or ref.source_id}"


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"{value:,}" if isinstance(value, int) else str(value)
    return f"\u201c{value}\u201d"


def _joined(words: list[str], conjunction: str) -> str:
    if len(words) <= 2:
        return f" {conjunction} ".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def logic_sentence(rule_set: RuleSet) -> str:
    """When the rule passes, in words: "Passes when condition 1 holds and condition 2 does not"."""
    if rule_set.logic is None:
        return "No conditions: every order and customer passes."
    tree = rule_set.logic
    if isinstance(tree, Ref):
        return f"Passes when condition {tree.number} holds."
    if isinstance(tree, And) and all(isinstance(op, Ref) for op in tree.operands):
        return "Passes when every condition holds."
    if isinstance(tree, Or) and all(isinstance(op, Ref) for op in tree.operands):
        return "Passes when at least one condition holds."
    return f"Passes when: {_logic(tree, top=True)}."


def _logic(node: Logic, *, top: bool = False) -> str:
    if isinstance(node, Ref):
        return node.number
    if isinstance(node, Not):
        return f"not {_logic(node.operand)}"
    keyword = " and " if isinstance(node, And) else " or "
    text = keyword.join(_logic(operand) for operand in node.operands)
    return text if top else f"({text})"
