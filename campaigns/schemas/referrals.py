"""A referral program's settings in a campaign's body (``referral_program``, REFERRAL_PROGRAM only)."""

from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from ..services.requests import ReferralSettings
from .base import In, Name, Ref, Text

# A custom_event conversion names its event (campaigns.services.campaigns._referral_program).
_CUSTOM_EVENT_NAMED = {
    "if": {"properties": {"conversion_event_type": {"const": "custom_event"}}, "required": ["conversion_event_type"]},
    "then": {
        "required": ["custom_event"],
        "properties": {
            "custom_event": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}
        },
    },
}


class ReferralCustomEventIn(In):
    id: Text(200) | None = None
    name: Text(100, 1) | None = None  # a custom event's name, as POST /v1/events sends it


class RefereeRewardParentIn(In):
    id: Ref
    name: Name | None = None
    object: Literal["CAMPAIGN"] | None = None


class RefereeRewardIn(In):
    """Points (a loyalty program) or gift credits in minor units (a gift card campaign) for the referee."""

    related_object_parent: RefereeRewardParentIn
    type: Literal["LOYALTY_CARD", "GIFT_VOUCHER"] | None = None
    amount: Annotated[str, Field(pattern=r"^[1-9][0-9]{0,11}$", description="Points or minor units, above 0")]


class ReferralProgramIn(In):
    model_config = ConfigDict(json_schema_extra=_CUSTOM_EVENT_NAMED)

    conversion_event_type: Literal["redemption", "custom_event"] | None = None
    custom_event: ReferralCustomEventIn | None = None
    referee_reward: RefereeRewardIn | None = None

    def to_request(self) -> ReferralSettings:
        reward = self.referee_reward
        return ReferralSettings(
            conversion_event_type=self.conversion_event_type or "redemption",
            custom_event=self.custom_event.name if self.custom_event is not None else None,
            referee_reward_campaign=reward.related_object_parent.id if reward is not None else None,
            referee_reward_amount=int(reward.amount) if reward is not None else None,
        )
