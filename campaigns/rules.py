"""The validation-rule language: one parser, for writing a rule and for evaluating it.

A ``rules`` body holds numbered conditions and a ``logic`` over their numbers: ``{"1": {"name":
"customer.metadata", "property": "tier", "conditions": {"$in": ["gold"]}, "rules": {}, "error": {"message":
"Gold only"}}, "2": {"name": "order.amount", "conditions": {"$less_than": [1000]}}, "logic": "1 and not 2"}``.

:func:`parse` turns a body into a :class:`RuleSet` (typed conditions, the logic as a small tree) or raises
``DomainError("invalid_validation_rules")`` saying what is wrong where. It reads no database: the write-time
service adds the one check that does (the segments a ``customer.segment`` condition names exist).
:func:`evaluate` reads a stored rule with the same :func:`parse`; one that does not parse (stored before
this language, or written around it) fails closed with ``order_rules_violated``, never read another way.
:data:`RULE_NAMES` is the one table of rule names: the kind of values, the operators, whether a
``property`` (the metadata key; dots reach into nested objects) is needed, and the failure code.

Logic grammar; keywords are case-insensitive (``and`` = ``AND`` = ``And``) and ``not`` exists::

    logic  := term ("or" term)*          "not" binds tighter than "and", "and" tighter than "or"
    term   := factor ("and" factor)*
    factor := "not" factor | "(" logic ")" | NUMBER      NUMBER: [0-9]+, a condition's key

Conditions need a logic; one it does not name is checked, never evaluated. Bounds: logic of at most
``MAX_LOGIC_LENGTH`` characters nesting parentheses and ``not`` at most ``MAX_DEPTH`` deep (a small parser
stack); ``MAX_CONDITIONS`` conditions of ``MAX_VALUES`` values, texts of ``MAX_TEXT`` characters at most.
Comparison and text operators take exactly one value.

Evaluation: a condition passes, or fails with its name's code, or with ``missing_order_items`` /
``missing_customer`` when the data it needs was not sent; each is evaluated at most once, when the logic
needs it. A false logic reports the first failing condition in the order the logic names them (outside any
``not``) with the condition's ``error.message``, else the rule's; if none failed, a ``not`` made it false
and the first negated condition that held is reported, with the rule's message.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from stacking.checks import FailureCode
from voucherhub.errors import DomainError

from .models import Customer, Segment, ValidationRule

Target = tuple[str, str]  # a rule assignment's (related_object_type, related_object_id)
ORDER = FailureCode.ORDER_RULES_VIOLATED
CUSTOMER = FailureCode.CUSTOMER_RULES_VIOLATED
REDEMPTION = FailureCode.REDEMPTION_RULES_VIOLATED

MAX_CONDITIONS = 50
MAX_VALUES = 100
MAX_TEXT = 500
MAX_LOGIC_LENGTH = 1000
MAX_DEPTH = 20


class Kind(StrEnum):
    """What a condition's values are."""

    NUMBER = "number"  # numbers compared with an amount or a count of items
    COUNT = "count"  # one whole number >= 0: how many redemptions a customer may have
    ITEMS = "items"  # products or SKUs: {"object": "product" | "sku", "id" and/or "source_id"}
    SEGMENT = "segment"  # segment ids
    SCALAR = "scalar"  # texts, numbers or booleans compared with a metadata value


COMPARISONS = frozenset({"$more_than", "$more_than_or_equal", "$less_than", "$less_than_or_equal"})
MEMBERSHIP = frozenset({"$is", "$is_not", "$in", "$not_in"})
VALUELESS = frozenset({"$has_value", "$is_unknown"})
TEXT = frozenset({"$contains", "$not_contain", "$starts_with", "$ends_with"})
NUMBER_OPS = COMPARISONS | MEMBERSHIP
SCALAR_OPS = NUMBER_OPS | VALUELESS | TEXT
ITEM_OPS = frozenset({"$is", "$in"})
ONE_VALUE = COMPARISONS | TEXT


@dataclass(frozen=True)
class RuleName:
    """A row of :data:`RULE_NAMES`. ``subject``: what the condition looks at (a number; the metadata to look
    ``property`` up in; the order's lines). ``quantifier``: how items combine "is each named item there"."""

    kind: Kind
    operators: frozenset[str]
    needs_property: bool
    code: FailureCode
    subject: Callable[[RuleContext], Any] | None = None
    quantifier: Callable[[Iterable[bool]], bool] | None = None


