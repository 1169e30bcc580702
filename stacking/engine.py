"""The stacking engine: what a stack of redeemables does to an order.

A pure function on plain data: no Django, no database, no I/O, no clock. The redemption services gather
the facts (settings row, each redeemable's own check, its category and discount, the order amount), call
:func:`evaluate_stack`, and render or store what it returns. Money is integer minor units throughout; the
only non-integer arithmetic is ``Decimal`` for percentages, never ``float``.

Caller errors raise ``ValueError`` (the API answers 400 before it gets here): no redeemables, more than
``redeemables_limit``, the same ``(object, id)`` twice, settings outside their ranges, facts that contradict
themselves (a negative amount, a PERCENT discount without ``percent_off``, a discount and gift credits on
the same redeemable, a float where a Decimal belongs, an unknown enum value).

Rules, in the order the engine applies them. Where the platform's documentation is silent, the rule below is the
decision taken here (marked *decision*).

1. **Own checks.** A redeemable whose facts carry a ``failure`` is ``INAPPLICABLE`` with that failure, in
   both modes. The engine passes the failure through unchanged; the caller picks the code and message
   from the fifteen of stacking.checks.FailureCode.
2. **Application mode.** ``ALL``: if any redeemable is inapplicable, nothing applies; every other one is
   ``SKIPPED`` with ``preceding_validation_failed`` (the platform's key, whatever the position of the
   failing one), every amount is 0 and the order keeps its full amount. ``PARTIAL``: inapplicable ones
   are reported and take no part in what follows (they use up no limit and exclude nothing); the others
   are stacked as if only they had been sent.
3. **Application order** (*decision*: one order for everything below). Discounts first, then gift cards
   (a gift card pays for what the discounts left, as a payment method does); within each group the
   sorting rule: ``REQUESTED_ORDER`` keeps the request order; ``CATEGORY_HIERARCHY`` puts redeemables with
   a category first, by ascending hierarchy (1 before 2), then those without a category in their requested
   order. Ties in hierarchy keep the requested order: the sort is stable, and that is the only way the
   request order matters under ``CATEGORY_HIERARCHY``. Eligibility, limits and amounts are all decided
   walking this one order, so a gift card sent first can still be the one pushed out by a limit.
   Results come back in the requested order; ``application_position`` (0-based, consecutive over the
   applied ones) tells the order in which they were applied.
4. **Eligibility** (*decision*: the simplest deterministic reading). A redeemable is exclusive, joint or
   regular by its category's eligibility (no category: regular). If at least one exclusive redeemable
   passed its own checks, the stack is exclusive: every regular redeemable is ``SKIPPED`` with
   ``exclusion_rules_not_met`` (even if that exclusive one is then pushed out by a limit), exclusive ones
   apply in application order up to ``applicable_exclusive_redeemables_limit`` and the rest are
   ``SKIPPED`` with ``applicable_exclusive_redeemables_limit_exceeded``; joint ones apply as usual.
   Without an exclusive one, regular and joint ones apply. Gift cards are no exception: a gift card
   outside a JOINT category is regular, so gift card campaigns belong in a JOINT category if they are
   to pay next to an exclusive coupon.
5. **Limits**, counted over applied redeemables of every kind (gift cards included) in application order.
   For each redeemable the first reason that holds wins (*decision*): ``exclusion_rules_not_met``, then
   ``applicable_redeemables_limit_exceeded`` (already ``applicable_redeemables_limit`` applied), then
   ``applicable_exclusive_redeemables_limit_exceeded``, then
   ``applicable_redeemables_per_category_limit_exceeded`` (already that many applied from its category,
   by category id; redeemables without a category are under no per-category limit). A skipped redeemable
   uses up no limit.
6. **Discount amounts.** The calculation is the category's ``calculation`` unless it is ``DEFAULT`` or
   there is no category, in which case ``settings.default_calculation``. The base is the order's initial
   amount (``INITIAL_AMOUNT``) or what the redeemables applied before it left (``DISCOUNTED_AMOUNT``).
   ``PERCENT``: ``base * percent_off / 100`` rounded half-up to an integer, then capped by ``amount_limit``
   when set. ``AMOUNT``: ``amount_off``. ``FIXED``: the order should cost ``fixed_amount``, so
   ``max(base - fixed_amount, 0)``. ``amount_limit`` caps PERCENT only. Every discount
   is then capped at what remains of the order, so the total never goes below 0 and the discounts never
   add up to more than the order amount.
7. **Gift cards** (``gift_credits`` set, no discount) take ``min(gift_credits, remaining total)``. The
   caller has already checked the credits against the card's balance. A gift card that ends up taking 0
   (nothing left to pay, or 0 requested) is still ``APPLICABLE`` (*decision*: the simplest; it matches
   the platform's ``REDEEM_ANYWAY`` no-effect rule). A redeemable with neither a discount nor gift credits
   applies with no effect, likewise.
8. **Totals.** ``discount_amount`` is the sum of the discounts, ``gift_credits`` the sum of the credits
   taken; ``total_discount_amount = discount_amount + gift_credits`` (*decision*: gift credits count, so
   that ``total_amount = initial_amount - total_discount_amount`` is what the customer still pays; they
   are also reported on their own). Each result's ``order_total_after`` is the order's remaining total
   after that redeemable in application order (for one that did not apply: the total the ones applied
   before it left; in ``ALL`` mode with a failure: the full amount).
9. **valid** is true when at least one redeemable is ``APPLICABLE`` (*decision*). In ``ALL`` mode that is
   exactly "no redeemable is inapplicable": a failure applies nothing, and without one something always
   applies (a limit only pushes a redeemable out once others have filled it, and a regular one is only
   pushed out by an exclusive one that applies or was pushed out by others that did). ``SKIPPED`` ones do
   not make the stack invalid: a limit or an exclusion is the stacking rules doing their job, and the
   platform lists them in ``skipped_redeemables`` of a valid answer. In ``PARTIAL`` mode: at least one
   applies.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum

MAX_REDEEMABLES = 30
MAX_EXCLUSIVE = 5


class Eligibility(StrEnum):
    """Mirrors ``stacking.models.StackingEligibility`` (a test keeps the two in step)."""

    REGULAR = ""
    EXCLUSIVE = "EXCLUSIVE"
    JOINT = "JOINT"


class Calculation(StrEnum):
    """Mirrors ``stacking.models.DiscountCalculation``."""

    DEFAULT = "DEFAULT"
    INITIAL_AMOUNT = "INITIAL_AMOUNT"
    DISCOUNTED_AMOUNT = "DISCOUNTED_AMOUNT"


class ApplicationMode(StrEnum):
    """Mirrors ``stacking.models.ApplicationMode``."""

    ALL = "ALL"
    PARTIAL = "PARTIAL"


class SortingRule(StrEnum):
    """Mirrors ``stacking.models.SortingRule``."""

    REQUESTED_ORDER = "REQUESTED_ORDER"
    CATEGORY_HIERARCHY = "CATEGORY_HIERARCHY"


class DiscountType(StrEnum):
    PERCENT = "PERCENT"
    AMOUNT = "AMOUNT"
    FIXED = "FIXED"


class Status(StrEnum):
    APPLICABLE = "APPLICABLE"
    INAPPLICABLE = "INAPPLICABLE"
    SKIPPED = "SKIPPED"


class SkipReason(StrEnum):
    """The ``result.details.key`` of a skipped redeemable: a subset of the keys the platform allows."""

    APPLICABLE_REDEEMABLES_LIMIT_EXCEEDED = "applicable_redeemables_limit_exceeded"
    APPLICABLE_REDEEMABLES_PER_CATEGORY_LIMIT_EXCEEDED = "applicable_redeemables_per_category_limit_exceeded"
    APPLICABLE_EXCLUSIVE_REDEEMABLES_LIMIT_EXCEEDED = "applicable_exclusive_redeemables_limit_exceeded"
    EXCLUSION_RULES_NOT_MET = "exclusion_rules_not_met"
    PRECEDING_VALIDATION_FAILED = "preceding_validation_failed"


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_amount(name: str, value: object, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    _require(_is_int(value) and value >= 0, f"{name} must be an integer >= 0, got {value!r}")


def _check_choice(name: str, value: object, choices: type[StrEnum]) -> None:
    allowed = {member.value for member in choices}
    _require(value in allowed, f"{name} must be one of {sorted(allowed)}, got {value!r}")


@dataclass(frozen=True)
class StackingSettings:
    """The stacking rules row as plain data; ranges as the platform sets them (out of range: ValueError)."""

    redeemables_limit: int = 30
    applicable_redeemables_limit: int = 5
    applicable_exclusive_redeemables_limit: int = 1
    applicable_redeemables_per_category_limit: int | None = None
    application_mode: str = ApplicationMode.ALL
    sorting_rule: str = SortingRule.REQUESTED_ORDER
    default_calculation: str = Calculation.INITIAL_AMOUNT  # never DEFAULT

    def __post_init__(self) -> None:
        def in_range(name: str, value: object, high: int) -> None:
            _require(_is_int(value) and 1 <= value <= high, f"{name} must be an integer in 1..{high}, got {value!r}")

        in_range("redeemables_limit", self.redeemables_limit, MAX_REDEEMABLES)
        in_range("applicable_redeemables_limit", self.applicable_redeemables_limit, self.redeemables_limit)
        in_range(
            "applicable_exclusive_redeemables_limit",
            self.applicable_exclusive_redeemables_limit,
            min(MAX_EXCLUSIVE, self.applicable_redeemables_limit),
        )
        if self.applicable_redeemables_per_category_limit is not None:
            in_range(
                "applicable_redeemables_per_category_limit",
                self.applicable_redeemables_per_category_limit,
                MAX_REDEEMABLES,
            )
        _check_choice("application_mode", self.application_mode, ApplicationMode)
        _check_choice("sorting_rule", self.sorting_rule, SortingRule)
        _require(
            self.default_calculation in (Calculation.INITIAL_AMOUNT, Calculation.DISCOUNTED_AMOUNT),
            f"default_calculation must be INITIAL_AMOUNT or DISCOUNTED_AMOUNT, got {self.default_calculation!r}",
        )


@dataclass(frozen=True)
class CategoryFacts:
    """A redeemable's stacking category. ``hierarchy`` 1 is applied first under CATEGORY_HIERARCHY."""

    id: str
    name: str
    hierarchy: int
    eligibility: str = Eligibility.REGULAR
    calculation: str = Calculation.DEFAULT

    def __post_init__(self) -> None:
        _check_amount("category hierarchy", self.hierarchy)
        _check_choice("category eligibility", self.eligibility, Eligibility)
        _check_choice("category calculation", self.calculation, Calculation)


