"""The stacking engine, rule by rule: what a shopper pays and what a marketer sees in the results.

Plain functions on plain data: no database. Amounts are minor units; the order is 100.00 unless a row
says otherwise.
"""

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from stacking.engine import (
    CategoryFacts,
    DiscountFacts,
    Failure,
    OrderFacts,
    RedeemableFacts,
    StackingSettings,
    StackResult,
    Status,
    evaluate_stack,
    percent_of,
)

ORDER = 10_000
EXPIRED = Failure("voucher_expired", "Voucher expired", "expired on 2024-01-01")
NOT_FOUND = Failure("resource_not_found", "Voucher did not exist")


# --- small builders -------------------------------------------------------------------------------------------


def cat(name: str, hierarchy: int = 1, eligibility: str = "", calculation: str = "DEFAULT") -> CategoryFacts:
    return CategoryFacts(
        id=f"cat_{name}", name=name, hierarchy=hierarchy, eligibility=eligibility, calculation=calculation
    )


def exclusive(name: str = "vip", hierarchy: int = 1) -> CategoryFacts:
    return cat(name, hierarchy, eligibility="EXCLUSIVE")


def joint(name: str = "always", hierarchy: int = 1) -> CategoryFacts:
    return cat(name, hierarchy, eligibility="JOINT")


def coupon(
    code: str,
    *,
    percent: str | None = None,
    amount: int | None = None,
    fixed: int | None = None,
    limit: int | None = None,
    category: CategoryFacts | None = None,
    failure: Failure | None = None,
    obj: str = "voucher",
) -> RedeemableFacts:
    """A discount voucher (or promotion tier with ``obj``); 5.00 off when no discount is given."""
    if percent is not None:
        discount = DiscountFacts("PERCENT", percent_off=Decimal(percent), amount_limit=limit)
    elif fixed is not None:
        discount = DiscountFacts("FIXED", fixed_amount=fixed, amount_limit=limit)
    else:
        discount = DiscountFacts("AMOUNT", amount_off=500 if amount is None else amount, amount_limit=limit)
    return RedeemableFacts(obj, code, failure=failure, category=category, discount=discount)


def gift(code: str, credits: int, *, category: CategoryFacts | None = None) -> RedeemableFacts:
    return RedeemableFacts("voucher", code, category=category, gift_credits=credits)


def run(redeemables: list[RedeemableFacts], amount: int = ORDER, **settings: object) -> StackResult:
    return evaluate_stack(StackingSettings(**settings), redeemables, OrderFacts(amount))


def outcome(result: StackResult) -> dict[str, str]:
    """``{id: "APPLICABLE" | "INAPPLICABLE:<code>" | "SKIPPED:<reason>"}`` in the requested order."""
    seen = {}
    for r in result.results:
        detail = r.failure.code if r.failure else r.skip_reason
        seen[r.id] = f"{r.status}:{detail}" if detail else str(r.status)
    return seen


def discounts(result: StackResult) -> dict[str, int]:
    return {r.id: r.discount_amount + r.gift_credits for r in result.results}


def applied_in_order(result: StackResult) -> list[str]:
    applied = [r for r in result.results if r.application_position is not None]
    return [r.id for r in sorted(applied, key=lambda r: r.application_position)]


def assert_totals_hold(result: StackResult) -> None:
    assert result.discount_amount == sum(r.discount_amount for r in result.results)
    assert result.gift_credits == sum(r.gift_credits for r in result.results)
    assert result.total_discount_amount == result.discount_amount + result.gift_credits
    assert result.total_amount == result.initial_amount - result.total_discount_amount >= 0


A = "APPLICABLE"
PRECEDING = "SKIPPED:preceding_validation_failed"
EXCLUDED = "SKIPPED:exclusion_rules_not_met"
OVER_LIMIT = "SKIPPED:applicable_redeemables_limit_exceeded"
OVER_EXCLUSIVE = "SKIPPED:applicable_exclusive_redeemables_limit_exceeded"
OVER_CATEGORY = "SKIPPED:applicable_redeemables_per_category_limit_exceeded"


