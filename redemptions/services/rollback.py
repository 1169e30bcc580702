"""Rollbacks of redemptions, single and stacked."""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from auditlog.services import record_event
from campaigns.models import (
    Order,
    OrderStatus,
    Voucher,
    VoucherTransaction,
)
from campaigns.statements import count_rollback, lock_vouchers
from voucherhub.caller import Caller
from voucherhub.errors import DomainError, not_found
from voucherhub.ids import new_id

from ..models import (
    Redemption,
    RedemptionResult,
    RedemptionStatus,
    Rollback,
)
from ..orders import OrderRequest, set_order_status
from . import rewards
from .requests import CustomerInput, RollbackRequest


@dataclass
class RollbackOutcome:
    """A rollback call. ``error`` is set when it was refused after storing an ``rrf_`` attempt."""

    rollbacks: list[Rollback] = field(default_factory=list)
    parent_rollback: Rollback | None = None
    order: Order | None = None
    error: DomainError | None = None


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus calendar months; the day is clamped to the target month (Jan 31 + 1 = Feb 28/29)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def rollback_window_end(redemption: Redemption) -> datetime:
    return add_months(redemption.created_at, Rollback.ROLLBACK_WINDOW_MONTHS)


def rollback_redemption(request: RollbackRequest, *, caller: Caller) -> RollbackOutcome:
    """Roll a redemption back: its voucher's quantity and gift balance are restored (a VoucherTransaction
    per gift change), it becomes ROLLED_BACK, its order CANCELED, and an ``rr_`` rollback is stored.

    ``request.stacked`` (``POST /v1/redemptions/{id}/rollbacks``) takes a stacked parent and rolls back
    every child under an ``rr_`` parent rollback (a redemption without a parent is accepted too); the
    single endpoint refuses a parent (``invalid_redemption``) and a child (``invalid_redemption_parent``).
    A redemption already rolled back, or older than 3 calendar months, is refused after storing an ``rrf_``
    attempt (``outcome.error``: ``already_rolled_back`` / ``rollback_period_expired``). Raises a DomainError
    for the other refusals (``not_found``, ``invalid_redemption``, ``invalid_order``, ``invalid_customer``),
    writing nothing. Locks the vouchers in pk order, then the redemption rows, and re-reads their status
    under the locks.
    """
    target = _target(request)
    children_ids = list(target.children.values_list("id", flat=True)) if target.is_stacked_parent else []
    voucher_ids = Redemption.objects.filter(pk__in=[target.id, *children_ids], voucher__isnull=False).values_list(
        "voucher_id", flat=True
    )
    with transaction.atomic():
        vouchers = lock_vouchers(list(voucher_ids))
        rows = {
            r.pk: r
            for r in Redemption.objects.select_for_update().filter(pk__in=[target.id, *children_ids]).order_by("pk")
        }
        target = rows[target.id]
        now = timezone.now()
        common = {
            "channel_type": caller.channel_type,
            "channel_id": caller.channel_id,
            "user": caller.user,
            "tracking_id": request.tracking_id or target.tracking_id,
            "metadata": dict(request.metadata),
            "reason": request.reason or "",
            "request_log_id": caller.request_id,
        }
        if target.status == RedemptionStatus.ROLLED_BACK:
            return _refuse_rollback(target, ALREADY_ROLLED_BACK, target.id, now, common, caller)
        if now > rollback_window_end(target):
            details = f"Redemption {target.id} is older than {Rollback.ROLLBACK_WINDOW_MONTHS} calendar months"
            return _refuse_rollback(target, PERIOD_EXPIRED, details, now, common, caller)
        try:
            with transaction.atomic():
                outcome = _roll_back(target, [rows[i] for i in children_ids], vouchers, now, common, caller)
        except IntegrityError:
            # The database refused a second successful rollback of the same redemption.
            return _refuse_rollback(target, ALREADY_ROLLED_BACK, target.id, now, common, caller)
    return outcome


_PART_OF_STACK = "part of the stacked redemption {parent}; roll back the parent"


def stacked_child_refusal(parent_id: str) -> str:
    """Why a stacked redemption's child is not rolled back by itself, as the dashboard says it (its row
    menu, and its refusal when posted anyway); the API's ``invalid_redemption_parent`` says the same."""
    sentence = _PART_OF_STACK.format(parent=parent_id)
    return f"{sentence[0].upper()}{sentence[1:]}."


ALREADY_ROLLED_BACK = ("already_rolled_back", "Redemption has already been rolled back")
PERIOD_EXPIRED = ("rollback_period_expired", "Rollback period expired")


def _target(request: RollbackRequest) -> Redemption:
    """The redemption to roll back, or the DomainError refusing the request before anything is written."""
    target = Redemption.objects.select_related("order", "customer").filter(pk=request.redemption_id).first()
    if target is None:
        raise not_found("redemption", request.redemption_id)
    if target.parent_id is not None:
        raise DomainError(
            "invalid_redemption_parent",
            "Invalid redemption parent",
            f"Redemption {target.id} is {_PART_OF_STACK.format(parent=target.parent_id)} "
            f"through POST /v1/redemptions/{target.parent_id}/rollbacks",
        )
    if target.is_stacked_parent and not request.stacked:
        raise DomainError(
            "invalid_redemption",
            "Invalid redemption",
            f"Redemption {target.id} is a stacked redemption; roll it back through "
            f"POST /v1/redemptions/{target.id}/rollbacks",
        )
    if target.result != RedemptionResult.SUCCESS:
        details = f"Redemption {target.id} failed; there is nothing to roll back"
        raise DomainError("invalid_redemption", "Invalid redemption", details)
    _check_rollback_body(target, customer=request.customer, order=request.order)
    return target