@dataclass(frozen=True)
class DiscountFacts:
    """An order-level discount. The field its ``type`` needs is required; ``amount_limit`` caps PERCENT."""

    type: str
    percent_off: Decimal | None = None
    amount_off: int | None = None
    fixed_amount: int | None = None
    amount_limit: int | None = None

    def __post_init__(self) -> None:
        _check_choice("discount type", self.type, DiscountType)
        if self.type == DiscountType.PERCENT:
            percent = self.percent_off
            _require(
                isinstance(percent, Decimal | int)
                and not isinstance(percent, bool)
                and Decimal(percent).is_finite()
                and 0 <= percent <= 100,
                f"percent_off must be a Decimal in 0..100, got {percent!r}",
            )
        elif self.type == DiscountType.AMOUNT:
            _check_amount("amount_off", self.amount_off)
        else:
            _check_amount("fixed_amount", self.fixed_amount)
        _check_amount("amount_limit", self.amount_limit, optional=True)


@dataclass(frozen=True)
class Failure:
    """Why a redeemable failed its own checks: a code of stacking.checks.FailureCode and its message."""

    code: str
    message: str
    details: str = ""


@dataclass(frozen=True)
class RedeemableFacts:
    """One requested redeemable and what the caller found out about it.

    ``failure`` set means it failed its own checks (INAPPLICABLE); its other facts are then ignored.
    A discount voucher or promotion tier carries ``discount``; a gift card carries ``gift_credits`` (the
    credits requested, already checked against the balance). Never both.
    """

    object: str
    id: str
    failure: Failure | None = None
    category: CategoryFacts | None = None
    discount: DiscountFacts | None = None
    gift_credits: int | None = None

    def __post_init__(self) -> None:
        _require(
            self.discount is None or self.gift_credits is None,
            f"{self.id!r}: a redeemable carries a discount or gift credits, not both",
        )
        _check_amount("gift_credits", self.gift_credits, optional=True)

    @property
    def is_gift_card(self) -> bool:
        return self.gift_credits is not None