# --- application mode: ALL vs PARTIAL -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "expected", "total_amount", "valid"),
    [
        pytest.param(
            "ALL",
            {"TEN": PRECEDING, "OLD": "INAPPLICABLE:voucher_expired", "FIVE": PRECEDING},
            ORDER,
            False,
            id="all-one-expired-coupon-blocks-the-whole-stack",
        ),
        pytest.param(
            "PARTIAL",
            {"TEN": A, "OLD": "INAPPLICABLE:voucher_expired", "FIVE": A},
            ORDER - 1_000 - 500,
            True,
            id="partial-the-others-still-apply",
        ),
    ],
)
def test_an_expired_coupon_blocks_the_stack_in_all_mode_but_not_in_partial(mode, expected, total_amount, valid):
    stack = [coupon("TEN", percent="10"), coupon("OLD", failure=EXPIRED), coupon("FIVE", amount=500)]
    result = run(stack, application_mode=mode)
    assert outcome(result) == expected
    assert result.total_amount == total_amount
    assert result.valid is valid
    assert_totals_hold(result)


def test_in_all_mode_nothing_is_discounted_and_nothing_is_applied_when_one_fails():
    result = run([coupon("TEN", percent="10"), gift("CARD", 3_000), coupon("NOPE", failure=NOT_FOUND)])
    assert discounts(result) == {"TEN": 0, "CARD": 0, "NOPE": 0}
    assert [r.order_total_after for r in result.results] == [ORDER, ORDER, ORDER]
    assert applied_in_order(result) == []
    assert (result.discount_amount, result.gift_credits, result.total_discount_amount) == (0, 0, 0)


def test_the_inapplicable_redeemable_carries_the_callers_failure_unchanged():
    result = run([coupon("OLD", failure=EXPIRED)], application_mode="PARTIAL")
    (only,) = result.results
    assert only.status == Status.INAPPLICABLE
    assert only.failure == EXPIRED
    assert only.skip_reason is None
    assert (only.discount_amount, only.application_position) == (0, None)


@pytest.mark.parametrize(
    ("mode", "stack", "valid"),
    [
        pytest.param("ALL", [coupon("A"), coupon("B")], True, id="all-every-one-applies"),
        pytest.param("ALL", [coupon("A", failure=EXPIRED)], False, id="all-the-only-one-fails"),
        pytest.param("PARTIAL", [coupon("A", failure=EXPIRED), coupon("B")], True, id="partial-one-of-two-applies"),
        pytest.param(
            "PARTIAL", [coupon("A", failure=EXPIRED), coupon("B", failure=NOT_FOUND)], False, id="partial-none-applies"
        ),
        pytest.param("ALL", [coupon("A"), coupon("B"), coupon("C")], True, id="all-skipped-by-a-limit-is-still-valid"),
    ],
)
def test_the_stack_is_valid_when_something_applies_and_all_mode_has_no_failure(mode, stack, valid):
    assert run(stack, application_mode=mode, applicable_redeemables_limit=2).valid is valid


def test_in_partial_mode_a_failed_coupon_uses_up_no_limit():
    result = run(
        [coupon("BAD", failure=EXPIRED), coupon("GOOD")], application_mode="PARTIAL", applicable_redeemables_limit=1
    )
    assert outcome(result) == {"BAD": "INAPPLICABLE:voucher_expired", "GOOD": A}


def test_in_partial_mode_a_failed_exclusive_coupon_does_not_push_regular_ones_out():
    result = run([coupon("VIP", category=exclusive(), failure=EXPIRED), coupon("REG")], application_mode="PARTIAL")
    assert outcome(result) == {"VIP": "INAPPLICABLE:voucher_expired", "REG": A}


# --- sorting: requested order vs category hierarchy -----------------------------------------------------------


