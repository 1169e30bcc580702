"""A referral program's reward tiers: a referrer reaching ``referrals`` conversions gets the tier's reward
from the rewards catalog (loyalty.models.Reward), once. Events ``campaign.referral_tier.created`` and
``.deleted``."""

from django.db import IntegrityError, transaction

from auditlog.services import record_event
from campaigns.models import CampaignType
from campaigns.queries import find_campaign
from loyalty.models import Reward, RewardType
from voucherhub.caller import Caller
from voucherhub.errors import DomainError, duplicate_found, not_found

from ..models import ReferralTier


def create_tier(*, caller: Caller, program: str, referrals: int, reward: str, banner: str = "") -> ReferralTier:
    with transaction.atomic():
        campaign = find_campaign(program)
        if campaign.campaign_type != CampaignType.REFERRAL_PROGRAM:
            raise not_found("campaign", program, label="referral program")
        if referrals < 1:
            raise DomainError("invalid_payload", "Invalid payload", "A tier is reached after at least 1 referral")
        found = Reward.objects.filter(pk=reward).first()
        if found is None:
            raise not_found("reward", reward)
        if found.type == RewardType.COIN:
            raise DomainError("invalid_payload", "Invalid payload", f"Reward {found.name} pays with points: not given")
        tier = ReferralTier(campaign=campaign, referrals=referrals, reward=found, banner=banner)
        try:
            with transaction.atomic():
                tier.save(force_insert=True)
        except IntegrityError:
            raise duplicate_found("referral_tier", f"{campaign.name} has a tier at {referrals} referrals") from None
        _event("campaign.referral_tier.created", tier, caller)
        return tier


def delete_tier(*, caller: Caller, tier_id: str) -> None:
    with transaction.atomic():
        tier = ReferralTier.objects.select_for_update().filter(pk=tier_id).first()
        if tier is None:
            raise not_found("referral_tier", tier_id)
        _event("campaign.referral_tier.deleted", tier, caller)
        tier.delete()


def _event(event_type: str, tier: ReferralTier, caller: Caller) -> None:
    data = {"tier_id": tier.pk, "referrals": tier.referrals, "reward_id": tier.reward_id, "reward": tier.reward.name}
    record_event(event_type, caller=caller, resource_type="campaign", resource_id=tier.campaign_id,
                 campaign_id=tier.campaign_id, data=data)  # fmt: skip