@dataclass(frozen=True)
class OrderFacts:
    amount: int  # minor units

    def __post_init__(self) -> None:
        _check_amount("order amount", self.amount)


@dataclass(frozen=True)
class RedeemableResult:
    """What happened to one redeemable.

    ``index`` is its position in the request. ``failure`` is set when INAPPLICABLE, ``skip_reason`` when
    SKIPPED. ``discount_amount`` and ``gift_credits`` are what it took (0 unless APPLICABLE).
    ``order_total_after`` is the order's remaining total after it in application order;
    ``application_position`` its 0-based place in that order when APPLICABLE, else None.
    """

    index: int
    object: str
    id: str
    status: Status
    failure: Failure | None = None
    skip_reason: SkipReason | None = None
    discount_amount: int = 0
    gift_credits: int = 0
    order_total_after: int = 0
    application_position: int | None = None


@dataclass(frozen=True)
class StackResult:
    """The stack's verdict: results in the requested order and the order's totals (module docstring, 8-9)."""

    valid: bool
    results: tuple[RedeemableResult, ...]
    initial_amount: int
    discount_amount: int
    gift_credits: int
    total_discount_amount: int
    total_amount: int

    def with_status(self, status: Status) -> tuple[RedeemableResult, ...]:
        """The results of one status, in the requested order (the API's three lists)."""
        return tuple(result for result in self.results if result.status == status)