@pytest.mark.parametrize(
    ("sorting_rule", "applied", "amounts", "total_amount"),
    [
        pytest.param("REQUESTED_ORDER", ["TEN", "FLAT"], {"TEN": 1_000, "FLAT": 1_000}, 8_000, id="requested-order"),
        pytest.param("CATEGORY_HIERARCHY", ["FLAT", "TEN"], {"TEN": 900, "FLAT": 1_000}, 8_100, id="hierarchy-1-first"),
    ],
)
def test_the_sorting_rule_decides_which_discount_comes_first(sorting_rule, applied, amounts, total_amount):
    stack = [
        coupon("TEN", percent="10", category=cat("seasonal", 3)),
        coupon("FLAT", amount=1_000, category=cat("welcome", 1)),
    ]
    result = run(stack, sorting_rule=sorting_rule, default_calculation="DISCOUNTED_AMOUNT")
    assert applied_in_order(result) == applied
    assert discounts(result) == amounts
    assert result.total_amount == total_amount


@pytest.mark.parametrize(
    ("sorting_rule", "applied"),
    [
        pytest.param("REQUESTED_ORDER", ["A2", "B1", "C2", "D", "E1", "F"], id="requested-order-ignores-categories"),
        pytest.param(
            "CATEGORY_HIERARCHY",
            ["B1", "E1", "A2", "C2", "D", "F"],
            id="hierarchy-ties-keep-request-order-uncategorised-last",
        ),
    ],
)
def test_equal_hierarchies_keep_the_request_order_and_uncategorised_coupons_come_last(sorting_rule, applied):
    stack = [
        coupon("A2", category=cat("a", 2)),
        coupon("B1", category=cat("b", 1)),
        coupon("C2", category=cat("c", 2)),
        coupon("D"),
        coupon("E1", category=cat("e", 1)),
        coupon("F"),
    ]
    result = run(stack, sorting_rule=sorting_rule, applicable_redeemables_limit=6)
    assert applied_in_order(result) == applied
    assert [r.id for r in result.results] == ["A2", "B1", "C2", "D", "E1", "F"]  # results keep the request order
    assert [r.index for r in result.results] == list(range(6))
    assert sorted(r.application_position for r in result.results) == list(range(6))


def test_hierarchy_zero_comes_before_hierarchy_one():
    result = run(
        [coupon("ONE", category=cat("one", 1)), coupon("ZERO", category=cat("zero", 0))],
        sorting_rule="CATEGORY_HIERARCHY",
    )
    assert applied_in_order(result) == ["ZERO", "ONE"]


@pytest.mark.parametrize("sorting_rule", ["REQUESTED_ORDER", "CATEGORY_HIERARCHY"])
def test_a_gift_card_pays_what_the_discounts_left_even_when_sent_first(sorting_rule):
    stack = [gift("CARD", 3_000, category=cat("cards", 1)), coupon("BIG", amount=8_000, category=cat("deals", 2))]
    result = run(stack, sorting_rule=sorting_rule)
    assert applied_in_order(result) == ["BIG", "CARD"]
    assert discounts(result) == {"CARD": 2_000, "BIG": 8_000}
    assert result.total_amount == 0


# --- eligibility: exclusive, joint, regular -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stack", "settings", "expected"),
    [
        pytest.param(
            [coupon("REG"), coupon("VIP", category=exclusive()), coupon("JNT", category=joint())],
            {},
            {"REG": EXCLUDED, "VIP": A, "JNT": A},
            id="exclusive-pushes-regular-out-keeps-joint",
        ),
        pytest.param(
            [coupon("REG"), coupon("JNT", category=joint()), coupon("REG2", category=cat("plain"))],
            {},
            {"REG": A, "JNT": A, "REG2": A},
            id="without-exclusive-regular-and-joint-apply",
        ),
        pytest.param(
            [
                coupon("VIP1", category=exclusive()),
                coupon("VIP2", category=exclusive()),
                coupon("JNT", category=joint()),
            ],
            {},
            {"VIP1": A, "VIP2": OVER_EXCLUSIVE, "JNT": A},
            id="second-exclusive-over-the-exclusive-limit",
        ),
        pytest.param(
            [coupon(f"VIP{i}", category=exclusive(f"x{i}")) for i in range(1, 4)],
            {"applicable_exclusive_redeemables_limit": 2},
            {"VIP1": A, "VIP2": A, "VIP3": OVER_EXCLUSIVE},
            id="exclusive-limit-two",
        ),
        pytest.param(
            [coupon("LATE", category=exclusive("late", 2)), coupon("EARLY", category=exclusive("early", 1))],
            {"sorting_rule": "CATEGORY_HIERARCHY"},
            {"LATE": OVER_EXCLUSIVE, "EARLY": A},
            id="exclusive-limit-counted-in-hierarchy-order",
        ),
        pytest.param(
            [coupon("JNT", category=joint()), coupon("VIP", category=exclusive()), coupon("REG")],
            {"applicable_redeemables_limit": 1},
            {"JNT": A, "VIP": OVER_LIMIT, "REG": EXCLUDED},
            id="exclusive-pushed-out-by-limit-still-excludes-regular",
        ),
        pytest.param(
            [gift("CARD", 1_000), coupon("VIP", category=exclusive())],
            {},
            {"CARD": EXCLUDED, "VIP": A},
            id="gift-card-outside-joint-category-is-regular",
        ),
        pytest.param(
            [gift("CARD", 1_000, category=joint("cards")), coupon("VIP", category=exclusive())],
            {},
            {"CARD": A, "VIP": A},
            id="gift-card-in-joint-category-pays-next-to-exclusive",
        ),
    ],
)
def test_an_exclusive_coupon_pushes_regular_coupons_out_but_keeps_joint_ones(stack, settings, expected):
    result = run(stack, **settings)
    assert outcome(result) == expected
    assert result.valid
    for r in result.results:
        if r.status == Status.SKIPPED:
            assert (r.discount_amount, r.gift_credits, r.application_position) == (0, 0, None)


