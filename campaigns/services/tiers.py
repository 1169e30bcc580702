"""Promotion tiers: created with their campaign or appended to it, at a free hierarchy position."""

from django.db import transaction

from voucherhub.caller import Caller
from voucherhub.errors import DomainError

from .. import queries
from ..models import (
    Campaign,
    CampaignType,
    PromotionTier,
)
from .events import tier_event
from .requests import TierChanges, TierRequest
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
    tier_event("promotion_tier.created", created, caller)
    for rule in rules:
        assign_rule(rule, caller, campaign.id, promotion_tier=created)
    return created


def promotion_campaign(ref: str, *, why: str = "") -> Campaign:
    """The PROMOTION campaign ``ref``, under its row lock (its tiers' positions and stacks change under it);
    400 ``invalid_campaign_params`` for another type (``why`` says what only promotions have)."""
    campaign = queries.find_campaign(ref, for_update=True)
    if campaign.campaign_type != CampaignType.PROMOTION:
        raise DomainError(
            "invalid_campaign_params",
            "Invalid campaign params",
            f"Campaign {campaign.name} is not a PROMOTION campaign{why}",
            resource_id=campaign.id,
            resource_type="campaign",
        )
    return campaign


def create_promotion_tier(*, caller: Caller, campaign_ref: str, tier: TierRequest) -> PromotionTier:
    """A tier appended to a PROMOTION campaign (or at ``hierarchy`` when free), under the campaign's
    row lock so that positions stay unique. Events: ``promotion_tier.created``."""
    with transaction.atomic():
        campaign = promotion_campaign(campaign_ref)
        taken = set(campaign.tiers.values_list("position", flat=True))
        return create_tier(campaign, caller, taken, tier)


def update_tier(*, caller: Caller, tier_id: str, changes: TierChanges) -> PromotionTier:
    """A partial update of a tier under its campaign's row lock (a new hierarchy must be free); ``metadata``
    replaces the stored object. Events: ``promotion_tier.updated`` with the fields changed."""
    with transaction.atomic():
        tier = queries.find_tier(tier_id)
        campaign = queries.find_campaign(tier.campaign_id, for_update=True)
        tier = PromotionTier.objects.select_for_update().get(pk=tier.pk)
        changed = []
        if changes.hierarchy is not None and changes.hierarchy != tier.position:
            taken = set(campaign.tiers.exclude(pk=tier.pk).values_list("position", flat=True))
            tier.position = _tier_position(campaign, changes.hierarchy, taken)
            changed.append("hierarchy")
        if changes.discount is not None:
            for field, value in discount_fields(changes.discount).items():
                setattr(tier, field, value)
            changed.append("discount")
        if changes.category or changes.category_id:
            tier.category = queries.category_of(changes.category, changes.category_id)
            changed.append("category")
        for field in ("name", "banner", "active", "start_date", "expiration_date", "metadata"):
            value = getattr(changes, field)
            if value is not None:
                setattr(tier, field, dict(value) if field == "metadata" else value)
                changed.append(field)
        check_dates(tier.start_date, tier.expiration_date, "invalid_campaign_params", "Invalid campaign params")
        tier.save()
        if changed:
            tier_event("promotion_tier.updated", tier, caller, changed=changed)
        return tier


def set_tier_active(*, caller: Caller, tier_id: str, active: bool) -> PromotionTier:
    """Enables or disables a tier (a disabled tier is inapplicable). Events: ``promotion_tier.enabled`` or
    ``promotion_tier.disabled``, only when it changes."""
    with transaction.atomic():
        tier = queries.find_tier(tier_id)
        tier = PromotionTier.objects.select_for_update().get(pk=tier.pk)
        if tier.active != active:
            tier.active = active
            tier.save(update_fields=["active", "updated_at"])
            tier_event("promotion_tier.enabled" if active else "promotion_tier.disabled", tier, caller)
        return tier


def delete_tier(*, caller: Caller, tier_id: str) -> None:
    """Deletes a tier that was never redeemed; one with redemptions is refused (its history names it):
    disable it instead. Its rule assignments go with it. Events: ``promotion_tier.deleted``."""
    with transaction.atomic():
        tier = queries.find_tier(tier_id)
        tier = PromotionTier.objects.select_for_update().get(pk=tier.pk)
        if tier.redemptions.exists():
            raise DomainError(
                "promotion_tier_redeemed",
                "Promotion tier redeemed",
                f"Promotion tier {tier.name} has redemptions, which keep naming it: disable it instead",
                resource_id=tier.id,
                resource_type="promotion_tier",
            )
        tier_event("promotion_tier.deleted", tier, caller)
        tier.delete()