_items = operator.attrgetter("items")
RULE_NAMES: dict[str, RuleName] = {
    "order.amount": RuleName(Kind.NUMBER, NUMBER_OPS, False, ORDER, lambda ctx: ctx.order_amount),
    "order.initial_amount": RuleName(Kind.NUMBER, NUMBER_OPS, False, ORDER, lambda ctx: ctx.order_amount),
    "order.items.any": RuleName(Kind.ITEMS, ITEM_OPS, False, ORDER, _items, any),
    "order.items.every": RuleName(Kind.ITEMS, ITEM_OPS, False, ORDER, _items, all),
    "order.items.none": RuleName(Kind.ITEMS, ITEM_OPS, False, ORDER, _items, lambda present: not any(present)),
    "order.items.count": RuleName(Kind.NUMBER, NUMBER_OPS, False, ORDER, lambda ctx: len(ctx.items)),
    "customer.segment": RuleName(Kind.SEGMENT, MEMBERSHIP, False, CUSTOMER),
    "customer.metadata": RuleName(
        Kind.SCALAR, SCALAR_OPS, True, CUSTOMER, lambda ctx: ctx.customer.metadata if ctx.customer else {}
    ),
    "order.metadata": RuleName(Kind.SCALAR, SCALAR_OPS, True, ORDER, lambda ctx: ctx.order_metadata),
    "redemption.metadata": RuleName(Kind.SCALAR, SCALAR_OPS, True, REDEMPTION, lambda ctx: ctx.redemption_metadata),
    "redemption.count.per_customer": RuleName(
        Kind.COUNT, frozenset({"$less_than", "$less_than_or_equal"}), False, REDEMPTION
    ),
}


@dataclass(frozen=True)
class ItemRef:
    """A product or SKU an items condition names, by our id and/or the shop's ``source_id``."""

    object: str  # "product" | "sku"
    id: str | None = None
    source_id: str | None = None


@dataclass(frozen=True)
class Condition:
    number: str
    name: str
    spec: RuleName  # RULE_NAMES[name]
    property: str | None  # only for the names that need one
    operators: tuple[tuple[str, tuple[Any, ...]], ...]  # (operator, values) in the order sent; all must hold
    error_message: str | None  # the condition's own ``error.message``


@dataclass(frozen=True)
class Ref:
    number: str  # a condition's key


@dataclass(frozen=True)
class Not:
    operand: Logic


@dataclass(frozen=True)
class And:
    operands: tuple[Logic, ...]


@dataclass(frozen=True)
class Or:
    operands: tuple[Logic, ...]


Logic = Ref | Not | And | Or


def holds(logic: Logic, passes: Callable[[str], bool]) -> bool:
    """The logic's value when condition ``number`` holds iff ``passes(number)``; ``and`` / ``or`` stop early."""
    if isinstance(logic, Ref):
        return passes(logic.number)
    if isinstance(logic, Not):
        return not holds(logic.operand, passes)
    combine = all if isinstance(logic, And) else any
    return combine(holds(operand, passes) for operand in logic.operands)


@dataclass(frozen=True)
class RuleSet:
    """A parsed body. ``positive`` / ``negated``: the numbers the logic names under an even / odd number
    of ``not``, in the order it names them (the order failures are reported in)."""

    conditions: Mapping[str, Condition]
    logic: Logic | None  # None: no conditions, the rule always passes
    positive: tuple[str, ...] = ()
    negated: tuple[str, ...] = ()


def invalid_rules(details: str) -> DomainError:
    return DomainError("invalid_validation_rules", "Invalid validation rules", details)


_NUMBER = re.compile(r"[0-9]+")
_TOKEN = re.compile(r"\s*(?:([0-9]+)|([A-Za-z]+)|([()]))")
_KEYWORDS = ("and", "or", "not")