# --- limits ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stack", "settings", "expected"),
    [
        pytest.param(
            [coupon("A"), coupon("B"), coupon("C")],
            {"applicable_redeemables_limit": 2},
            {"A": A, "B": A, "C": OVER_LIMIT},
            id="third-coupon-over-the-applicable-limit",
        ),
        pytest.param(
            [coupon("LATE", category=cat("late", 2)), coupon("EARLY", category=cat("early", 1))],
            {"applicable_redeemables_limit": 1, "sorting_rule": "CATEGORY_HIERARCHY"},
            {"LATE": OVER_LIMIT, "EARLY": A},
            id="applicable-limit-counted-in-hierarchy-order",
        ),
        pytest.param(
            [gift("CARD", 1_000), coupon("A")],
            {"applicable_redeemables_limit": 1},
            {"CARD": OVER_LIMIT, "A": A},
            id="gift-cards-count-and-come-after-discounts",
        ),
        pytest.param(
            [
                coupon("X1", category=cat("x")),
                coupon("X2", category=cat("x")),
                coupon("Y1", category=cat("y")),
                coupon("N1"),
                coupon("N2"),
            ],
            {"applicable_redeemables_per_category_limit": 1},
            {"X1": A, "X2": OVER_CATEGORY, "Y1": A, "N1": A, "N2": A},
            id="per-category-limit-uncategorised-are-free",
        ),
        pytest.param(
            [coupon("X1", category=cat("x")), coupon("X2", category=cat("x"))],
            {"applicable_redeemables_limit": 1, "applicable_redeemables_per_category_limit": 1},
            {"X1": A, "X2": OVER_LIMIT},
            id="applicable-limit-wins-over-per-category",
        ),
        pytest.param(
            [coupon("V1", category=exclusive("x")), coupon("V2", category=exclusive("y"))],
            {"applicable_redeemables_limit": 1},
            {"V1": A, "V2": OVER_LIMIT},
            id="applicable-limit-wins-over-exclusive-limit",
        ),
        pytest.param(
            [coupon("V1", category=exclusive("x")), coupon("V2", category=exclusive("x"))],
            {"applicable_redeemables_per_category_limit": 1},
            {"V1": A, "V2": OVER_EXCLUSIVE},
            id="exclusive-limit-wins-over-per-category",
        ),
        pytest.param(
            [coupon("R1"), coupon("VIP", category=exclusive()), coupon("R2"), coupon("JNT", category=joint())],
            {"applicable_redeemables_limit": 2},
            {"R1": EXCLUDED, "VIP": A, "R2": EXCLUDED, "JNT": A},
            id="excluded-coupons-use-up-no-limit",
        ),
    ],
)
def test_coupons_beyond_a_limit_are_skipped_with_that_limit_as_the_reason(stack, settings, expected):
    result = run(stack, **settings)
    assert outcome(result) == expected
    assert_totals_hold(result)