def _differs(stored, wanted_id: str | None, wanted_source: str | None) -> bool:
    """Whether an order or customer named by id / source_id is not the stored one."""
    return bool(
        (wanted_id and (stored is None or stored.id != wanted_id))
        or (wanted_source and (stored is None or stored.source_id != wanted_source))
    )


def _check_rollback_body(target: Redemption, *, customer: CustomerInput | None, order: OrderRequest | None) -> None:
    """The optional body must describe the redemption's own order and customer."""
    if order is not None and _differs(target.order, order.id, order.source_id):
        raise DomainError("invalid_order", "Invalid order", f"The order does not match redemption {target.id}")
    if customer is not None and _differs(target.customer, customer.id, customer.source_id):
        raise DomainError("invalid_customer", "Invalid customer", f"The customer does not match redemption {target.id}")


def _refuse_rollback(
    target: Redemption, refusal: tuple[str, str], details: str, now: datetime, common: dict, caller: Caller
) -> RollbackOutcome:
    key, message = refusal
    refused = Rollback.objects.create(
        id=new_id("rrf_"),
        redemption=target,
        created_at=now,
        result=RedemptionResult.FAILURE,
        status="FAILED",
        failure_code=key,
        failure_message=message,
        **common,
    )
    record_event(
        "redemption.rollback.failed",
        caller=caller,
        resource_type="redemption_rollback",
        resource_id=refused.id,
        campaign_id=target.campaign_id or "",
        customer_id=target.customer_id,
        data={"rollback_id": refused.id, "redemption_id": target.id, "failure_code": key},
        occurred_at=now,
    )
    error = DomainError(key, message, details, resource_id=refused.id, resource_type="redemption_rollback")
    return RollbackOutcome(rollbacks=[refused], order=target.order, error=error)


def _roll_back(
    target: Redemption,
    children: list[Redemption],
    vouchers: Mapping[str, Voucher],
    now: datetime,
    common: dict,
    caller: Caller,
) -> RollbackOutcome:
    outcome = RollbackOutcome(order=target.order)
    singles = children if target.is_stacked_parent else [target]
    parent_rollback = None
    if target.is_stacked_parent:
        credits = sum(child.gift_amount for child in children if child.status == RedemptionStatus.SUCCEEDED)
        parent_rollback = Rollback.objects.create(
            id=new_id("rr_"), redemption=target, created_at=now, result=RedemptionResult.SUCCESS, status="SUCCEEDED",
            amount=-credits, **common,
        )  # fmt: skip
        outcome.parent_rollback = parent_rollback
    for redemption in singles:
        if redemption.status != RedemptionStatus.SUCCEEDED:
            continue
        voucher = vouchers.get(redemption.voucher_id) if redemption.voucher_id else None
        credits = redemption.gift_amount if voucher is not None and voucher.is_gift else 0
        rollback = Rollback.objects.create(
            id=new_id("rr_"), redemption=redemption, parent=parent_rollback, created_at=now,
            result=RedemptionResult.SUCCESS, status="SUCCEEDED", amount=-credits, **common,
        )  # fmt: skip
        if voucher is not None:
            _give_back(voucher, credits, rollback, now)
        if redemption.loyalty_points:
            rewards.give_back(redemption, rollback.id, caller=caller)  # a reward's points back on the card
        redemption.status = RedemptionStatus.ROLLED_BACK
        redemption.save(update_fields=["status"])
        outcome.rollbacks.append(rollback)
    if target.is_stacked_parent:
        target.status = RedemptionStatus.ROLLED_BACK
        target.save(update_fields=["status"])
    set_order_status(target.order, OrderStatus.CANCELED)
    for rollback in ([parent_rollback] if parent_rollback else []) + outcome.rollbacks:
        record_event(
            "redemption.rollback.succeeded",
            caller=caller,
            resource_type="redemption_rollback",
            resource_id=rollback.id,
            campaign_id=rollback.redemption.campaign_id or "",
            customer_id=rollback.redemption.customer_id,
            data=_rollback_data(rollback, children if rollback is parent_rollback else [rollback.redemption]),
            occurred_at=now,
        )
    return outcome


def _rollback_data(rollback: Rollback, redemptions: list[Redemption]) -> dict:
    """A ``redemption.rollback.succeeded`` event's data: ``amount`` the rollback's (minus the gift credits
    returned), and what its sentence says: the credits returned to gift cards (``credits``, and ``gift_cards``
    how many) and the discount cancelled (``discount``), from the redemptions it rolled back."""
    rolled_back = [r for r in redemptions if r.status == RedemptionStatus.ROLLED_BACK]
    return {
        "rollback_id": rollback.id,
        "redemption_id": rollback.redemption_id,
        "amount": rollback.amount,
        "credits": -rollback.amount,
        "gift_cards": sum(1 for r in rolled_back if r.gift_amount and r.voucher_id),
        "discount": sum(r.discount_amount for r in rolled_back),
    }


def _give_back(voucher: Voucher, credits: int, rollback: Rollback, now: datetime) -> None:
    """The rolled-back use back on the voucher the call holds locked; a gift card's credits back in its
    ledger."""
    count_rollback(voucher, credits, now)
    if credits:
        VoucherTransaction.objects.create(
            voucher=voucher,
            source=VoucherTransaction.Source.ROLLBACK,
            amount=credits,
            balance_after=voucher.gift_balance,
            related_object_id=rollback.id,
            reason=rollback.reason or "Redemption rollback",
            created_at=now,
        )
