"""A redeemable's own checks, and the fifteen failure reasons they end in.

Pure, like :mod:`stacking.engine` beside it: no Django, no database, no clock. The redemption services
read a voucher or promotion tier under the call's locks and describe it as :class:`RedeemableState`; the
demo's bulk loader describes its in-memory vouchers the same way. Both ask :func:`own_failure` which
check fails first, so the two can never disagree on the order of the checks or on what a gift card takes.

The order: exists, not active yet, expired, disabled, quantity (other sessions' locks
count as taken), gift balance (likewise), then the shape of the request's ``gift``. The order's shape
(``invalid_order``, ``invalid_amount``, ``missing_amount``) and the validation rules come after, from
:mod:`redemptions.orders` and :mod:`campaigns.rules`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class FailureCode(StrEnum):
    """The fifteen failure reasons, in the order the engine checks them; ``label`` is the message shown."""

    RESOURCE_NOT_FOUND = "resource_not_found"
    VOUCHER_NOT_ACTIVE = "voucher_not_active"
    VOUCHER_EXPIRED = "voucher_expired"
    VOUCHER_DISABLED = "voucher_disabled"
    QUANTITY_EXCEEDED = "quantity_exceeded"
    GIFT_AMOUNT_EXCEEDED = "gift_amount_exceeded"
    ORDER_RULES_VIOLATED = "order_rules_violated"
    CUSTOMER_RULES_VIOLATED = "customer_rules_violated"
    REDEMPTION_RULES_VIOLATED = "redemption_rules_violated"
    INVALID_ORDER = "invalid_order"
    INVALID_AMOUNT = "invalid_amount"
    MISSING_AMOUNT = "missing_amount"
    MISSING_ORDER_ITEMS = "missing_order_items"
    MISSING_CUSTOMER = "missing_customer"
    INVALID_PAYLOAD = "invalid_payload"

    @property
    def label(self) -> str:
        return _MESSAGES[self]

    @property
    def error_key(self) -> str:
        """The key on the wire: only ``resource_not_found`` differs."""
        return "not_found" if self is FailureCode.RESOURCE_NOT_FOUND else self.value

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """``(value, message)`` pairs, for a model field's and a form's choices."""
        return [(code.value, code.label) for code in cls]


_MESSAGES = {
    FailureCode.RESOURCE_NOT_FOUND: "Voucher did not exist",
    FailureCode.VOUCHER_NOT_ACTIVE: "Voucher was not active yet",
    FailureCode.VOUCHER_EXPIRED: "Voucher expired",
    FailureCode.VOUCHER_DISABLED: "Voucher was disabled",
    FailureCode.QUANTITY_EXCEEDED: "Redemption quantity exceeded",
    FailureCode.GIFT_AMOUNT_EXCEEDED: "Gift voucher amount exceeded",
    FailureCode.ORDER_RULES_VIOLATED: "Order does not match validation rules",
    FailureCode.CUSTOMER_RULES_VIOLATED: "Customer does not match to the segment",
    FailureCode.REDEMPTION_RULES_VIOLATED: "Redemption conditions not met",
    FailureCode.INVALID_ORDER: "Order was specified incorrectly",
    FailureCode.INVALID_AMOUNT: "Order amount was specified incorrectly",
    FailureCode.MISSING_AMOUNT: "Order amount was not specified",
    FailureCode.MISSING_ORDER_ITEMS: "Order items were not specified",
    FailureCode.MISSING_CUSTOMER: "Customer was not specified",
    FailureCode.INVALID_PAYLOAD: "Invalid input data",
}


@dataclass(frozen=True)
class RedeemableState:
    """A voucher or promotion tier as the checks see it, at the moment of the call.

    Dates and the enabled flag combine the redeemable's own with its campaign's (the later start, the
    earlier end; enabled only if both are). ``taken`` and ``available_credits`` already count the locks
    of other sessions as used and the caller's own session's as free. Promotion tiers have no quantity
    and no balance.
    """

    starts_at: datetime | None = None
    ends_at: datetime | None = None
    enabled: bool = True
    quantity: int | None = None  # the redemption limit; None: unlimited
    taken: int = 0  # redeemed plus locked by other sessions
    is_gift: bool = False
    available_credits: int = 0  # gift balance minus what other sessions hold


@dataclass(frozen=True)
class GiftRequest:
    """What a redeemable asks of a gift card: ``credits`` (None: not said), or why the request's ``gift``
    cannot be read (``problem``, an ``invalid_payload`` failure of that redeemable)."""

    credits: int | None = None
    problem: str | None = None


@dataclass(frozen=True)
class OwnCheck:
    """The first failing own check (None: all passed) and, for a gift card that passed, the credits it
    will take: those asked for, else its whole available balance."""

    failure: FailureCode | None
    credits: int | None = None


def own_failure(state: RedeemableState | None, now: datetime, gift: GiftRequest = GiftRequest()) -> OwnCheck:
    """Checks 1-6 and the payload check, in their order. ``state`` None: the redeemable does not exist."""
    if state is None:
        return OwnCheck(FailureCode.RESOURCE_NOT_FOUND)
    if state.starts_at is not None and now < state.starts_at:
        return OwnCheck(FailureCode.VOUCHER_NOT_ACTIVE)
    if state.ends_at is not None and now > state.ends_at:
        return OwnCheck(FailureCode.VOUCHER_EXPIRED)
    if not state.enabled:
        return OwnCheck(FailureCode.VOUCHER_DISABLED)
    if state.quantity is not None and state.taken >= state.quantity:
        return OwnCheck(FailureCode.QUANTITY_EXCEEDED)
    if gift.problem is not None:
        return OwnCheck(FailureCode.INVALID_PAYLOAD)
    if not state.is_gift:
        return OwnCheck(None)
    if gift.credits is None:
        if state.available_credits <= 0:
            return OwnCheck(FailureCode.GIFT_AMOUNT_EXCEEDED)
        return OwnCheck(None, state.available_credits)
    if gift.credits > state.available_credits:
        return OwnCheck(FailureCode.GIFT_AMOUNT_EXCEEDED)
    return OwnCheck(None, gift.credits)


def latest(*moments: datetime | None) -> datetime | None:
    """The latest of the dates given (None when none is), as a start date combines."""
    known = [m for m in moments if m is not None]
    return max(known) if known else None


def earliest(*moments: datetime | None) -> datetime | None:
    """The earliest of the dates given (None when none is), as an expiration date combines."""
    known = [m for m in moments if m is not None]
    return min(known) if known else None