def test_thirty_coupons_are_accepted_and_five_apply_by_default():
    result = run([coupon(f"C{i}", amount=100) for i in range(30)])
    assert [r.status for r in result.results].count(Status.APPLICABLE) == 5
    assert result.total_discount_amount == 500


# --- discount calculation -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("default", "second_category", "second_discount"),
    [
        pytest.param("INITIAL_AMOUNT", None, 1_000, id="default-initial"),
        pytest.param("DISCOUNTED_AMOUNT", None, 900, id="default-discounted"),
        pytest.param("INITIAL_AMOUNT", "DISCOUNTED_AMOUNT", 900, id="category-discounted-overrides-initial-default"),
        pytest.param("DISCOUNTED_AMOUNT", "INITIAL_AMOUNT", 1_000, id="category-initial-overrides-discounted-default"),
        pytest.param("DISCOUNTED_AMOUNT", "DEFAULT", 900, id="category-default-follows-discounted-default"),
        pytest.param("INITIAL_AMOUNT", "DEFAULT", 1_000, id="category-default-follows-initial-default"),
    ],
)
def test_a_second_ten_percent_is_computed_on_the_initial_or_discounted_amount(
    default, second_category, second_discount
):
    category = cat("second", calculation=second_category) if second_category else None
    stack = [coupon("FIRST", percent="10"), coupon("SECOND", percent="10", category=category)]
    result = run(stack, default_calculation=default)
    assert discounts(result) == {"FIRST": 1_000, "SECOND": second_discount}
    assert [r.order_total_after for r in result.results] == [9_000, 9_000 - second_discount]
    assert result.total_amount == ORDER - 1_000 - second_discount


@pytest.mark.parametrize(
    ("stack", "default", "amounts"),
    [
        pytest.param(
            [coupon("A", percent="60"), coupon("B", percent="60")],
            "INITIAL_AMOUNT",
            {"A": 6_000, "B": 4_000},
            id="initial-amount-capped-at-what-is-left",
        ),
        pytest.param(
            [coupon("A", amount=8_000), coupon("B", amount=5_000)],
            "INITIAL_AMOUNT",
            {"A": 8_000, "B": 2_000},
            id="amount-capped-at-what-is-left",
        ),
        pytest.param(
            [coupon("A", amount=2_000), coupon("F", fixed=7_000)],
            "DISCOUNTED_AMOUNT",
            {"A": 2_000, "F": 1_000},
            id="fixed-on-discounted-amount-leaves-the-fixed-price",
        ),
        pytest.param(
            [coupon("A", amount=2_000), coupon("F", fixed=7_000)],
            "INITIAL_AMOUNT",
            {"A": 2_000, "F": 3_000},
            id="fixed-on-initial-amount-takes-initial-minus-fixed",
        ),
        pytest.param(
            [coupon("A", amount=9_500), coupon("F", fixed=7_000)],
            "INITIAL_AMOUNT",
            {"A": 9_500, "F": 500},
            id="fixed-on-initial-amount-capped-at-what-is-left",
        ),
    ],
)
def test_stacked_discounts_never_take_more_than_the_order(stack, default, amounts):
    result = run(stack, default_calculation=default)
    assert discounts(result) == amounts
    assert result.total_amount == ORDER - sum(amounts.values())
    assert_totals_hold(result)


