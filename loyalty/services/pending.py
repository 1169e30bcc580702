"""Pending points: points an order earned under a rule with a pending period, held on the card
(``pending_points``) until they activate — on their date by the beat task, or earlier by hand — or are
canceled. Each change is made under the card's row lock; activation writes a PENDING_POINTS_ACTIVATION row
to the ledger. Events ``voucher.loyalty_card.pending_points.activated``, ``.canceled`` and ``.updated``."""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from voucherhub.caller import Caller
from voucherhub.errors import DomainError, not_found

from .. import queries
from ..models import LoyaltyCard, PendingPoints, PendingStatus, PointsTransaction, PointsType
from .points import MAX_POINTS, PointsChange, apply, card_event

ACTIVATION_BATCH = 1000  # pending entries activated per transaction by the beat task


@dataclass(frozen=True)
class PendingRef:
    """Which pending points: the entry's id, on the card ``member`` (of ``program`` when named)."""

    member: str
    pending_id: str
    program: str | None = None


def _locked(ref: PendingRef) -> tuple[LoyaltyCard, PendingPoints]:
    campaign = queries.find_program(ref.program) if ref.program is not None else None
    card = queries.find_card(ref.member, campaign=campaign, for_update=True)
    pending = (
        PendingPoints.objects.select_related("earning_rule", "order")
        .filter(pk=ref.pending_id, card=card, status=PendingStatus.PENDING)
        .first()
    )
    if pending is None:
        raise not_found("pending_points", ref.pending_id, label="pending points")
    return card, pending


def activate(ref: PendingRef, *, caller: Caller, reason: str = "") -> PointsTransaction:
    """The pending points join the card's balance now (``reason``: why, when a person decides)."""
    with transaction.atomic():
        card, pending = _locked(ref)
        entry = _activate(card, pending, caller=caller, reason=reason)
        _event("voucher.loyalty_card.pending_points.activated", card, caller, pending, balance=card.balance,
               reason=reason)  # fmt: skip
        return entry


def cancel(ref: PendingRef, *, caller: Caller, reason: str = "") -> None:
    """The pending points never join the card."""
    with transaction.atomic():
        card, pending = _locked(ref)
        pending.status = PendingStatus.CANCELED
        pending.save(update_fields=["status", "updated_at"])
        card.pending_points -= pending.points
        card.save(update_fields=["pending_points", "updated_at"])
        _event("voucher.loyalty_card.pending_points.canceled", card, caller, pending, reason=reason)


def adjust(ref: PendingRef, points: int, *, caller: Caller) -> tuple[PendingPoints, LoyaltyCard]:
    """Adds (``points`` > 0) or takes points from the entry; at least one point stays pending (to drop
    them all, cancel)."""
    with transaction.atomic():
        card, pending = _locked(ref)
        if pending.points + points < 1 or pending.points + points > MAX_POINTS:
            raise DomainError(
                "invalid_payload",
                "Invalid payload",
                f"The entry holds {pending.points} pending points: {points:+} would leave {pending.points + points}"
                " (at least 1; cancel the entry to drop them all)",
            )
        pending.points += points
        pending.save(update_fields=["points", "updated_at"])
        card.pending_points += points
        card.save(update_fields=["pending_points", "updated_at"])
        _event("voucher.loyalty_card.pending_points.updated", card, caller, pending, change=points)
        return pending, card


def _activate(card: LoyaltyCard, pending: PendingPoints, *, caller: Caller, reason: str = "") -> PointsTransaction:
    pending.status = PendingStatus.ACTIVATED
    pending.save(update_fields=["status", "updated_at"])
    card.pending_points -= pending.points
    reason = reason or (pending.earning_rule.banner if pending.earning_rule else "")
    source_id = (pending.order.source_id or "") if pending.order else ""
    return apply(
        card,
        pending.points,
        PointsType.PENDING_ACTIVATION,
        caller=caller,
        change=PointsChange(pending.points, reason=reason, source_id=source_id),
        earning_rule=pending.earning_rule,
        order=pending.order,
        event=pending.event,
    )


def activate_due(*, caller: Caller | None = None, today: date | None = None) -> int:
    """Every entry due by ``today``, in batches (the cards of a batch locked in one statement, in key
    order); safe to run twice at once or again. Returns how many were activated."""
    today = today or timezone.now().date()
    caller = caller or Caller.system("pending-points")
    done = 0
    while True:
        with transaction.atomic():
            due = list(
                PendingPoints.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(status=PendingStatus.PENDING, activates_at__lte=today)
                .select_related("earning_rule", "order")
                .order_by("card_id", "id")[:ACTIVATION_BATCH]
            )
            if not due:
                return done
            cards = {
                card.pk: card
                for card in LoyaltyCard.objects.select_for_update(of=("self",))
                .select_related("voucher", "campaign")
                .filter(pk__in={p.card_id for p in due})
                .order_by("pk")
            }
            for pending in due:
                card = cards[pending.card_id]
                _activate(card, pending, caller=caller)
                _event("voucher.loyalty_card.pending_points.activated", card, caller, pending, balance=card.balance)
            done += len(due)


def _event(event_type: str, card: LoyaltyCard, caller: Caller, pending: PendingPoints, **data) -> None:
    card_event(event_type, card, caller, code=card.voucher.code, customer_id=card.voucher.holder_id,
               pending_points_id=pending.pk, points=pending.points, **data)  # fmt: skip
