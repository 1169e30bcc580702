"""Properties of the stacking engine that hold for every stack, checked on random ones."""

from collections import Counter
from dataclasses import replace
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from stacking.engine import (
    CategoryFacts,
    DiscountFacts,
    Failure,
    OrderFacts,
    RedeemableFacts,
    SkipReason,
    StackingSettings,
    StackResult,
    Status,
    evaluate_stack,
)

FAST = settings(max_examples=200, deadline=None)
ALLOWED_SKIP_KEYS = {
    "applicable_redeemables_limit_exceeded",
    "applicable_redeemables_per_category_limit_exceeded",
    "applicable_exclusive_redeemables_limit_exceeded",
    "exclusion_rules_not_met",
    "preceding_validation_failed",
}
FAILURES = [
    Failure("resource_not_found", "Voucher did not exist"),
    Failure("voucher_expired", "Voucher expired"),
    Failure("quantity_exceeded", "Redemption quantity exceeded"),
    Failure("order_rules_violated", "Order does not match validation rules"),
]
MONEY = st.one_of(st.integers(0, 20_000), st.integers(0, 10**9))


@st.composite
def stacking_settings(draw: st.DrawFn, sorting_rule: str | None = None) -> StackingSettings:
    redeemables_limit = draw(st.integers(1, 30))
    applicable = draw(st.integers(1, redeemables_limit))
    return StackingSettings(
        redeemables_limit=redeemables_limit,
        applicable_redeemables_limit=applicable,
        applicable_exclusive_redeemables_limit=draw(st.integers(1, min(5, applicable))),
        applicable_redeemables_per_category_limit=draw(st.none() | st.integers(1, 30)),
        application_mode=draw(st.sampled_from(["ALL", "PARTIAL"])),
        sorting_rule=sorting_rule or draw(st.sampled_from(["REQUESTED_ORDER", "CATEGORY_HIERARCHY"])),
        default_calculation=draw(st.sampled_from(["INITIAL_AMOUNT", "DISCOUNTED_AMOUNT"])),
    )


def category(draw: st.DrawFn, number: int, hierarchy: int) -> CategoryFacts:
    return CategoryFacts(
        id=f"cat_{number}",
        name=f"category {number}",
        hierarchy=hierarchy,
        eligibility=draw(st.sampled_from(["", "", "EXCLUSIVE", "JOINT"])),
        calculation=draw(st.sampled_from(["DEFAULT", "INITIAL_AMOUNT", "DISCOUNTED_AMOUNT"])),
    )


PERCENT_OFF = st.integers(0, 100_000).map(lambda n: Decimal(n).scaleb(-3))  # 0.000 .. 100.000
EFFECTS = st.one_of(  # what a redeemable does: a discount, gift credits (an int), or nothing (None)
    st.builds(lambda p, cap: DiscountFacts("PERCENT", percent_off=p, amount_limit=cap), PERCENT_OFF, st.none() | MONEY),
    MONEY.map(lambda a: DiscountFacts("AMOUNT", amount_off=a)),
    MONEY.map(lambda a: DiscountFacts("FIXED", fixed_amount=a)),
    MONEY,
    st.none(),
)


def redeemable(draw: st.DrawFn, number: int, cat: CategoryFacts | None, failure_rate: int) -> RedeemableFacts:
    roll = draw(st.integers(0, 39))
    effect = draw(EFFECTS)
    return RedeemableFacts(
        object="promotion_tier" if number % 3 == 0 else "voucher",
        id=f"R{number}",
        failure=FAILURES[roll % len(FAILURES)] if roll < failure_rate * 4 else None,
        category=cat,
        discount=effect if isinstance(effect, DiscountFacts) else None,
        gift_credits=effect if isinstance(effect, int) else None,
    )


@st.composite
def stacks(
    draw: st.DrawFn, sorting_rule: str | None = None, distinct_hierarchies: bool = False
) -> tuple[StackingSettings, list[RedeemableFacts], OrderFacts]:
    """Settings within their ranges, 1..redeemables_limit redeemables, an order of 0..10^9.

    Categories come from a small pool so that ties, per-category limits and exclusives meet; with
    ``distinct_hierarchies`` every redeemable has a category of its own with a hierarchy of its own.
    """
    rules = draw(stacking_settings(sorting_rule))
    count = draw(st.integers(1, rules.redeemables_limit))
    failure_rate = draw(st.sampled_from([0, 0, 1, 5]))  # in tenths; often none, so ALL mode gets to stack
    if distinct_hierarchies:
        hierarchies = draw(st.permutations(range(1, count + 1)))
        cats: list[CategoryFacts | None] = [category(draw, n, hierarchies[n]) for n in range(count)]
    else:
        pool = [category(draw, n, draw(st.integers(0, 4))) for n in range(draw(st.integers(1, 6)))]
        cats = [draw(st.sampled_from([None, *pool])) for _ in range(count)]
    items = [redeemable(draw, n, cats[n], failure_rate) for n in range(count)]
    return rules, items, OrderFacts(draw(MONEY))


def by_id(result: StackResult) -> dict[str, tuple]:
    return {
        r.id: (r.status, r.skip_reason, r.discount_amount, r.gift_credits, r.order_total_after, r.application_position)
        for r in result.results
    }


def rank(rules: StackingSettings, item: RedeemableFacts) -> tuple[bool, bool, int]:
    """Where the documented rule puts a redeemable; equals go in request order (module docstring, rule 3)."""
    if rules.sorting_rule == "CATEGORY_HIERARCHY" and item.category is not None:
        return (item.gift_credits is not None, False, item.category.hierarchy)
    return (item.gift_credits is not None, rules.sorting_rule == "CATEGORY_HIERARCHY", 0)