# --- discount types and rounding ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("redeemable", "amount", "discount"),
    [
        pytest.param(coupon("P", percent="10"), 10_000, 1_000, id="percent"),
        pytest.param(coupon("P", percent="50", limit=3_000), 10_000, 3_000, id="percent-capped-by-amount-limit"),
        pytest.param(coupon("P", percent="10", limit=3_000), 10_000, 1_000, id="percent-under-amount-limit"),
        pytest.param(coupon("P", percent="100"), 10_000, 10_000, id="percent-hundred"),
        pytest.param(coupon("P", percent="0"), 10_000, 0, id="percent-zero"),
        pytest.param(coupon("M", amount=2_500), 10_000, 2_500, id="amount"),
        pytest.param(coupon("M", amount=15_000), 10_000, 10_000, id="amount-bigger-than-the-order"),
        pytest.param(coupon("M", amount=5_000, limit=1_000), 10_000, 5_000, id="amount-limit-caps-percent-only"),
        pytest.param(coupon("F", fixed=7_000), 10_000, 3_000, id="fixed-below-the-order"),
        pytest.param(coupon("F", fixed=12_000), 10_000, 0, id="fixed-above-the-order"),
        pytest.param(coupon("F", fixed=10_000), 10_000, 0, id="fixed-equal-to-the-order"),
        pytest.param(coupon("F", fixed=0), 10_000, 10_000, id="fixed-zero-makes-it-free"),
        pytest.param(coupon("P", percent="10"), 0, 0, id="empty-order"),
        pytest.param(coupon("P", percent="12.5"), 1_004, 126, id="half-rounds-up"),
        pytest.param(coupon("P", percent="10"), 1_005, 101, id="half-cent-rounds-up"),
        pytest.param(coupon("P", percent="10"), 1_004, 100, id="below-half-rounds-down"),
        pytest.param(coupon("P", percent="10"), 1_006, 101, id="above-half-rounds-up"),
        pytest.param(coupon("P", percent="50"), 1, 1, id="half-of-one-rounds-up"),
        pytest.param(coupon("P", percent="33.33"), 1, 0, id="third-of-one-rounds-down"),
        pytest.param(coupon("P", percent="12.345"), 10_000, 1_235, id="three-decimal-percent-half-up"),
        pytest.param(coupon("P", percent="0.5"), 100, 1, id="half-percent-of-one-unit"),
        pytest.param(coupon("P", percent="99.99"), 1_000_000_000, 999_900_000, id="large-order-exact"),
    ],
)
def test_a_single_discount_takes_what_its_type_says(redeemable, amount, discount):
    result = run([redeemable], amount=amount)
    (only,) = result.results
    assert only.status == Status.APPLICABLE
    assert only.discount_amount == discount
    assert only.order_total_after == amount - discount == result.total_amount
    assert result.discount_amount == result.total_discount_amount == discount


@pytest.mark.parametrize(
    ("base", "percent", "expected"),
    [
        (1_005, Decimal("10"), 101),
        (1_015, Decimal("10"), 102),  # half-up, not banker's rounding (which gives 102 too) ...
        (1_025, Decimal("10"), 103),  # ... here banker's would give 102
        (999_999_999, Decimal("33.333333333333333333333333333"), 333_333_333),
        (3, 50, 2),
    ],
)
def test_percentages_round_half_up_exactly(base, percent, expected):
    assert percent_of(base, percent) == expected


# --- gift cards -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stack", "credits", "total_amount"),
    [
        pytest.param([gift("CARD", 2_000)], {"CARD": 2_000}, 8_000, id="card-pays-part"),
        pytest.param(
            [coupon("A", amount=7_000), gift("CARD", 5_000)], {"A": 0, "CARD": 3_000}, 0, id="card-larger-than-the-rest"
        ),
        pytest.param(
            [gift("C1", 6_000), gift("C2", 6_000)], {"C1": 6_000, "C2": 4_000}, 0, id="second-card-pays-what-is-left"
        ),
        pytest.param([coupon("A", amount=10_000), gift("CARD", 500)], {"A": 0, "CARD": 0}, 0, id="nothing-left-to-pay"),
        pytest.param([gift("CARD", 0)], {"CARD": 0}, ORDER, id="zero-credits-requested"),
    ],
)
def test_a_gift_card_takes_only_what_is_left_to_pay_and_still_applies(stack, credits, total_amount):
    result = run(stack)
    assert {r.id: r.gift_credits for r in result.results} == credits
    assert all(r.status == Status.APPLICABLE for r in result.results)
    assert result.gift_credits == sum(credits.values())
    assert result.total_amount == total_amount
    assert_totals_hold(result)