def parse(body: Any) -> RuleSet:
    """The rule set a ``rules`` body describes, or DomainError ``invalid_validation_rules``."""
    if not isinstance(body, Mapping):
        raise invalid_rules("rules: must be an object")
    numbered = [(key, value) for key, value in body.items() if key != "logic"]
    if len(numbered) > MAX_CONDITIONS:
        raise invalid_rules(f"rules: at most {MAX_CONDITIONS} conditions")
    conditions = {key: _condition(key, value) for key, value in numbered}
    logic = body.get("logic")
    if not conditions:
        if logic not in (None, ""):
            raise invalid_rules("rules.logic: refers to rules that are not defined")
        return RuleSet({}, None)
    if not isinstance(logic, str) or not logic.strip():
        raise invalid_rules("rules.logic: required, e.g. '1 and 2'")
    tree = _LogicParser(logic, set(conditions)).parse()
    positive, negated = _collect(tree, [], [])
    return RuleSet(conditions, tree, tuple(dict.fromkeys(positive)), tuple(dict.fromkeys(negated)))


def _collect(node: Logic, positive: list[str], negated: list[str]) -> tuple[list[str], list[str]]:
    """The numbers under ``node`` into ``positive`` (even number of ``not`` above) or ``negated``."""
    if isinstance(node, Ref):
        positive.append(node.number)
    elif isinstance(node, Not):
        _collect(node.operand, negated, positive)
    else:
        for operand in node.operands:
            _collect(operand, positive, negated)
    return positive, negated


def _condition(key: Any, raw: Any) -> Condition:
    where = f"rules.{_shown(key, quoted=False)}"
    if not isinstance(key, str) or not _NUMBER.fullmatch(key):
        raise invalid_rules(f"{where}: rule keys are numbers ('1', '2', ...) besides 'logic'")
    if not isinstance(raw, Mapping):
        raise invalid_rules(f"{where}: must be an object")
    name = raw.get("name")
    spec = RULE_NAMES.get(name) if isinstance(name, str) else None
    if spec is None:
        raise invalid_rules(f"{where}.name: {_shown(name)} is not supported; use one of {', '.join(RULE_NAMES)}")
    prop = raw.get("property")
    if spec.needs_property:
        if not (isinstance(prop, str) and prop):
            raise invalid_rules(f"{where}.property: {name} needs the metadata key in 'property'")
        _check_text(f"{where}.property", prop)
    if raw.get("rules") not in (None, {}):
        raise invalid_rules(f"{where}.rules: nested rules are not supported")
    message = _error_message(where, raw.get("error"))
    ops = raw.get("conditions")
    if not isinstance(ops, Mapping) or not ops:
        raise invalid_rules(f"{where}.conditions: at least one condition is required")
    operators = []
    for op, values in ops.items():
        if op not in spec.operators:
            allowed = ", ".join(sorted(spec.operators))
            raise invalid_rules(
                f"{where}.conditions: {_shown(op, quoted=False)} is not supported for {name}; use one of {allowed}"
            )
        operators.append((op, _values(f"{where}.conditions.{op}", spec.kind, op, values)))
    if sum(len(values) for _, values in operators) > MAX_VALUES:
        raise invalid_rules(f"{where}.conditions: at most {MAX_VALUES} values")
    return Condition(key, name, spec, prop if spec.needs_property else None, tuple(operators), message)


def _error_message(where: str, error: Any) -> str | None:
    if error is None:
        return None
    if not (isinstance(error, Mapping) and isinstance(error.get("message", ""), str)):
        raise invalid_rules(f"{where}.error: must be {{'message': text}}")
    message = error.get("message", "")
    _check_text(f"{where}.error.message", message)
    return message or None


def _values(where: str, kind: Kind, op: str, values: Any) -> tuple[Any, ...]:
    if not isinstance(values, list) or not (values or op in VALUELESS):
        raise invalid_rules(f"{where}: values are a non-empty list")
    if len(values) > MAX_VALUES:
        raise invalid_rules(f"{where}: at most {MAX_VALUES} values")
    parsed = tuple(_value(where, kind, value, values) for value in values)
    if op in ONE_VALUE and len(values) != 1:
        raise invalid_rules(f"{where}: {op} compares with exactly one value")
    return parsed


def _is_number(value: Any) -> bool:
    return type(value) is int or (type(value) is float and math.isfinite(value))  # bool is no number


