"""Validation rules in the platform's shape (API.md section 7), evaluated for one redeemable.

A rule's ``rules`` holds numbered conditions and a ``logic`` expression::

    {"1": {"name": "order.amount", "conditions": {"$more_than_or_equal": [10000]}},
     "2": {"name": "customer.metadata", "property": "tier", "conditions": {"$in": ["gold", "platinum"]}},
     "logic": "1 and 2"}

Each condition passes or fails with the failure code of its kind (``order_rules_violated``,
``customer_rules_violated``, ``redemption_rules_violated``), or with a "missing" code when the data it
needs was not sent (``missing_order_items``, ``missing_customer``). The rule fails when its logic is
false; it reports the first failing condition in the order the logic names them, with the condition's
``error.message`` or else the rule's own as the custom message. Without ``logic`` all conditions must
pass. Nested ``rules`` inside a condition (per-item sub-conditions) are not evaluated (not supported).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from campaigns.models import Customer, Segment, ValidationRule
from stacking.checks import FailureCode

ORDER = FailureCode.ORDER_RULES_VIOLATED
CUSTOMER = FailureCode.CUSTOMER_RULES_VIOLATED
REDEMPTION = FailureCode.REDEMPTION_RULES_VIOLATED

# The rule names VoucherHub evaluates (API.md section 7). Anything else fails closed (order_rules_violated).
SUPPORTED_NAMES = (
    "order.amount",
    "order.initial_amount",
    "order.items.any",
    "order.items.every",
    "order.items.none",
    "order.items.count",
    "order.metadata",
    "customer.segment",
    "customer.metadata",
    "redemption.count.per_customer",
    "redemption.metadata",
)


@dataclass(frozen=True)
class RuleFailure:
    code: FailureCode
    details: str
    error_message: str | None = None


@dataclass
class RuleContext:
    """What the conditions look at. ``per_customer_count(target)`` counts the customer's successful,
    not rolled back redemptions of the rule's target (voucher, campaign or promotion tier)."""

    order_amount: int | None
    items: Sequence[Mapping[str, Any]]
    order_metadata: Mapping[str, Any]
    customer: Customer | None
    redemption_metadata: Mapping[str, Any]
    per_customer_count: Callable[[str, str], int]
    _segments: dict[str, bool] = field(default_factory=dict)

    def in_segment(self, segment_id: str) -> bool:
        if self.customer is None:
            return False
        if segment_id not in self._segments:
            segment = Segment.objects.filter(pk=segment_id).first()
            if segment is None:
                member = False
            elif segment.type == Segment.Type.STATIC:
                member = segment.customers.filter(pk=self.customer.pk).exists()
            else:
                member = _matches_filter(self.customer.metadata or {}, segment.filter or {})
            self._segments[segment_id] = member
        return self._segments[segment_id]


def _matches_filter(metadata: Mapping[str, Any], conditions: Mapping[str, Any]) -> bool:
    """An auto-update segment's filter: every key must match; a list means any of its values."""
    for key, expected in conditions.items():
        allowed = expected if isinstance(expected, list) else [expected]
        if metadata.get(key) not in allowed:
            return False
    return True


def evaluate(rule: ValidationRule, ctx: RuleContext, *, target: tuple[str, str]) -> RuleFailure | None:
    """None when ``rule`` passes for this call, else why it failed. ``target`` is the rule assignment's
    ``(related_object_type, related_object_id)``, the scope of per-customer counts."""
    spec = rule.rules if isinstance(rule.rules, dict) else {}
    conditions = {str(k): v for k, v in spec.items() if k != "logic" and isinstance(v, dict)}
    if not conditions:
        return None
    outcomes: dict[str, RuleFailure | None] = {}
    for number, condition in conditions.items():
        outcomes[number] = _condition(condition, ctx, target, rule)
    logic = spec.get("logic")
    order = _numbers_in(logic, conditions) if isinstance(logic, str) and logic.strip() else sorted(conditions, key=_key)
    try:
        passed = _Logic(logic, outcomes).parse() if isinstance(logic, str) and logic.strip() else None
    except ValueError:
        passed = None
    if passed is None:  # no logic, or logic we cannot read: every condition must pass
        passed = all(outcome is None for outcome in outcomes.values())
    if passed:
        return None
    for number in order:
        if outcomes.get(number) is not None:
            return outcomes[number]
    # The logic failed although no condition did (e.g. "not 1"): report the rule's first condition.
    first = conditions[sorted(conditions, key=_key)[0]]
    return RuleFailure(_kind_code(str(first.get("name", ""))), rule.name, rule.error_message or None)