def test_gift_credits_are_reported_apart_from_discounts_and_count_in_the_total_discount():
    result = run([coupon("TEN", percent="10"), gift("CARD", 2_500)])
    assert (result.discount_amount, result.gift_credits) == (1_000, 2_500)
    assert result.total_discount_amount == 3_500
    assert result.total_amount == 6_500
    assert {r.id: (r.discount_amount, r.gift_credits) for r in result.results} == {
        "TEN": (1_000, 0),
        "CARD": (0, 2_500),
    }


def test_a_redeemable_with_no_discount_and_no_credits_applies_with_no_effect():
    result = run([RedeemableFacts("promotion_tier", "promo_nothing"), coupon("A")])
    assert outcome(result) == {"promo_nothing": A, "A": A}
    assert discounts(result) == {"promo_nothing": 0, "A": 500}


# --- the order as it goes -------------------------------------------------------------------------------------


def test_each_result_shows_the_order_total_after_it_in_application_order():
    stack = [
        gift("CARD", 1_000),
        coupon("LATE", amount=2_000, category=cat("late", 2)),
        coupon("SKIP", amount=700, category=cat("late", 2)),
        coupon("EARLY", amount=1_500, category=cat("early", 1)),
        coupon("OLD", failure=EXPIRED, category=cat("early2", 1)),
    ]
    result = run(
        stack,
        sorting_rule="CATEGORY_HIERARCHY",
        application_mode="PARTIAL",
        applicable_redeemables_per_category_limit=1,
    )
    # application order: EARLY, OLD (fails), LATE, SKIP (second of its category), then the gift card
    expected = {"CARD": A, "LATE": A, "SKIP": OVER_CATEGORY, "EARLY": A, "OLD": "INAPPLICABLE:voucher_expired"}
    assert outcome(result) == expected
    assert {r.id: r.order_total_after for r in result.results} == {
        "EARLY": 8_500,
        "OLD": 8_500,
        "LATE": 6_500,
        "SKIP": 6_500,
        "CARD": 5_500,
    }
    assert {r.id: r.application_position for r in result.results} == {
        "CARD": 2,
        "LATE": 1,
        "SKIP": None,
        "EARLY": 0,
        "OLD": None,
    }
    assert [r.id for r in result.with_status(Status.APPLICABLE)] == ["CARD", "LATE", "EARLY"]
    assert [r.id for r in result.with_status(Status.SKIPPED)] == ["SKIP"]
    assert [r.id for r in result.with_status(Status.INAPPLICABLE)] == ["OLD"]


# --- caller errors --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stack", "settings"),
    [
        pytest.param([], {}, id="no-redeemables"),
        pytest.param([coupon(f"C{i}") for i in range(31)], {}, id="thirty-one"),
        pytest.param(
            [coupon("A"), coupon("B"), coupon("C")],
            {"redeemables_limit": 2, "applicable_redeemables_limit": 2},
            id="over-the-configured-limit",
        ),
        pytest.param([coupon("SAME"), coupon("OTHER"), coupon("SAME", percent="5")], {}, id="duplicate-code"),
        pytest.param(
            [coupon("promo_1", obj="promotion_tier"), coupon("promo_1", obj="promotion_tier")], {}, id="duplicate-tier"
        ),
    ],
)
def test_a_request_with_no_too_many_or_duplicated_redeemables_is_the_callers_error(stack, settings):
    with pytest.raises(ValueError):
        run(stack, **settings)


def test_a_voucher_code_may_look_like_a_promotion_tier_id():
    result = run([coupon("promo_1"), coupon("promo_1", obj="promotion_tier")])
    assert [r.status for r in result.results] == [Status.APPLICABLE, Status.APPLICABLE]