def _value(where: str, kind: Kind, value: Any, values: list) -> Any:
    """One value of a condition, checked for its kind (item specs become :class:`ItemRef`)."""
    if kind in (Kind.NUMBER, Kind.COUNT) and not _is_number(value):
        raise invalid_rules(f"{where}: {_shown(value)} is not a number")
    if kind is Kind.COUNT and (not isinstance(value, int) or value < 0 or len(values) != 1):
        raise invalid_rules(f"{where}: one whole number >= 0 is required")
    if kind is Kind.ITEMS:
        return _item(where, value)
    if kind is Kind.SEGMENT and not (isinstance(value, str) and 0 < len(value) <= MAX_TEXT):
        raise invalid_rules(f"{where}: {_shown(value)} is not a segment id")
    if kind is Kind.SCALAR and not (isinstance(value, str | bool) or _is_number(value)):
        raise invalid_rules(f"{where}: {_shown(value)} is not a text, number or boolean")
    if isinstance(value, str):
        _check_text(where, value)
    return value


def _item(where: str, value: Any) -> ItemRef:
    keys = ("id", "source_id")
    ok = (
        isinstance(value, Mapping)
        and value.get("object") in ("product", "sku")
        and any(value.get(key) is not None for key in keys)
        and all(value.get(key) is None or (isinstance(value[key], str) and value[key]) for key in keys)
    )
    if not ok:
        raise invalid_rules(f"{where}: items are {{'object': 'product' | 'sku', 'id' or 'source_id'}}")
    for key in keys:
        _check_text(where, value.get(key) or "")
    return ItemRef(value["object"], value.get("id"), value.get("source_id"))


def _check_text(where: str, text: str) -> None:
    if len(text) > MAX_TEXT:
        raise invalid_rules(f"{where}: texts are at most {MAX_TEXT} characters")


def _shown(value: Any, *, quoted: bool = True) -> str:
    """A value for an error message, cut short: the details must stay readable whatever was sent."""
    text = repr(value) if quoted else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


class _LogicParser:
    """Recursive descent over the grammar in the module docstring; nesting is bounded by ``MAX_DEPTH``
    before the stack could be."""

    def __init__(self, text: str, keys: set[str]):
        if len(text) > MAX_LOGIC_LENGTH:
            raise invalid_rules(f"rules.logic: at most {MAX_LOGIC_LENGTH} characters")
        self.text, self.keys = text, keys
        self.tokens: list[str] = []
        position, end = 0, len(text.rstrip())
        while position < end:
            match = _TOKEN.match(text, position)
            word = match.group(2).lower() if match is not None and match.group(2) else None
            if match is None or (word is not None and word not in _KEYWORDS):
                raise invalid_rules(f"rules.logic: cannot read '{text}' (use rule numbers, and, or, not, parentheses)")
            self.tokens.append(word or match.group(1) or match.group(3))
            position = match.end()
        self.pos = 0

    def parse(self) -> Logic:
        tree = self._expression(0)
        if self.pos != len(self.tokens):
            raise invalid_rules(f"rules.logic: unexpected '{self.tokens[self.pos]}' in '{self.text}'")
        return tree

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _expression(self, depth: int) -> Logic:
        return self._joined("or", Or, lambda: self._joined("and", And, lambda: self._factor(depth)))

    def _joined(self, keyword: str, node: type[And | Or], operand: Callable[[], Logic]) -> Logic:
        operands = [operand()]
        while self._peek() == keyword:
            self.pos += 1
            operands.append(operand())
        return operands[0] if len(operands) == 1 else node(tuple(operands))

    def _factor(self, depth: int) -> Logic:
        token = self._peek()
        if token is None:
            raise invalid_rules(f"rules.logic: '{self.text}' ends too early")
        self.pos += 1
        if token in ("not", "(") and depth >= MAX_DEPTH:
            raise invalid_rules(f"rules.logic: nested deeper than {MAX_DEPTH} levels (parentheses and 'not')")
        if token == "not":
            return Not(self._factor(depth + 1))
        if token == "(":
            inner = self._expression(depth + 1)
            if self._peek() != ")":
                raise invalid_rules(f"rules.logic: unbalanced parentheses in '{self.text}'")
            self.pos += 1
            return inner
        if _NUMBER.fullmatch(token):
            if token not in self.keys:
                raise invalid_rules(f"rules.logic: rule {token} is not defined")
            return Ref(token)
        raise invalid_rules(f"rules.logic: unexpected '{token}' in '{self.text}'")


@dataclass(frozen=True)
class RuleFailure:
    code: FailureCode
    details: str
    error_message: str | None = None