def evaluate_stack(
    settings: StackingSettings, redeemables: Sequence[RedeemableFacts], order: OrderFacts
) -> StackResult:
    """Decide each redeemable's status and amount and the order's totals; see the module docstring."""
    items = tuple(redeemables)
    _require(len(items) >= 1, "at least one redeemable is required")
    _require(
        len(items) <= settings.redeemables_limit,
        f"{len(items)} redeemables sent, the limit is {settings.redeemables_limit}",
    )
    seen = Counter((item.object, item.id) for item in items)
    duplicates = sorted(f"{obj}:{ident}" for (obj, ident), count in seen.items() if count > 1)
    _require(not duplicates, f"duplicated redeemables: {', '.join(duplicates)}")

    amount = order.amount
    failed = any(item.failure is not None for item in items)
    if failed and settings.application_mode == ApplicationMode.ALL:
        results = tuple(
            RedeemableResult(
                index=index,
                object=item.object,
                id=item.id,
                status=Status.INAPPLICABLE if item.failure else Status.SKIPPED,
                failure=item.failure,
                skip_reason=None if item.failure else SkipReason.PRECEDING_VALIDATION_FAILED,
                order_total_after=amount,
            )
            for index, item in enumerate(items)
        )
        return _stack_result(results, amount)

    exclusive_stack = any(item.failure is None and _eligibility(item) == Eligibility.EXCLUSIVE for item in items)
    by_index: dict[int, RedeemableResult] = {}
    applied = 0
    applied_exclusive = 0
    applied_per_category: Counter[str] = Counter()
    remaining = amount
    for index in _application_order(settings, items):
        item = items[index]
        if item.failure is not None:
            by_index[index] = RedeemableResult(
                index, item.object, item.id, Status.INAPPLICABLE, failure=item.failure, order_total_after=remaining
            )
            continue
        reason = _skip_reason(settings, item, exclusive_stack, applied, applied_exclusive, applied_per_category)
        if reason is not None:
            by_index[index] = RedeemableResult(
                index, item.object, item.id, Status.SKIPPED, skip_reason=reason, order_total_after=remaining
            )
            continue
        discount = (
            _discount_amount(settings, item.discount, item.category, amount, remaining)
            if item.discount is not None
            else 0
        )
        credits = min(item.gift_credits, remaining) if item.gift_credits is not None else 0
        remaining -= discount + credits
        by_index[index] = RedeemableResult(
            index,
            item.object,
            item.id,
            Status.APPLICABLE,
            discount_amount=discount,
            gift_credits=credits,
            order_total_after=remaining,
            application_position=applied,
        )
        applied += 1
        if _eligibility(item) == Eligibility.EXCLUSIVE:
            applied_exclusive += 1
        if item.category is not None:
            applied_per_category[item.category.id] += 1
    return _stack_result(tuple(by_index[index] for index in range(len(items))), amount)


