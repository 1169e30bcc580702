"""A loyalty program's tiers: levels by points, each a range of balances that does not overlap another's.
A member's tier is the one their balance falls in, so it follows their points as they change; a tier can
change what an earning rule gives (``MULTIPLY`` by a factor, or ``CUSTOM`` points) and what a reward costs.
Event ``loyalty_tier.created``; a member whose points change enters a tier (``customer.loyalty.tier.joined``),
moves up or down (``...upgraded``, ``...downgraded``) or falls below the lowest (``...left``): see
:func:`tier_move` (and its SQL twin in services/expiration.py)."""

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction

from auditlog.services import record_event
from voucherhub.caller import Caller
from voucherhub.errors import DomainError

from .. import queries
from ..models import EarningRule, LoyaltyTier, RewardAssignment


def _invalid(details: str) -> DomainError:
    return DomainError("invalid_loyalty_tier", "Invalid loyalty tier", details, resource_type="loyalty_tier")


def create_tiers(*, caller: Caller, program: str, items: list[dict[str, Any]]) -> list[LoyaltyTier]:
    """The tiers (fields as LoyaltyTier names them), all or none; their ranges overlap no other tier's, and
    their mappings name the program's own earning rules and rewards."""
    with transaction.atomic():
        campaign = queries.find_program(program, for_update=True)  # one tier change at a time per program
        existing = list(queries.tiers(campaign))
        rules = set(EarningRule.objects.filter(campaign=campaign).values_list("pk", flat=True))
        rewards = set(RewardAssignment.objects.filter(campaign=campaign).values_list("reward_id", flat=True))
        made = []
        for fields in items:
            tier = LoyaltyTier(campaign=campaign, **fields)
            _check(tier, existing + made, rules, rewards)
            tier.save()
            made.append(tier)
            record_event("loyalty_tier.created", caller=caller, resource_type="loyalty_tier", resource_id=tier.pk,
                         campaign_id=campaign.pk, data={"name": tier.name, "from": tier.points_from,
                                                        "to": tier.points_to})  # fmt: skip
        return made


def _check(tier: LoyaltyTier, others: Sequence[LoyaltyTier], rules: set[str], rewards: set[str]) -> None:
    if tier.points_to is not None and tier.points_to < tier.points_from:
        raise _invalid(f"Tier {tier.name}: points.to ({tier.points_to}) is below points.from ({tier.points_from})")
    top = tier.points_to if tier.points_to is not None else float("inf")
    for other in others:
        other_top = other.points_to if other.points_to is not None else float("inf")
        if tier.points_from <= other_top and other.points_from <= top:
            raise _invalid(f"Tier {tier.name}'s points overlap tier {other.name}'s")
    unknown_rules = set(tier.earning_rules) - rules
    if unknown_rules:
        raise _invalid(
            f"Tier {tier.name} maps earning rules the program does not have: {', '.join(sorted(unknown_rules))}"
        )
    unknown_rewards = set(tier.rewards) - rewards
    if unknown_rewards:
        raise _invalid(
            f"Tier {tier.name} maps rewards the program does not offer: {', '.join(sorted(unknown_rewards))}"
        )


def mapped(points: int, mapping: Mapping[str, Any] | None) -> int:
    """``points`` as a tier's mapping changes them: multiplied (whole points, rounded down) or replaced."""
    if not mapping:
        return points
    if mapping.get("type") == "CUSTOM":
        return int(mapping["points"])
    return int(points * float(mapping.get("multiplier") or 1))


TIER_JOINED, TIER_LEFT = "customer.loyalty.tier.joined", "customer.loyalty.tier.left"
TIER_UPGRADED, TIER_DOWNGRADED = "customer.loyalty.tier.upgraded", "customer.loyalty.tier.downgraded"


def tier_move(tiers: Sequence[LoyaltyTier], before: int, after: int) -> tuple[str, dict[str, Any]] | None:
    """The event of a member whose balance went from ``before`` to ``after`` (None: same tier), with its
    data: the tier they are in now and the one they were in."""
    old, new = queries.tier_of(list(tiers), before), queries.tier_of(list(tiers), after)
    if (old and old.pk) == (new and new.pk):
        return None
    if old is None:
        event = TIER_JOINED
    elif new is None:
        event = TIER_LEFT
    else:
        event = TIER_UPGRADED if new.points_from > old.points_from else TIER_DOWNGRADED
    data = {"tier_id": new.pk if new else None, "tier": new.name if new else None,
            "previous_tier_id": old.pk if old else None, "previous_tier": old.name if old else None}  # fmt: skip
    return event, data