@dataclass
class RuleContext:
    """What the conditions look at, for one validation or redemption call. ``per_customer_count(target)``
    counts the customer's successful, not rolled back redemptions of the rule's target (voucher, campaign
    or promotion tier). Segment memberships and parsed rules are kept for the rest of the call."""

    order_amount: int | None
    items: Sequence[Mapping[str, Any]]
    order_metadata: Mapping[str, Any]
    customer: Customer | None
    redemption_metadata: Mapping[str, Any]
    per_customer_count: Callable[[str, str], int]
    _segments: dict[str, bool] = field(default_factory=dict)
    _rule_sets: dict[str, RuleSet | DomainError] = field(default_factory=dict)

    def in_segment(self, segment_id: str) -> bool:
        if self.customer is None:
            return False
        if segment_id not in self._segments:
            segment = Segment.objects.filter(pk=segment_id).first()
            self._segments[segment_id] = segment is not None and is_member(segment, self.customer)
        return self._segments[segment_id]

    def rule_set(self, rule: ValidationRule) -> RuleSet | DomainError:
        """``rule`` parsed, once per call; the error when it does not parse."""
        if rule.pk not in self._rule_sets:
            try:
                self._rule_sets[rule.pk] = parse(rule.rules)
            except DomainError as error:
                self._rule_sets[rule.pk] = error
        return self._rule_sets[rule.pk]


def is_member(segment: Segment, customer: Customer) -> bool:
    """A static segment lists its customers; an auto-update one's filter must match every key of the
    customer's metadata (a list: any of its values)."""
    if segment.type == Segment.Type.STATIC:
        return segment.customers.filter(pk=customer.pk).exists()
    return metadata_matches(segment.filter, customer.metadata)


def metadata_matches(conditions: Mapping[str, Any] | None, metadata: Any) -> bool:
    """Whether ``metadata`` matches an auto-update segment's filter: every key, a list meaning any of its
    values (an empty filter matches nobody)."""
    if not conditions or not isinstance(metadata, Mapping):
        return False
    for key, expected in conditions.items():
        allowed = expected if isinstance(expected, list) else [expected]
        if metadata.get(key) not in allowed:
            return False
    return True


def evaluate(rule: ValidationRule, ctx: RuleContext, *, target: Target) -> RuleFailure | None:
    """None when ``rule`` passes for this call, else why it failed. ``target`` is the rule assignment's
    ``(related_object_type, related_object_id)``, the scope of per-customer counts."""
    rule_set = ctx.rule_set(rule)
    if isinstance(rule_set, DomainError):
        return RuleFailure(
            ORDER, f"{rule.name}: the rule cannot be read ({rule_set.details})", rule.error_message or None
        )
    if rule_set.logic is None:
        return None
    outcomes: dict[str, RuleFailure | None] = {}

    def outcome(number: str) -> RuleFailure | None:
        if number not in outcomes:
            outcomes[number] = _outcome(rule_set.conditions[number], ctx, target, rule)
        return outcomes[number]

    if holds(rule_set.logic, lambda number: outcome(number) is None):
        return None
    for number in rule_set.positive:
        if (failure := outcome(number)) is not None:
            return failure
    # Every condition the logic needs to hold did; so a negated one held and "not" made the logic false.
    held = [number for number in rule_set.negated if outcome(number) is None]
    condition = rule_set.conditions[(held or [*rule_set.negated, *rule_set.positive])[0]]
    return RuleFailure(condition.spec.code, f"{rule.name}: not {condition.name}", rule.error_message or None)


_MISSING = {
    FailureCode.MISSING_ORDER_ITEMS: "the order has no items",
    FailureCode.MISSING_CUSTOMER: "a customer is required",
}


def _outcome(condition: Condition, ctx: RuleContext, target: Target, rule: ValidationRule) -> RuleFailure | None:
    code = _KIND_CHECKS[condition.spec.kind](condition, ctx, target)
    if code is None:
        return None
    message = condition.error_message or rule.error_message or None
    return RuleFailure(code, f"{rule.name}: {_MISSING.get(code, condition.name)}", message)


def _value_check(condition: Condition, ctx: RuleContext, target: Target) -> FailureCode | None:
    value = condition.spec.subject(ctx)
    if condition.property is not None:
        value = _lookup(value, condition.property)
    return None if _holds(value, condition.operators) else condition.spec.code


def _items_check(condition: Condition, ctx: RuleContext, target: Target) -> FailureCode | None:
    items = [item for item in condition.spec.subject(ctx) if isinstance(item, Mapping)]
    wanted = [ref for _, refs in condition.operators for ref in refs]
    if condition.spec.quantifier(any(_item_matches(item, ref) for item in items) for ref in wanted):
        return None
    return condition.spec.code if items else FailureCode.MISSING_ORDER_ITEMS


