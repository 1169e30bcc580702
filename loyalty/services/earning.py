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
from django.db.models import Q
from django.utils import timezone

from auditlog.services import record_event
from campaigns import rules as rule_engine
from campaigns.models import Customer, Order, ValidationRule
from voucherhub.caller import Caller

from ..models import EarningEvent, EarningRule, LoyaltyCard, PendingPoints, PointsTransaction, PointsType
from .points import PointsChange, apply

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


def rules_in_force(rules: Sequence[EarningRule], now: datetime) -> list[EarningRule]:
    """The rules that earn at ``now``: active, inside their dates (else their program's), on their days."""
    weekday = (now.weekday() + 1) % 7  # the platform's 0 is Sunday
    return [
        rule
        for rule in rules
        if rule.active
        and (rule.start_date or rule.campaign.start_date or now) <= now
        and now <= (rule.expiration_date or rule.campaign.expiration_date or now)
        and (not rule.validity_day_of_week or weekday in rule.validity_day_of_week)
    ]


def earn_for_order(order: Order, *, caller: Caller) -> list[PointsTransaction | PendingPoints]:
    """What ``order`` (paid) earns its customer's cards; nothing twice. One query when nothing earns."""
    if order.customer_id is None:
        return []
    rules = list(
        EarningRule.objects.select_related("campaign")
        .filter(
            event=EarningEvent.ORDER_PAID,
            active=True,
            campaign__active=True,
            campaign__deleted_at__isnull=True,
            campaign__loyalty_cards__voucher__holder_id=order.customer_id,
            campaign__loyalty_cards__voucher__deleted_at__isnull=True,
        )
        .order_by("created_at", "id")
    )
    now = timezone.now()
    rules = rules_in_force(rules, now)
    if not rules:
        return []
    customer = Customer.objects.filter(pk=order.customer_id).first()
    facts = EarningFacts(
        order_amount=order.amount or 0,
        order_total_amount=order.total_amount if order.total_amount is not None else (order.amount or 0),
        items=order.items or [],
        order_metadata=order.metadata or {},
        customer_metadata=(customer.metadata if customer else None) or {},
    )
    earned = []
    with transaction.atomic():
        for rule in _passing(rules, order, customer):
            points = points_for(rule.loyalty, facts)
            if points <= 0:
                continue
            card = (
                LoyaltyCard.objects.select_for_update()
                .select_related("voucher")
                .filter(campaign_id=rule.campaign_id, voucher__holder_id=order.customer_id, voucher__active=True)
                .filter(voucher__deleted_at__isnull=True)
                .first()
            )
            if card is not None and not _already_earned(card, rule, order):
                earned.append(_earn(card, rule, points, order=order, caller=caller, now=now))
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


def _already_earned(card: LoyaltyCard, rule: EarningRule, order: Order) -> bool:
    earned = Q(card=card, earning_rule=rule, order=order)
    return (
        PointsTransaction.objects.filter(earned, type=PointsType.ACCRUAL).exists()
        or PendingPoints.objects.filter(earned).exists()
    )


def _earn(card: LoyaltyCard, rule: EarningRule, points: int, *, order: Order, caller: Caller, now: datetime):
    """The points on the (locked) card, or held as pending points."""
    event = {"code": card.voucher.code, "points": points, "earning_rule_id": rule.pk, "order_id": order.pk}
    if rule.pending_days:
        pending = PendingPoints.objects.create(
            card=card,
            campaign_id=card.campaign_id,
            earning_rule=rule,
            order=order,
            event=rule.event,
            points=points,
            activates_at=(now + timedelta(days=rule.pending_days)).date(),
        )
        card.pending_points += points
        card.save(update_fields=["pending_points", "updated_at"])
        _record("voucher.loyalty_card.pending_points.aded", card, caller, **event, pending_points_id=pending.pk)
        return pending
    change = PointsChange(points, reason=rule.banner, source_id=order.source_id or "")
    entry = apply(card, points, PointsType.ACCRUAL, caller=caller, change=change, earning_rule=rule, order=order,
                  event=rule.event)  # fmt: skip
    _record("customer.rewarded.loyalty_points", card, caller, **event, balance=card.balance)
    return entry


def _record(event_type: str, card: LoyaltyCard, caller: Caller, **data) -> None:
    record_event(
        event_type,
        caller=caller,
        resource_type="voucher",
        resource_id=card.voucher_id,
        campaign_id=card.campaign_id,
        customer_id=card.voucher.holder_id or "",
        data=data,
    )