def _eligibility(item: RedeemableFacts) -> str:
    return item.category.eligibility if item.category is not None else Eligibility.REGULAR


def _application_order(settings: StackingSettings, items: tuple[RedeemableFacts, ...]) -> list[int]:
    """Request positions in application order: discounts before gift cards, then the sorting rule (stable)."""

    def key(index: int) -> tuple[bool, bool, int]:
        item = items[index]
        if settings.sorting_rule == SortingRule.CATEGORY_HIERARCHY and item.category is not None:
            return (item.is_gift_card, False, item.category.hierarchy)
        return (item.is_gift_card, settings.sorting_rule == SortingRule.CATEGORY_HIERARCHY, 0)

    return sorted(range(len(items)), key=key)  # sorted() is stable: ties keep the requested order


def _skip_reason(
    settings: StackingSettings,
    item: RedeemableFacts,
    exclusive_stack: bool,
    applied: int,
    applied_exclusive: int,
    applied_per_category: Counter[str],
) -> SkipReason | None:
    eligibility = _eligibility(item)
    if exclusive_stack and eligibility == Eligibility.REGULAR:
        return SkipReason.EXCLUSION_RULES_NOT_MET
    if applied >= settings.applicable_redeemables_limit:
        return SkipReason.APPLICABLE_REDEEMABLES_LIMIT_EXCEEDED
    if eligibility == Eligibility.EXCLUSIVE and applied_exclusive >= settings.applicable_exclusive_redeemables_limit:
        return SkipReason.APPLICABLE_EXCLUSIVE_REDEEMABLES_LIMIT_EXCEEDED
    per_category = settings.applicable_redeemables_per_category_limit
    if (
        per_category is not None
        and item.category is not None
        and applied_per_category[item.category.id] >= per_category
    ):
        return SkipReason.APPLICABLE_REDEEMABLES_PER_CATEGORY_LIMIT_EXCEEDED
    return None


def _discount_amount(
    settings: StackingSettings,
    discount: DiscountFacts,
    category: CategoryFacts | None,
    initial: int,
    remaining: int,
) -> int:
    """The discount on ``initial`` or ``remaining`` by the redeemable's calculation, capped at ``remaining``."""
    calculation = category.calculation if category is not None else Calculation.DEFAULT
    if calculation == Calculation.DEFAULT:
        calculation = settings.default_calculation
    base = initial if calculation == Calculation.INITIAL_AMOUNT else remaining
    if discount.type == DiscountType.PERCENT:
        assert discount.percent_off is not None  # checked by DiscountFacts
        value = percent_of(base, discount.percent_off)
        if discount.amount_limit is not None:
            value = min(value, discount.amount_limit)
    elif discount.type == DiscountType.AMOUNT:
        assert discount.amount_off is not None
        value = discount.amount_off
    else:
        assert discount.fixed_amount is not None
        value = max(base - discount.fixed_amount, 0)
    return min(value, remaining)


def percent_of(base: int, percent_off: Decimal | int) -> int:
    """``base * percent_off / 100`` rounded half-up to an integer, exactly (no float, no lost digits)."""
    with localcontext() as context:
        context.prec = 60  # enough for any 10-digit amount times a percent with dozens of decimals
        return int((Decimal(base) * Decimal(percent_off) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _stack_result(results: tuple[RedeemableResult, ...], amount: int) -> StackResult:
    discount_amount = sum(result.discount_amount for result in results)
    gift_credits = sum(result.gift_credits for result in results)
    total_discount_amount = discount_amount + gift_credits
    return StackResult(
        valid=any(result.status == Status.APPLICABLE for result in results),
        results=results,
        initial_amount=amount,
        discount_amount=discount_amount,
        gift_credits=gift_credits,
        total_discount_amount=total_discount_amount,
        total_amount=amount - total_discount_amount,
    )