def _segment_check(condition: Condition, ctx: RuleContext, target: Target) -> FailureCode | None:
    if ctx.customer is None:
        return condition.spec.code
    for op, segment_ids in condition.operators:
        member = any(ctx.in_segment(segment_id) for segment_id in segment_ids)
        if member != (op in ("$is", "$in")):  # $is_not / $not_in want a stranger
            return condition.spec.code
    return None


def _count_check(condition: Condition, ctx: RuleContext, target: Target) -> FailureCode | None:
    if ctx.customer is None:
        return FailureCode.MISSING_CUSTOMER
    # The count this redemption would make: "$less_than_or_equal: [1]" means once per customer.
    return None if _holds(ctx.per_customer_count(*target) + 1, condition.operators) else condition.spec.code


_KIND_CHECKS: dict[Kind, Callable[[Condition, RuleContext, Target], FailureCode | None]] = {
    Kind.NUMBER: _value_check,
    Kind.COUNT: _count_check,
    Kind.ITEMS: _items_check,
    Kind.SEGMENT: _segment_check,
    Kind.SCALAR: _value_check,
}


def _lookup(metadata: Any, prop: str) -> Any:
    value: Any = metadata
    for part in prop.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _number(value: Any) -> Decimal | None:
    """A number, a numeric text, or None; never NaN or infinity (they compare with nothing)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        number = Decimal(value)
    elif isinstance(value, float | str):
        try:  # a float through its shortest text: 0.1 is 0.1, not its binary expansion
            number = Decimal(value.strip() if isinstance(value, str) else repr(value))
        except InvalidOperation:
            return None
    else:
        return None
    return number if number.is_finite() else None


def _is(value: Any, values: tuple[Any, ...]) -> bool:
    """``value`` equals one of ``values``: as numbers when both read as numbers (1 = 1.0 = "1")."""
    number = _number(value)
    numbers = [_number(v) if number is not None else None for v in values]
    return any(number == n if n is not None else value == v for v, n in zip(values, numbers, strict=True))


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _one(test: Callable[[Any, Any], bool], read: Callable[[Any], Any]) -> Callable[[Any, tuple[Any, ...]], bool]:
    """An operator holding when ``test(read(value), read(its one value))``; never when either reads None."""

    def check(value: Any, values: tuple[Any, ...]) -> bool:
        left, right = read(value), read(values[0])
        return left is not None and right is not None and test(left, right)

    return check


# operator -> does it hold for this value; every operator a condition names must hold
OPERATORS: dict[str, Callable[[Any, tuple[Any, ...]], bool]] = {
    "$is": _is,
    "$in": _is,
    "$is_not": lambda value, values: not _is(value, values),
    "$not_in": lambda value, values: not _is(value, values),
    "$has_value": lambda value, values: value is not None and value != "",
    "$is_unknown": lambda value, values: value is None or value == "",
    "$more_than": _one(operator.gt, _number),
    "$more_than_or_equal": _one(operator.ge, _number),
    "$less_than": _one(operator.lt, _number),
    "$less_than_or_equal": _one(operator.le, _number),
    "$contains": _one(lambda text, needle: needle in text, _text),
    "$not_contain": _one(lambda text, needle: needle not in text, _text),
    "$starts_with": _one(str.startswith, _text),
    "$ends_with": _one(str.endswith, _text),
}


def _holds(value: Any, operators: tuple[tuple[str, tuple[Any, ...]], ...]) -> bool:
    return all(OPERATORS[op](value, values) for op, values in operators)


def _item_matches(item: Mapping[str, Any], ref: ItemRef) -> bool:
    """Whether an order line is the product or SKU ``ref`` names (by id, or by the shop's source id)."""
    nested = item.get(ref.object) if isinstance(item.get(ref.object), Mapping) else {}
    ids = (item.get(f"{ref.object}_id"), nested.get("id"))  # tuples: a line's values need not be hashable
    sources = (nested.get("source_id"), item.get("source_id") if item.get("related_object") == ref.object else None)
    by_id = ref.id is not None and (ref.id in ids or ref.id in sources)
    return by_id or (ref.source_id is not None and ref.source_id in sources)
