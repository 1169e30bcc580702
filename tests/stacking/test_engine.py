"""The stacking engine, rule by rule: which redeemables apply (application mode, sorting, eligibility,
limits), as a marketer sees it in the results.

Plain functions on plain data: no database. Amounts are minor units; the order is 100.00 unless a row
says otherwise. Discount amounts, gift cards, caller errors: test_engine_amounts.py.
"""

import pytest

from stacking.engine import Status
from tests.stacking.stacks import (
    EXCLUDED,
    EXPIRED,
    NOT_FOUND,
    ORDER,
    OVER_CATEGORY,
    OVER_EXCLUSIVE,
    OVER_LIMIT,
    PRECEDING,
    A,
    applied_in_order,
    assert_totals_hold,
    cat,
    coupon,
    discounts,
    exclusive,
    gift,
    joint,
    outcome,
    run,
)

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
