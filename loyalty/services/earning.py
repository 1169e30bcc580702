"""Earning points: an order paid earns each of its customer's cards what the program's earning rules say.

A rule gives FIXED points, or points PROPORTIONAL to a figure of the order, its items, or a metadata
property (``every`` so much, ``points`` points, whole steps only). Each rule earns once per card and order,
however often the order is saved as paid (the card's row lock orders parallel calls; a unique constraint
backs it). A rule with a pending period holds the points as PendingPoints until they activate.

Events: ``customer.rewarded.loyalty_points`` for points earned, ``voucher.loyalty_card.pending_points.aded``
(the platform's spelling) for points held.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from campaigns import rules as rule_engine
from campaigns.models import Customer, Order, ValidationRule
from voucherhub import hotsql
from voucherhub.caller import Caller

from .. import statements
from ..models import EarningEvent, EarningRule, LoyaltyCard, LoyaltyTier, PendingPoints, PointsTransaction, PointsType
from ..queries import tier_of
from . import expiration
from .points import card_event, ledger_source
from .tiers import mapped, tier_move

# calculation_type -> where its ratio sits in ``loyalty`` (the platform's shape) and what it measures.
RATIOS = {
    "ORDER_AMOUNT": ("order", "amount"),
    "ORDER_TOTAL_AMOUNT": ("order", "total_amount"),
    "ORDER_METADATA": ("order", "metadata"),
    "ORDER_ITEMS_QUANTITY": ("order_items", "quantity"),
    "ORDER_ITEMS_AMOUNT": ("order_items", "amount"),
    "ORDER_ITEMS_SUBTOTAL_AMOUNT": ("order_items", "subtotal_amount"),
    "CUSTOMER_METADATA": ("customer", "metadata"),
    "CUSTOM_EVENT_METADATA": ("custom_event", "metadata"),
}


@dataclass(frozen=True)
class EarningFacts:
    """What a rule's points are computed from."""

    order_amount: int = 0
    order_total_amount: int = 0
    items: Sequence[Mapping[str, Any]] = ()
    order_metadata: Mapping[str, Any] = field(default_factory=dict)
    customer_metadata: Mapping[str, Any] = field(default_factory=dict)
    event_metadata: Mapping[str, Any] = field(default_factory=dict)


def ratio_of(loyalty: Mapping[str, Any]) -> Mapping[str, Any]:
    """The ``{every, points[, property | object, id]}`` of a PROPORTIONAL rule."""
    group, key = RATIOS[loyalty["calculation_type"]]
    return (loyalty.get(group) or {}).get(key) or {}


