"""Properties of the one rule language (campaigns/rules.py), on rule bodies generated from its grammar.

Every body the writer accepts is stored through ``POST /v1/validation-rules`` and evaluates, against any
context, exactly as its logic says over its conditions' own outcomes. Every body mutated out of the
language is refused there (400 ``invalid_validation_rules`` saying where) and, stored around the writer,
fails closed. ``max_examples`` is modest so the suite stays fast; widen it locally with
``RULE_EXAMPLES=500``.
"""

import copy
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaigns.models import Customer, Segment, ValidationRule
from campaigns.rules import (
    MAX_CONDITIONS,
    MAX_DEPTH,
    ONE_VALUE,
    RULE_NAMES,
    VALUELESS,
    Kind,
    RuleContext,
    RuleFailure,
    evaluate,
    parse,
)
from stacking.checks import FailureCode
from tests.api.conftest import Credentials, JsonClient
from tests.api.test_plumbing import assert_error_shape
from tests.factories import make_customer
from voucherhub.errors import DomainError
from voucherhub.services import create_api_key

pytestmark = pytest.mark.django_db

PROPERTIES = settings(
    max_examples=int(os.environ.get("RULE_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
EACH_MUTATION = settings(PROPERTIES, max_examples=max(1, PROPERTIES.max_examples // 10))
TARGET = ("voucher", "v_1")
SEGMENTS = ("seg_rules_static", "seg_rules_gold")
ALL_OPERATORS = sorted({op for spec in RULE_NAMES.values() for op in spec.operators} | {"$regex", "$IS", "is"})

TEXTS = st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=6)
NUMBERS = st.integers(-(10**6), 10**6) | st.floats(-1e6, 1e6, allow_nan=False)
SCALARS = TEXTS | NUMBERS | st.booleans()
ITEM_REFS = st.builds(
    lambda kind, ids: {"object": kind, **ids},
    st.sampled_from(["product", "sku"]),
    st.sampled_from([{"id": "sku_socks"}, {"source_id": "sneakers"}, {"id": "prod_1", "source_id": "jacket"}]),
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXTS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXTS, inner, max_size=3),
    max_leaves=6,
)
METADATA = st.dictionaries(st.sampled_from(["tier", "channel", "a", "n"]), SCALARS | JSON, max_size=3)
ORDER_LINES = st.sampled_from(
    [
        {"product": {"source_id": "sneakers"}, "quantity": 1, "amount": 30_000},
        {"sku_id": "sku_socks", "related_object": "sku", "quantity": 2, "amount": 2_000},
        {"product_id": "prod_1", "amount": 100},
    ]
) | st.dictionaries(st.sampled_from(["product", "sku", "product_id", "sku_id", "source_id", "related_object"]), JSON)


def values_for(kind: Kind, op: str):
    if op in VALUELESS:
        return st.lists(SCALARS, max_size=2)
    size = {"min_size": 1, "max_size": 1 if op in ONE_VALUE else 3}
    return {
        Kind.NUMBER: st.lists(NUMBERS, **size),
        Kind.COUNT: st.integers(0, 3).map(lambda n: [n]),
        Kind.ITEMS: st.lists(ITEM_REFS, **size),
        Kind.SEGMENT: st.lists(st.sampled_from(SEGMENTS), **size),
        Kind.SCALAR: st.lists(SCALARS, **size),
    }[kind]


@st.composite
def conditions(draw) -> dict:
    name = draw(st.sampled_from(sorted(RULE_NAMES)))
    spec = RULE_NAMES[name]
    ops = draw(st.lists(st.sampled_from(sorted(spec.operators)), min_size=1, max_size=3, unique=True))
    condition = {"name": name, "conditions": {op: draw(values_for(spec.kind, op)) for op in ops}}
    if spec.needs_property:
        condition["property"] = draw(st.sampled_from(["tier", "channel", "a.b", "n"]))
    if draw(st.booleans()):
        condition["rules"] = {}
    if draw(st.booleans()):
        condition["error"] = {"message": draw(TEXTS)}
    return condition


@st.composite
def trees(draw, numbers: list[str], depth: int = 0) -> tuple:
    """A logic as a tree: ("ref", n), ("not", tree), ("and" | "or", (tree, ...)); shallow, well under MAX_DEPTH."""
    kind = draw(st.sampled_from(["ref", "not", "and", "or"])) if depth < 4 else "ref"
    if kind == "ref":
        return ("ref", draw(st.sampled_from(numbers)))
    if kind == "not":
        return ("not", draw(trees(numbers, depth + 1)))
    return (kind, tuple(draw(st.lists(trees(numbers, depth + 1), min_size=2, max_size=3))))


def render(draw, tree: tuple, nested: bool = False) -> str:
    """The tree as text, keywords in any case; compound operands always in parentheses."""
    kind = tree[0]
    if kind == "ref":
        return tree[1]
    word = draw(st.sampled_from([kind, kind.upper(), kind.title()]))
    if kind == "not":
        return f"{word} {render(draw, tree[1], True)}"
    text = f" {word} ".join(render(draw, child, True) for child in tree[1])
    return f"({text})" if nested else text


def truth(tree: tuple, passes: dict[str, bool]) -> bool:
    kind = tree[0]
    if kind == "ref":
        return passes[tree[1]]
    if kind == "not":
        return not truth(tree[1], passes)
    results = [truth(child, passes) for child in tree[1]]
    return all(results) if kind == "and" else any(results)


def named(tree: tuple, negated: bool = False) -> list[tuple[str, bool]]:
    """The numbers in the order the logic names them, each with "under an odd number of not"."""
    kind = tree[0]
    if kind == "ref":
        return [(tree[1], negated)]
    if kind == "not":
        return named(tree[1], not negated)
    return [pair for child in tree[1] for pair in named(child, negated)]


def reported(tree: tuple, rules: dict, alone: dict[str, RuleFailure | None]) -> RuleFailure:
    """What a false logic reports: the first failing condition outside any "not", else the first negated
    condition that held, with the rule's message."""
    order = named(tree)
    failing = [alone[number] for number, negated in order if not negated and alone[number] is not None]
    if failing:
        return failing[0]
    number = next(number for number, negated in order if negated and alone[number] is None)
    condition = rules[number]
    code = RULE_NAMES[condition["name"]].code
    return RuleFailure(code, f"Generated: not {condition['name']}", "No")


@st.composite
def valid_bodies(draw) -> tuple[dict, tuple]:
    rules: dict = {str(i): c for i, c in enumerate(draw(st.lists(conditions(), min_size=1, max_size=4)), 1)}
    tree = draw(trees(sorted(rules)))
    rules["logic"] = render(draw, tree)
    return rules, tree


def bad_values(kind: Kind, op: str):
    bad = [5, "x", {"a": 1}, None] + ([] if op in VALUELESS else [[]])
    bad += {
        Kind.NUMBER: [["10"], [True], [None], [{}], [[1]]],
        Kind.COUNT: [[-1], [1.5], [1, 2], ["1"], [True]],
        Kind.ITEMS: [[{"object": "category", "id": "x"}], [{"object": "sku"}], ["sku_1"], [{"object": "sku", "id": 5}]],
        Kind.SEGMENT: [[5], [""], [None]],
        Kind.SCALAR: [[{"a": 1}], [[1]], [None]],
    }[kind]
    if op in ONE_VALUE and kind in (Kind.NUMBER, Kind.SCALAR):
        bad.append([1, 2])
    return st.sampled_from(bad)


def _condition_key(draw, rules: dict) -> str:
    return draw(st.sampled_from(sorted(key for key in rules if key != "logic")))


def _foreign_operator(draw, condition: dict) -> None:
    spec = RULE_NAMES[condition["name"]]
    condition["conditions"][draw(st.sampled_from(sorted(set(ALL_OPERATORS) - spec.operators)))] = [1]


def _bad_values(draw, condition: dict) -> None:
    op = draw(st.sampled_from(sorted(condition["conditions"])))
    condition["conditions"][op] = draw(bad_values(RULE_NAMES[condition["name"]].kind, op))


def _no_property(draw, rules: dict) -> None:
    key = _condition_key(draw, rules)
    rules[key] = {"name": draw(st.sampled_from(["order.metadata", "customer.metadata"])), "conditions": {"$is": [1]}}
    if draw(st.booleans()):
        rules[key]["property"] = draw(st.sampled_from(["", 5, None]))


def _logic(*variants):
    def mutate(draw, rules: dict) -> None:
        rules["logic"] = draw(st.sampled_from(variants))(rules["logic"])
        if rules["logic"] is None:
            del rules["logic"]

    return mutate


def _key_not_a_number(draw, rules: dict) -> None:
    key = _condition_key(draw, rules)
    rules[draw(st.sampled_from(["x", "1a", " 1", "\u0661", "-1", "1.0"]))] = rules.pop(key)


def _too_many(draw, rules: dict) -> None:
    first = _condition_key(draw, rules)
    rules.update({str(100 + i): copy.deepcopy(rules[first]) for i in range(MAX_CONDITIONS)})


def _on_condition(change):
    def mutate(draw, rules: dict) -> None:
        change(draw, rules[_condition_key(draw, rules)])

    return mutate


def _replace(field: str, *bad):
    def change(draw, condition: dict) -> None:
        condition[field] = draw(st.sampled_from(bad))

    return _on_condition(change)


DEEP = MAX_DEPTH + 1
# Ways a valid body stops being one the language can say; each is tried on its own so that all are.
MUTATIONS = {
    "unknown name": _replace("name", "order.total_weight", "ORDER.AMOUNT", "", None, 5, ["order.amount"]),
    "foreign operator": _on_condition(_foreign_operator),
    "bad values": _on_condition(_bad_values),
    "no conditions": _replace("conditions", {}, [], None, "$is"),
    "no property": _no_property,
    "nested rules": _replace("rules", {"1": {"name": "order.amount", "conditions": {"$is": [1]}}}, [1]),
    "bad error": _replace("error", "text", {"message": 5}, ["x"]),
    "not an object": lambda draw, rules: rules.update(
        {_condition_key(draw, rules): draw(st.sampled_from(["x", 1, []]))}
    ),
    "undefined number": _logic(lambda logic: f"{logic} and 99", lambda logic: f"99 or {logic}"),
    "broken logic": _logic(
        lambda logic: f"({logic}",
        lambda logic: f"{logic})",
        lambda logic: f"{logic} and",
        lambda logic: f"and {logic}",
        lambda logic: f"{logic} {logic}",
        lambda logic: f"{logic} ; 1",
        lambda logic: f"{logic} xor 1",
        lambda logic: "not",
    ),
    "too deep": _logic(lambda logic: "(" * DEEP + logic + ")" * DEEP, lambda logic: "not " * DEEP + logic),
    "no logic": _logic(lambda logic: None, lambda logic: "", lambda logic: "  ", lambda logic: 5),
    "key not a number": _key_not_a_number,
    "too many conditions": _too_many,
}


@st.composite
def invalid_bodies(draw, mutation: str) -> dict:
    rules = copy.deepcopy(draw(valid_bodies())[0])
    MUTATIONS[mutation](draw, rules)
    return rules


@st.composite
def contexts(draw, member: Customer) -> RuleContext:
    customer = draw(st.sampled_from([None, member, "someone else"]))
    if customer == "someone else":
        customer = Customer(metadata=draw(METADATA | JSON))  # never saved: a stranger to every static segment
    count = draw(st.integers(0, 3))
    return RuleContext(
        order_amount=draw(st.none() | st.integers(0, 10**7)),
        items=draw(st.lists(ORDER_LINES, max_size=3)),
        order_metadata=draw(METADATA),
        customer=customer,
        redemption_metadata=draw(METADATA),
        per_customer_count=lambda kind, ident: count,
    )


@pytest.fixture
def api(db) -> JsonClient:
    key, token = create_api_key(name="Rule language")
    return JsonClient(Credentials(app_id=key.app_id, token=token, name=key.name))


@pytest.fixture
def member(db) -> Customer:
    """A gold customer in both segments the generated rules may name."""
    gold = make_customer(metadata={"tier": "gold"})
    Segment.objects.create(id=SEGMENTS[0], name="Static", type=Segment.Type.STATIC).customers.add(gold)
    Segment.objects.create(id=SEGMENTS[1], name="Gold", type=Segment.Type.AUTO_UPDATE, filter={"tier": ["gold"]})
    return gold


@PROPERTIES
@given(data=st.data())
def test_every_body_the_writer_accepts_is_stored_and_evaluates_as_its_logic_says(api, member, data):
    rules, tree = data.draw(valid_bodies(), label="rules")
    response = api.post("/v1/validation-rules", {"name": "Generated", "rules": rules, "error": {"message": "No"}})
    assert response.status_code == 200, response.content
    rule = ValidationRule.objects.get(pk=response.json()["id"])
    numbers = [key for key in rules if key != "logic"]
    for ctx in data.draw(st.lists(contexts(member), min_size=1, max_size=3), label="contexts"):
        alone = {
            number: evaluate(
                ValidationRule(name=rule.name, rules={number: rules[number], "logic": number}, error_message="No"),
                ctx,
                target=TARGET,
            )
            for number in numbers
        }
        failure = evaluate(rule, ctx, target=TARGET)
        assert (failure is None) is truth(tree, {number: outcome is None for number, outcome in alone.items()})
        if failure is not None:
            assert failure == reported(tree, rules, alone)


@pytest.mark.parametrize("mutation", MUTATIONS)
@EACH_MUTATION
@given(data=st.data())
def test_every_body_the_writer_refuses_is_a_clear_400_and_fails_closed_when_stored_around_it(
    api, member, mutation, data
):
    rules = data.draw(invalid_bodies(mutation), label="rules")
    with pytest.raises(DomainError) as refused:
        parse(rules)
    details = refused.value.details
    assert refused.value.key == "invalid_validation_rules" and details.startswith("rules")
    error = assert_error_shape(
        api.post("/v1/validation-rules", {"name": "Refused", "rules": rules}), 400, "invalid_validation_rules"
    )
    assert error["details"] == details
    assert not ValidationRule.objects.filter(name="Refused").exists()
    stored = ValidationRule.objects.create(name="Stored around the writer", rules=rules)
    stored.refresh_from_db()
    for ctx in data.draw(st.lists(contexts(member), min_size=1, max_size=2), label="contexts"):
        expected = RuleFailure(FailureCode.ORDER_RULES_VIOLATED, f"{stored.name}: the rule cannot be read ({details})")
        assert evaluate(stored, ctx, target=TARGET) == expected