def eligibility(item: RedeemableFacts) -> str:
    return item.category.eligibility if item.category else ""


@FAST
@given(stacks())
def test_the_discount_never_exceeds_the_order_and_nothing_goes_negative(stack):
    rules, items, order = stack
    result = evaluate_stack(rules, items, order)
    assert result.initial_amount == order.amount
    assert 0 <= result.total_discount_amount <= order.amount
    assert result.total_amount == order.amount - result.total_discount_amount >= 0
    assert result.discount_amount == sum(r.discount_amount for r in result.results) >= 0
    assert result.gift_credits == sum(r.gift_credits for r in result.results) >= 0
    assert result.total_discount_amount == result.discount_amount + result.gift_credits
    for r in result.results:
        assert r.discount_amount >= 0 and r.gift_credits >= 0
        assert 0 <= r.order_total_after <= order.amount
        if r.status != Status.APPLICABLE:
            assert (r.discount_amount, r.gift_credits) == (0, 0)


@FAST
@given(stacks())
def test_the_order_total_falls_step_by_step_in_application_order(stack):
    rules, items, order = stack
    result = evaluate_stack(rules, items, order)
    applied = sorted((r for r in result.results if r.status == Status.APPLICABLE), key=lambda r: r.application_position)
    assert [r.application_position for r in applied] == list(range(len(applied)))
    remaining = order.amount
    for r in applied:
        remaining -= r.discount_amount + r.gift_credits
        assert r.order_total_after == remaining
    assert remaining == result.total_amount
    # applied in the documented order: gift cards last, then the sorting rule, equals in request order
    ranks = [(rank(rules, items[r.index]), r.index) for r in applied]
    assert ranks == sorted(ranks)


@FAST
@given(stacks())
def test_every_result_has_a_status_its_reason_and_comes_back_in_request_order(stack):
    rules, items, order = stack
    result = evaluate_stack(rules, items, order)
    assert [(r.index, r.object, r.id) for r in result.results] == [(i, x.object, x.id) for i, x in enumerate(items)]
    for r, item in zip(result.results, items, strict=True):
        assert (r.status == Status.INAPPLICABLE) == (item.failure is not None)
        assert r.failure == item.failure
        if r.status == Status.SKIPPED:
            assert r.skip_reason in ALLOWED_SKIP_KEYS
            assert isinstance(r.skip_reason, SkipReason)
        else:
            assert r.skip_reason is None
        assert (r.application_position is not None) == (r.status == Status.APPLICABLE)
    assert result.valid == any(r.status == Status.APPLICABLE for r in result.results)


@FAST
@given(stacks())
def test_in_all_mode_any_failure_means_nothing_applies_and_otherwise_the_stack_is_valid(stack):
    rules, items, order = stack
    result = evaluate_stack(rules, items, order)
    failed = any(item.failure for item in items)
    if rules.application_mode == "ALL":
        assert result.valid is not failed
        if failed:
            assert result.total_discount_amount == 0
            assert result.total_amount == order.amount
            assert {r.skip_reason for r in result.with_status(Status.SKIPPED)} <= {"preceding_validation_failed"}
            assert result.with_status(Status.APPLICABLE) == ()
    else:
        assert "preceding_validation_failed" not in {r.skip_reason for r in result.results}


@FAST
@given(stacks())
def test_no_limit_is_ever_exceeded_and_exclusives_never_meet_regulars(stack):
    rules, items, order = stack
    result = evaluate_stack(rules, items, order)
    applied = [items[r.index] for r in result.with_status(Status.APPLICABLE)]
    assert len(applied) <= rules.applicable_redeemables_limit
    exclusives = [item for item in applied if eligibility(item) == "EXCLUSIVE"]
    assert len(exclusives) <= rules.applicable_exclusive_redeemables_limit
    if exclusives:
        assert all(eligibility(item) != "" for item in applied)
    if rules.applicable_redeemables_per_category_limit is not None:
        per_category = Counter(item.category.id for item in applied if item.category)
        assert all(n <= rules.applicable_redeemables_per_category_limit for n in per_category.values())


@FAST
@given(stacks())
def test_partial_mode_stacks_the_others_as_if_the_failed_ones_were_never_sent(stack):
    rules, items, order = stack
    healthy = [item for item in items if item.failure is None]
    if not healthy:
        return
    partial = by_id(evaluate_stack(replace(rules, application_mode="PARTIAL"), items, order))
    alone = by_id(evaluate_stack(replace(rules, application_mode="ALL"), healthy, order))
    assert {key: partial[key] for key in alone} == alone


@FAST
@given(stacks(sorting_rule="CATEGORY_HIERARCHY", distinct_hierarchies=True), st.randoms(use_true_random=False))
def test_under_category_hierarchy_with_distinct_hierarchies_the_request_order_does_not_matter(stack, random):
    rules, items, order = stack
    shuffled = items[:]
    random.shuffle(shuffled)
    assert by_id(evaluate_stack(rules, shuffled, order)) == by_id(evaluate_stack(rules, items, order))


@FAST
@given(stacks(sorting_rule="CATEGORY_HIERARCHY"), st.randoms(use_true_random=False))
def test_under_category_hierarchy_only_the_order_among_equals_matters(stack, random):
    """The documented tie-break: moving items around changes nothing while equals keep their relative order."""
    rules, items, order = stack
    shuffled = items[:]
    random.shuffle(shuffled)
    # put each group of equals back into its original relative order, in the slots the shuffle gave it
    queues: dict[tuple, list[RedeemableFacts]] = {}
    for item in items:
        queues.setdefault(rank(rules, item), []).append(item)
    regrouped = [queues[rank(rules, item)].pop(0) for item in shuffled]
    assert by_id(evaluate_stack(rules, regrouped, order)) == by_id(evaluate_stack(rules, items, order))
