"""The stacking engine, rule by rule: what a shopper pays (discount calculation, types and rounding, gift
cards, the order as it goes), what a caller may not send, and the engine's purity.

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
    OrderFacts,
    RedeemableFacts,
    StackingSettings,
    Status,
    percent_of,
)
from tests.stacking.stacks import (
    EXPIRED,
    ORDER,
    OVER_CATEGORY,
    A,
    assert_totals_hold,
    cat,
    coupon,
    discounts,
    gift,
    outcome,
    run,
)

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


@pytest.mark.parametrize("module", ["stacking.engine", "stacking.checks"])
def test_the_engine_and_its_checks_import_neither_django_nor_the_project(module):
    project = {"django", "voucherhub", "campaigns", "redemptions", "sessions", "auditlog", "exports"}
    code = (
        f"import sys, {module}\n"
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
