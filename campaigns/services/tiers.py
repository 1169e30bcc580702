"""Promotion tiers: created with their campaign or appended to it, at a free hierarchy position."""

from django.db import transaction

from auditlog.services import record_event
from voucherhub.caller import Caller
from voucherhub.errors import DomainError

from .. import queries
from ..models import (
    Campaign,
    CampaignType,
    PromotionTier,
)
from .requests import TierRequest
from .validation_rules import assign_rule, rules_by_ids
from .vouchers import (
    check_dates,
    discount_fields,
)


def _tier_position(campaign: Campaign, hierarchy: int | None, taken: set[int]) -> int:
    if hierarchy is not None:
        if hierarchy in taken:
            raise DomainError(
                "invalid_campaign_params", "Invalid campaign params", f"Tier hierarchy {hierarchy} is already used"
            )
        return hierarchy
    return max(taken, default=0) + 1


def create_tier(campaign: Campaign, caller: Caller, taken: set[int], tier: TierRequest) -> PromotionTier:
    """The tier at its hierarchy position (``taken`` holds the positions in use and gets this one)."""
    check_dates(tier.start_date, tier.expiration_date, "invalid_campaign_params", "Invalid campaign params")
    position = _tier_position(campaign, tier.hierarchy, taken)
    taken.add(position)
    rules = rules_by_ids(list(tier.validation_rules))
    created = PromotionTier.objects.create(
        campaign=campaign,
        name=tier.name,
        banner=tier.banner or "",
        position=position,
        category=queries.category_of(tier.category, tier.category_id) or campaign.category,
        active=True if tier.active is None else tier.active,
        start_date=tier.start_date,
        expiration_date=tier.expiration_date,
        metadata=dict(tier.metadata or {}),
        **discount_fields(tier.discount),
    )
    record_event(
        "promotion_tier.created",
        caller=caller,
        resource_type="promotion_tier",
        resource_id=created.id,
        campaign_id=campaign.id,
        data={"name": created.name},
    )
    for rule in rules:
        assign_rule(rule, caller, campaign.id, promotion_tier=created)
    return created


def create_promotion_tier(*, caller: Caller, campaign_ref: str, tier: TierRequest) -> PromotionTier:
    """A tier appended to a PROMOTION campaign (or at ``hierarchy`` when free), under the campaign's
    row lock so that positions stay unique. Events: ``promotion_tier.created``."""
    with transaction.atomic():
        campaign = queries.find_campaign(campaign_ref, for_update=True)
        if campaign.campaign_type != CampaignType.PROMOTION:
            raise DomainError(
                "invalid_campaign_params",
                "Invalid campaign params",
                f"Campaign {campaign.name} is not a PROMOTION campaign",
                resource_id=campaign.id,
                resource_type="campaign",
            )
        taken = set(campaign.tiers.values_list("position", flat=True))
        return create_tier(campaign, caller, taken, tier)
