"""The points ledger: every change of a card's points is one PointsTransaction, written with the card's
running figures under the card's row lock (the database refuses a balance below zero, or figures that do
not add up). Events: ``voucher.loyalty_card.points_aded`` (the platform's own spelling),
``voucher.loyalty_card.points_removed`` and ``voucher.loyalty_card.points_transferred``, in the program's and
the member's activity."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from auditlog.services import record_event
from voucherhub.caller import Caller
from voucherhub.errors import DomainError

from .. import queries
from ..models import LedgerSource, LoyaltyCard, PointsTransaction, PointsType
from . import expiration
from .tiers import tier_move

MAX_POINTS = 10**12  # one change; far inside a 64-bit column


@dataclass(frozen=True)
class PointsChange:
    points: int  # signed: + adds, - removes
    reason: str = ""
    source_id: str = ""


def ledger_source(caller: Caller) -> str:
    """Who made a ledger row, as its ``source`` says: API, USER (the dashboard) or SYSTEM (a periodic task)."""
    return LedgerSource.SYSTEM if caller.is_system else caller.channel_type


def apply(card: LoyaltyCard, points: int, type: str, *, caller: Caller, change: PointsChange,
          related: PointsTransaction | None = None, **links) -> PointsTransaction:  # fmt: skip
    """``points`` on the (locked) card and its ledger row (``links``: what earned them, PointsTransaction's
    earning_rule, order and event); a removal above the balance is refused. Where the program's points
    expire, an addition is a new bucket and a removal spends the soonest-expiring buckets first."""
    if points < 0 and -points > card.balance:
        raise DomainError(
            "not_enough_points",
            "Not enough points",
            f"Loyalty card {card.voucher.code} has {card.balance} points; {-points} cannot be taken from it",
            resource_id=card.voucher.code,
            resource_type="loyalty_card",
        )
    rules, before = expiration.program_rules(card.campaign), card.balance
    if points > 0:
        card.points += points
        if rules and (bucket := expiration.bucket_for(card, points, timezone.now(), rules)) is not None:
            bucket.save()
    else:
        card.subtracted_points -= points
        if rules:
            expiration.consume(card, -points, timezone.now())
    card.balance += points
    card.save(update_fields=["points", "subtracted_points", "balance", "pending_points", "updated_at"])
    if (move := tier_move(queries.tiers(card.campaign), before, card.balance)) is not None:
        _event(move[0], card, caller, balance=card.balance, **move[1])
    return PointsTransaction.objects.create(
        card=card,
        campaign_id=card.campaign_id,
        type=type,
        points=points,
        balance=card.balance,
        total=card.points,
        reason=change.reason,
        source_id=change.source_id,
        source=ledger_source(caller),
        related_transaction=related,
        **links,
    )


def change_balance(
    *, caller: Caller, member: str, change: PointsChange, program: str | None = None
) -> PointsTransaction:
    """Adds (``points`` > 0) or removes points by hand, with a reason."""
    with transaction.atomic():
        campaign = queries.find_program(program) if program is not None else None
        card = queries.find_card(member, campaign=campaign, for_update=True)
        adding = change.points > 0
        entry = apply(
            card, change.points, PointsType.ADDITION if adding else PointsType.REMOVAL, caller=caller, change=change
        )
        _event(
            "voucher.loyalty_card.points_aded" if adding else "voucher.loyalty_card.points_removed",
            card, caller, points=change.points, balance=card.balance, reason=change.reason,
        )  # fmt: skip
        return entry


def transfer(*, caller: Caller, program: str, member: str, sources: list[tuple[str, PointsChange]]) -> LoyaltyCard:
    """Moves points from other cards (``sources``: code and how many) onto ``member``'s card of
    ``program``: all or nothing, the cards locked in one order so that opposite transfers cannot deadlock."""
    with transaction.atomic():
        campaign = queries.find_program(program)
        target_code = queries.find_card(member, campaign=campaign).voucher.code
        codes = sorted({target_code, *(code for code, _ in sources)})
        cards = {code: queries.find_card(code, for_update=True) for code in codes}
        target = cards[target_code]
        for code, change in sources:
            if code == target_code:
                raise DomainError("invalid_payload", "Invalid payload", "A card cannot transfer points to itself")
            out = apply(cards[code], -change.points, PointsType.TRANSFER_OUT, caller=caller, change=change)
            into = apply(target, change.points, PointsType.TRANSFER_IN, caller=caller, change=change, related=out)
            PointsTransaction.objects.filter(pk=out.pk).update(related_transaction=into)
            _event("voucher.loyalty_card.points_transferred", cards[code], caller, points=-change.points,
                   balance=cards[code].balance, to=target_code)  # fmt: skip
        _event("voucher.loyalty_card.points_aded", target, caller, points=sum(c.points for _, c in sources),
               balance=target.balance, transferred=True)  # fmt: skip
        return target


def card_event(event_type: str, card: LoyaltyCard, caller: Caller, *, code: str, customer_id: str | None,
               occurred_at=None, **data) -> None:  # fmt: skip
    """An event of a card (its code in the data), in its program's and its holder's activity."""
    record_event(
        event_type,
        caller=caller,
        resource_type="voucher",
        resource_id=card.voucher_id,
        campaign_id=card.campaign_id,
        customer_id=customer_id or "",
        data={"code": code, **data},
        occurred_at=occurred_at,
    )


def _event(event_type: str, card: LoyaltyCard, caller: Caller, **data) -> None:
    card_event(event_type, card, caller, code=card.voucher.code, customer_id=card.voucher.holder_id, **data)