def points_for(loyalty: Mapping[str, Any], facts: EarningFacts) -> int:
    """The points a rule's ``loyalty`` gives for ``facts``: FIXED points, or whole ``every`` steps of the
    measured figure times ``points``."""
    if loyalty.get("type") != "PROPORTIONAL":
        return int(loyalty.get("points") or 0)
    ratio = ratio_of(loyalty)
    every, points = int(ratio.get("every") or 0), int(ratio.get("points") or 0)
    if every <= 0 or points <= 0:
        return 0
    return (_measure(loyalty["calculation_type"], ratio, facts) // every) * points


def _measure(calculation: str, ratio: Mapping[str, Any], facts: EarningFacts) -> int:
    if calculation == "ORDER_AMOUNT":
        return max(facts.order_amount, 0)
    if calculation == "ORDER_TOTAL_AMOUNT":
        return max(facts.order_total_amount, 0)
    if calculation.startswith("ORDER_ITEMS_"):
        key = RATIOS[calculation][1]
        return sum(_number(item.get(key)) for item in facts.items if _covers(ratio, item))
    source = {
        "ORDER_METADATA": facts.order_metadata,
        "CUSTOMER_METADATA": facts.customer_metadata,
        "CUSTOM_EVENT_METADATA": facts.event_metadata,
    }[calculation]
    return _number(source.get(ratio.get("property") or ""))


def _covers(ratio: Mapping[str, Any], item: Mapping[str, Any]) -> bool:
    """Whether an order line is one the ratio counts (a product or SKU it names; every line if none)."""
    targets = list(ratio.get("applicable_to") or [])
    if ratio.get("object") and ratio.get("id"):
        targets.append({"object": ratio["object"], "id": ratio["id"]})
    if not targets:
        return True
    return any(item.get("product_id" if t["object"] == "product" else "sku_id") == t["id"] for t in targets)


def _number(value: Any) -> int:
    """A measured figure as a whole number (a metadata text that is no number counts as 0)."""
    if isinstance(value, bool):
        return 0
    try:
        return max(int(float(value)), 0)
    except (TypeError, ValueError):
        return 0


def in_force(rule: EarningRule, now: datetime, start: datetime | None, end: datetime | None) -> bool:
    """Whether the rule earns at ``now``: active, inside its dates (else its program's ``start``/``end``),
    on one of its days."""
    weekday = (now.weekday() + 1) % 7  # the platform's 0 is Sunday
    return (
        rule.active
        and (rule.start_date or start or now) <= now
        and now <= (rule.expiration_date or end or now)
        and (not rule.validity_day_of_week or weekday in rule.validity_day_of_week)
    )


def earn_for_order(
    order: Order, *, caller: Caller, customer: Customer | None = None, new_order: bool = False
) -> list[PointsTransaction | PendingPoints]:
    """What ``order`` (paid) earns its customer's cards, in the caller's transaction; nothing twice (a
    ``new_order`` has earned nothing yet). One query when nothing earns; otherwise the cards are locked by
    that query and the writes go in one round trip (voucherhub.hotsql.batch, joined when the caller has one
    open). ``customer``: the order's, when the caller has it."""
    if order.customer_id is None:
        return []
    if not transaction.get_connection().in_atomic_block:
        with transaction.atomic():  # called on its own (a script, a test): a transaction of its own
            return earn_for_order(order, caller=caller, customer=customer, new_order=new_order)
    now = timezone.now()
    found = [
        f
        for f in statements.earning_cards(order.customer_id, EarningEvent.ORDER_PAID)
        if in_force(f.rule, now, f.program_start, f.program_end)
    ]
    if not found:
        return []
    if customer is None or customer.pk != order.customer_id:
        customer = Customer.objects.filter(pk=order.customer_id).first()
    facts = EarningFacts(
        order_amount=order.amount or 0,
        order_total_amount=order.total_amount if order.total_amount is not None else (order.amount or 0),
        items=order.items or [],
        order_metadata=order.metadata or {},
        customer_metadata=(customer.metadata if customer else None) or {},
    )
    passing = {rule.pk for rule in _passing([f.rule for f in found], order, customer)}
    earned_before = set() if new_order else _earned_before(found, order)
    program_tiers: dict[str, list[LoyaltyTier]] = {}
    with_tiers = {f.card.campaign_id for f in found if f.has_tiers}
    for tier in LoyaltyTier.objects.filter(campaign_id__in=with_tiers).order_by("points_from") if with_tiers else ():
        program_tiers.setdefault(tier.campaign_id, []).append(tier)
    earned, before = [], {f.card.pk: f.card.balance for f in found}
    with hotsql.batch():
        for f in found:
            points = points_for(f.rule.loyalty, facts) if f.rule.pk in passing else 0
            tier = tier_of(program_tiers.get(f.card.campaign_id, []), f.card.balance)
            if tier is not None and points > 0:
                points = mapped(points, tier.earning_rules.get(f.rule.pk))  # the member's tier changes the rule
            if points > 0 and (f.card.pk, f.rule.pk) not in earned_before:
                earned.append(_earn(f, points, order=order, caller=caller, now=now))
        for f in {f.card.pk: f for f in found if f.card.updated_at == now}.values():
            statements.credit_card(f.card, now)
            tiers = program_tiers.get(f.card.campaign_id)
            if tiers and (move := tier_move(tiers, before[f.card.pk], f.card.balance)) is not None:
                card_event(move[0], f.card, caller, code=f.code, customer_id=order.customer_id, occurred_at=now,
                           balance=f.card.balance, **move[1])  # fmt: skip
    return earned


def _passing(rules: list[EarningRule], order: Order, customer: Customer | None) -> list[EarningRule]:
    """The rules whose validation rule (if any) the order and customer pass."""
    ids = {rule.validation_rule_id for rule in rules if rule.validation_rule_id}
    if not ids:
        return rules
    validation = {v.pk: v for v in ValidationRule.objects.filter(pk__in=ids)}
    context = rule_engine.RuleContext(
        order_amount=order.amount,
        items=order.items or [],
        order_metadata=order.metadata or {},
        customer=customer,
        redemption_metadata={},
        per_customer_count=lambda *_: 0,
    )
    passing = []
    for rule in rules:
        checked = validation.get(rule.validation_rule_id) if rule.validation_rule_id else None
        if rule.validation_rule_id and checked is None:
            continue  # its validation rule was deleted: the rule cannot be checked, so it does not earn
        if checked is None or rule_engine.evaluate(checked, context, target=("earning_rule", rule.pk)) is None:
            passing.append(rule)
    return passing


def _earned_before(found: list[statements.EarningCard], order: Order) -> set[tuple[str, str]]:
    """(card, rule) pairs that already earned for ``order``: read after the cards' locks, so exact."""
    cards = {f.card.pk for f in found}
    accrued = PointsTransaction.objects.filter(card__in=cards, order=order, type=PointsType.ACCRUAL)
    pending = PendingPoints.objects.filter(card__in=cards, order=order)
    return {
        *accrued.values_list("card_id", "earning_rule_id"),
        *pending.values_list("card_id", "earning_rule_id"),
    }


def _earn(found: statements.EarningCard, points: int, *, order: Order, caller: Caller, now: datetime):
    """The points on the (locked) card's instance, or held as pending points; the ledger or pending row and
    the event queued (the card's row is written once per call, by earn_for_order)."""
    card, rule = found.card, found.rule
    card.updated_at = now  # marks the card to write
    event = {"code": found.code, "points": points, "earning_rule_id": rule.pk, "order_id": order.pk}
    if rule.pending_days:
        card.pending_points += points
        pending = PendingPoints(
            card=card,
            campaign_id=card.campaign_id,
            earning_rule=rule,
            order=order,
            event=rule.event,
            points=points,
            activates_at=(now + timedelta(days=rule.pending_days)).date(),
            created_at=now,
            updated_at=now,
        )
        hotsql.insert([pending])
        _record("voucher.loyalty_card.pending_points.aded", card, caller, order, **event, pending_points_id=pending.pk)
        return pending
    card.points += points
    card.balance += points
    if found.expiration_rules and (bucket := expiration.bucket_for(card, points, now, found.expiration_rules)):
        hotsql.insert([bucket])
    entry = PointsTransaction(
        card=card,
        campaign_id=card.campaign_id,
        type=PointsType.ACCRUAL,
        points=points,
        balance=card.balance,
        total=card.points,
        reason=rule.banner,
        source_id=order.source_id or "",
        source=ledger_source(caller),
        earning_rule=rule,
        order=order,
        event=rule.event,
        created_at=now,
    )
    hotsql.insert([entry])
    _record("customer.rewarded.loyalty_points", card, caller, order, **event, balance=card.balance)
    return entry


def _record(event_type: str, card: LoyaltyCard, caller: Caller, order: Order, **data) -> None:
    card_event(event_type, card, caller, customer_id=order.customer_id, occurred_at=card.updated_at, **data)