def _key(number: str) -> tuple[int, str]:
    return (int(number), number) if number.isdigit() else (10**9, number)


def _numbers_in(logic: str, conditions: Mapping[str, Any]) -> list[str]:
    seen: list[str] = []
    for token in re.findall(r"\d+", logic):
        if token in conditions and token not in seen:
            seen.append(token)
    return seen + [n for n in sorted(conditions, key=_key) if n not in seen]


class _Logic:
    """``1 and (2 or not 3)``: numbers, and/or/not, parentheses; ``not`` > ``and`` > ``or``."""

    def __init__(self, text: str, outcomes: Mapping[str, RuleFailure | None]):
        self.tokens = re.findall(r"\d+|\(|\)|[A-Za-z]+|\S", text)
        self.pos = 0
        self.outcomes = outcomes

    def parse(self) -> bool:
        value = self._or()
        if self.pos != len(self.tokens):
            raise ValueError("trailing tokens")
        return value

    def _peek(self) -> str | None:
        return self.tokens[self.pos].lower() if self.pos < len(self.tokens) else None

    def _take(self) -> str:
        token = self._peek()
        if token is None:
            raise ValueError("unexpected end")
        self.pos += 1
        return token

    def _or(self) -> bool:
        value = self._and()
        while self._peek() == "or":
            self._take()
            right = self._and()
            value = value or right
        return value

    def _and(self) -> bool:
        value = self._not()
        while self._peek() == "and":
            self._take()
            right = self._not()
            value = value and right
        return value

    def _not(self) -> bool:
        if self._peek() == "not":
            self._take()
            return not self._not()
        return self._atom()

    def _atom(self) -> bool:
        token = self._take()
        if token == "(":
            value = self._or()
            if self._take() != ")":
                raise ValueError("missing )")
            return value
        if token.isdigit() and token in self.outcomes:
            return self.outcomes[token] is None
        raise ValueError(f"unexpected {token!r}")


def _kind_code(name: str) -> FailureCode:
    if name.startswith("customer."):
        return CUSTOMER
    if name.startswith("redemption."):
        return REDEMPTION
    return ORDER


def _condition(
    condition: Mapping[str, Any], ctx: RuleContext, target: tuple[str, str], rule: ValidationRule
) -> RuleFailure | None:
    name = str(condition.get("name", ""))
    ops = condition.get("conditions") if isinstance(condition.get("conditions"), dict) else {}
    error = condition.get("error")
    message = (error.get("message") if isinstance(error, dict) else None) or rule.error_message or None
    code = _kind_code(name)

    def fail(failure_code: FailureCode = code, details: str = "") -> RuleFailure:
        return RuleFailure(failure_code, details or f"{rule.name}: {name}", message)

    if name in ("order.amount", "order.initial_amount"):
        return None if _compare(ctx.order_amount, ops) else fail()
    if name == "order.items.count":
        return None if _compare(len(ctx.items), ops) else fail()
    if name in ("order.items.any", "order.items.every", "order.items.none"):
        wanted = [spec for values in ops.values() for spec in _as_list(values) if isinstance(spec, dict)]
        if not ctx.items:
            if name == "order.items.none":
                return None
            return fail(FailureCode.MISSING_ORDER_ITEMS, f"{rule.name}: the order has no items")
        present = [any(_item_matches(item, spec) for item in ctx.items) for spec in wanted]
        if name == "order.items.any":
            ok = any(present)
        elif name == "order.items.every":
            ok = all(present)
        else:
            ok = not any(present)
        return None if ok else fail()
    if name == "order.metadata":
        return None if _compare(_lookup(ctx.order_metadata, condition.get("property")), ops) else fail()
    if name == "redemption.metadata":
        return None if _compare(_lookup(ctx.redemption_metadata, condition.get("property")), ops) else fail()
    if name == "customer.metadata":
        metadata = ctx.customer.metadata if ctx.customer is not None else {}
        return None if _compare(_lookup(metadata or {}, condition.get("property")), ops) else fail()
    if name == "customer.segment":
        if ctx.customer is None:
            return fail()
        return None if _segment_ok(ctx, ops) else fail()
    if name == "redemption.count.per_customer":
        if ctx.customer is None:
            return fail(FailureCode.MISSING_CUSTOMER, f"{rule.name}: a customer is required")
        # The count this redemption would make: "$less_than_or_equal: [1]" means once per customer.
        return None if _compare(ctx.per_customer_count(*target) + 1, ops) else fail()
    return fail(details=f"{rule.name}: rule {name!r} is not supported")


