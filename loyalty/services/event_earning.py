"""Points earned by what a customer does besides paying an order: a custom event the shop sends
(``POST /v1/events``) earns by the active rules on that event's name, and entering a segment earns by the
rules on ``customer.segment.entered`` for that segment. Each rule earns each card of its program the customer
holds (only the card the event names, when it names one) once per occurrence: FIXED points, or PROPORTIONAL
to a number in the event's or the customer's metadata; the member's tier changes the rule's points as on an
order. The points land at once (a pending period is for orders only), through the ledger (services/points.py)
under the card's row lock, each with a ``customer.rewarded.loyalty_points`` event.
"""

from django.db import transaction
from django.utils import timezone

from campaigns.models import CampaignType, Customer

from .. import queries
from ..models import EarningRule, LoyaltyCard, PointsTransaction, PointsType
from .earning import EarningFacts, in_force, points_for
from .points import PointsChange, apply, card_event
from .tiers import mapped

SEGMENT_ENTERED = "customer.segment.entered"


def earn_for_event(
    name: str, customer: Customer, *, caller, metadata: dict | None = None, code: str | None = None
) -> list[PointsTransaction]:
    """The custom event ``name`` of ``customer`` (its ``metadata``; ``code``: only that card earns)."""
    rules = _rules(EarningRule.objects.filter(event=name))
    facts = EarningFacts(event_metadata=metadata or {}, customer_metadata=customer.metadata or {})
    return _earn(rules, customer, caller=caller, event=name, code=code, facts=facts)


def earn_for_segment(segment_id: str, customer: Customer, *, caller) -> list[PointsTransaction]:
    """``customer`` has just entered the segment ``segment_id``."""
    rules = _rules(EarningRule.objects.filter(event=SEGMENT_ENTERED, segment_id=segment_id))
    facts = EarningFacts(customer_metadata=customer.metadata or {})
    return _earn(rules, customer, caller=caller, event=SEGMENT_ENTERED, facts=facts)


def _rules(rows) -> dict[str, list[EarningRule]]:
    """The rules in force now, by program (live, active programs only)."""
    now, by_program = timezone.now(), {}
    live = rows.filter(active=True, campaign__campaign_type=CampaignType.LOYALTY_PROGRAM,
                       campaign__deleted_at__isnull=True, campaign__active=True).select_related("campaign")  # fmt: skip
    for rule in live.order_by("created_at", "id"):
        if in_force(rule, now, rule.campaign.start_date, rule.campaign.expiration_date):
            by_program.setdefault(rule.campaign_id, []).append(rule)
    return by_program


def _earn(rules: dict[str, list[EarningRule]], customer: Customer, *, caller, event: str, facts: EarningFacts,
          code: str | None = None) -> list[PointsTransaction]:  # fmt: skip
    if not rules:
        return []
    earned = []
    with transaction.atomic():
        cards = LoyaltyCard.objects.select_for_update(of=("self",)).select_related("voucher", "campaign").filter(
            campaign_id__in=list(rules), voucher__holder=customer, voucher__deleted_at__isnull=True,
            voucher__active=True,
        ).order_by("pk")  # fmt: skip
        if code is not None:
            cards = cards.filter(voucher__code=code)
        for card in cards:
            program_tiers = list(queries.tiers(card.campaign))
            for rule in rules[card.campaign_id]:
                points = points_for(rule.loyalty, facts)
                tier = queries.tier_of(program_tiers, card.balance)
                if tier is not None and points > 0:
                    points = mapped(points, tier.earning_rules.get(rule.pk))
                if points <= 0:
                    continue
                change = PointsChange(points, reason=rule.banner)
                entry = apply(
                    card, points, PointsType.ACCRUAL, caller=caller, change=change, earning_rule=rule, event=event[:64]
                )  # fmt: skip  (the ledger keeps the name's first 64 characters)
                card_event("customer.rewarded.loyalty_points", card, caller, code=card.voucher.code,
                           customer_id=customer.pk, points=points, balance=card.balance, earning_rule_id=rule.pk,
                           event=event)  # fmt: skip
                earned.append(entry)
    return earned


def on_segments_entered(sender, *, customer: Customer, segment_ids: list[str], caller, **kwargs) -> None:
    """campaigns.signals.segments_entered: the points of rules on the segments the customer entered."""
    for segment_id in segment_ids:
        earn_for_segment(segment_id, customer, caller=caller)