@pytest.mark.parametrize(
    "settings",
    [
        pytest.param({"redeemables_limit": 0}, id="redeemables-limit-zero"),
        pytest.param({"redeemables_limit": 31}, id="redeemables-limit-over-thirty"),
        pytest.param({"redeemables_limit": 3, "applicable_redeemables_limit": 4}, id="applicable-above-redeemables"),
        pytest.param({"applicable_redeemables_limit": 0}, id="applicable-zero"),
        pytest.param(
            {"applicable_redeemables_limit": 10, "applicable_exclusive_redeemables_limit": 6}, id="exclusive-6"
        ),
        pytest.param(
            {"applicable_redeemables_limit": 2, "applicable_exclusive_redeemables_limit": 3}, id="excl-above-appl"
        ),
        pytest.param({"applicable_exclusive_redeemables_limit": 0}, id="exclusive-zero"),
        pytest.param({"applicable_redeemables_per_category_limit": 0}, id="per-category-zero"),
        pytest.param({"applicable_redeemables_per_category_limit": 31}, id="per-category-31"),
        pytest.param({"application_mode": "SOME"}, id="unknown-mode"),
        pytest.param({"sorting_rule": "ALPHABETICAL"}, id="unknown-sorting"),
        pytest.param({"default_calculation": "DEFAULT"}, id="default-calculation-cannot-be-default"),
        pytest.param({"redeemables_limit": True}, id="bool-is-not-a-limit"),
    ],
)
def test_stacking_settings_outside_their_ranges_are_refused(settings):
    with pytest.raises(ValueError):
        StackingSettings(**settings)


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda: OrderFacts(-1), id="negative-order"),
        pytest.param(lambda: OrderFacts(10.0), id="float-order"),
        pytest.param(lambda: DiscountFacts("PERCENT"), id="percent-without-percent-off"),
        pytest.param(lambda: DiscountFacts("PERCENT", percent_off=Decimal("100.01")), id="percent-over-100"),
        pytest.param(lambda: DiscountFacts("PERCENT", percent_off=Decimal("-1")), id="percent-negative"),
        pytest.param(lambda: DiscountFacts("PERCENT", percent_off=Decimal("NaN")), id="percent-nan"),
        pytest.param(lambda: DiscountFacts("PERCENT", percent_off=12.5), id="percent-float"),
        pytest.param(lambda: DiscountFacts("PERCENT", percent_off=Decimal(5), amount_limit=-1), id="negative-limit"),
        pytest.param(lambda: DiscountFacts("AMOUNT"), id="amount-without-amount-off"),
        pytest.param(lambda: DiscountFacts("AMOUNT", amount_off=-5), id="amount-negative"),
        pytest.param(lambda: DiscountFacts("FIXED"), id="fixed-without-fixed-amount"),
        pytest.param(lambda: DiscountFacts("UNIT", amount_off=1), id="unit-discount"),
        pytest.param(lambda: CategoryFacts("cat_1", "x", 1, eligibility="NEVER"), id="unknown-eligibility"),
        pytest.param(lambda: CategoryFacts("cat_1", "x", 1, calculation="HALF"), id="unknown-calculation"),
        pytest.param(lambda: CategoryFacts("cat_1", "x", -1), id="negative-hierarchy"),
        pytest.param(lambda: gift("CARD", -1), id="negative-gift-credits"),
        pytest.param(
            lambda: RedeemableFacts("voucher", "BOTH", discount=DiscountFacts("AMOUNT", amount_off=1), gift_credits=1),
            id="discount-and-gift-credits",
        ),
    ],
)
def test_facts_that_contradict_themselves_are_refused(build):
    with pytest.raises(ValueError):
        build()


def test_percent_off_may_be_given_as_an_integer():
    result = run([RedeemableFacts("voucher", "P", discount=DiscountFacts("PERCENT", percent_off=25))])
    assert result.discount_amount == 2_500


# --- the engine stays pure and in step with the models --------------------------------------------------------


def test_the_engine_imports_neither_django_nor_the_project():
    project = {"django", "voucherhub", "campaigns", "redemptions", "sessions", "auditlog", "exports"}
    code = (
        "import sys, stacking.engine\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {sorted(project)!r} or m == 'stacking.models')\n"
        "print(bad)\n"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_engine_enums_match_the_models_choices():
    from stacking import engine, models

    pairs = [
        (engine.Eligibility, models.StackingEligibility),
        (engine.Calculation, models.DiscountCalculation),
        (engine.ApplicationMode, models.ApplicationMode),
        (engine.SortingRule, models.SortingRule),
    ]
    for ours, theirs in pairs:
        assert {m.value for m in ours} == set(theirs.values), ours.__name__
    assert engine.MAX_REDEEMABLES == models.MAX_REDEEMABLES
    assert engine.MAX_EXCLUSIVE == models.MAX_EXCLUSIVE