def _segment_ok(ctx: RuleContext, ops: Mapping[str, Any]) -> bool:
    for op, values in ops.items():
        ids = [str(v) for v in _as_list(values)]
        member = any(ctx.in_segment(segment_id) for segment_id in ids)
        if op in ("$is", "$in") and not member:
            return False
        if op in ("$is_not", "$not_in") and member:
            return False
    return True


def _lookup(metadata: Mapping[str, Any], prop: Any) -> Any:
    if not isinstance(prop, str) or not prop:
        return None
    value: Any = metadata
    for part in prop.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            return None
    return None


def _same(left: Any, right: Any) -> bool:
    a, b = _number(left), _number(right)
    if a is not None and b is not None:
        return a == b
    return left == right


def _compare(value: Any, ops: Mapping[str, Any]) -> bool:
    """Every operator must hold. Unknown operators fail closed."""
    for op, raw in ops.items():
        values = _as_list(raw)
        if op in ("$is", "$in"):
            ok = any(_same(value, v) for v in values)
        elif op in ("$is_not", "$not_in"):
            ok = not any(_same(value, v) for v in values)
        elif op == "$has_value":
            ok = value is not None and value != ""
        elif op == "$is_unknown":
            ok = value is None or value == ""
        elif op in ("$more_than", "$more_than_or_equal", "$less_than", "$less_than_or_equal"):
            left, right = _number(value), _number(values[0] if values else None)
            if left is None or right is None:
                ok = False
            elif op == "$more_than":
                ok = left > right
            elif op == "$more_than_or_equal":
                ok = left >= right
            elif op == "$less_than":
                ok = left < right
            else:
                ok = left <= right
        elif op in ("$contains", "$starts_with", "$ends_with", "$not_contain"):
            text, needle = str(value) if value is not None else "", str(values[0]) if values else ""
            ok = {
                "$contains": needle in text,
                "$not_contain": needle not in text,
                "$starts_with": text.startswith(needle),
                "$ends_with": text.endswith(needle),
            }[op]
        else:
            ok = False
        if not ok:
            return False
    return True


def _item_matches(item: Mapping[str, Any], spec: Mapping[str, Any]) -> bool:
    """Whether an order item is the product or SKU ``{object, id | source_id}`` names."""
    kind = spec.get("object", "product")
    ident, source = spec.get("id"), spec.get("source_id")
    nested = item.get(kind) if isinstance(item.get(kind), dict) else {}
    ids = {item.get(f"{kind}_id"), nested.get("id")}
    sources = {nested.get("source_id")}
    if item.get("related_object") == kind:
        sources.add(item.get("source_id"))
    ids.discard(None)
    sources.discard(None)
    return (ident is not None and (ident in ids or ident in sources)) or (source is not None and source in sources)
