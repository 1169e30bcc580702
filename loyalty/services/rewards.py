"""The rewards catalog and what each loyalty program asks for its rewards.

A CAMPAIGN reward names its campaign: a discount campaign (a voucher of it is published to the member),
a gift card campaign (a new card with ``balance`` credits) or a loyalty program (``balance`` points on the
member's card of it); COIN rewards turn points into money; MATERIAL rewards hand out a product from
``stock``. An assignment offers a reward in one program for a number of points (one per reward and program).
Events ``reward.created``, ``.updated``, ``.deleted``, ``reward_assignment.created``, ``.updated``,
``.deleted``.
"""

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from auditlog.services import record_event
from campaigns import queries as campaign_queries
from campaigns.models import CampaignType
from voucherhub.caller import Caller
from voucherhub.errors import DomainError, duplicate_found

from .. import queries
from ..models import Reward, RewardAssignment, RewardType

# What a CAMPAIGN reward's campaign gives, and whether it takes a balance (credits or points).
_GIVES_BALANCE = {CampaignType.DISCOUNT_COUPONS: False, CampaignType.GIFT_VOUCHERS: True,
                  CampaignType.LOYALTY_PROGRAM: True}  # fmt: skip


def _invalid(details: str) -> DomainError:
    return DomainError("invalid_reward", "Invalid reward", details, resource_type="reward")


def _apply(reward: Reward, fields: dict[str, Any]) -> None:
    """``fields`` on the reward (a campaign named by ``campaign_ref``), checked as a whole."""
    fields = dict(fields)
    if "campaign_ref" in fields:
        ref = fields.pop("campaign_ref")
        reward.campaign = campaign_queries.find_campaign(ref) if ref else None
    if fields.get("exchange_ratio") is not None:
        fields["exchange_ratio"] = Decimal(str(fields["exchange_ratio"]))
    for name, value in fields.items():
        setattr(reward, name, value)
    if reward.type == RewardType.CAMPAIGN:
        kind = reward.campaign.campaign_type
        if kind not in _GIVES_BALANCE:
            raise _invalid(f"Campaign {reward.campaign.name} is a {kind} campaign: a reward gives a discount "
                           "voucher, gift credits or loyalty points")  # fmt: skip
        if _GIVES_BALANCE[kind] and reward.balance is None:
            raise _invalid(f"parameters.campaign.balance is required for a {kind} campaign (what the reward gives)")
        if not _GIVES_BALANCE[kind] and reward.balance is not None:
            raise _invalid("parameters.campaign.balance is only for gift card campaigns and loyalty programs")


def create_reward(*, caller: Caller, fields: dict[str, Any]) -> Reward:
    with transaction.atomic():
        reward = Reward()
        _apply(reward, fields)
        reward.save()
        _event("reward.created", reward.pk, caller, name=reward.name, type=reward.type)
        return reward


def update_reward(*, caller: Caller, reward_id: str, fields: dict[str, Any]) -> Reward:
    with transaction.atomic():
        reward = queries.find_reward(reward_id, for_update=True)
        _apply(reward, fields)
        reward.updated_at = timezone.now()
        reward.save()
        _event("reward.updated", reward.pk, caller, fields=sorted(fields))
        return reward


def delete_reward(*, caller: Caller, reward_id: str) -> None:
    """The reward and its assignments (what members already got stays theirs)."""
    with transaction.atomic():
        reward = queries.find_reward(reward_id, for_update=True)
        _event("reward.deleted", reward.pk, caller, name=reward.name)
        reward.delete()


def assign(*, caller: Caller, program: str, items: list[tuple[str, int]]) -> list[RewardAssignment]:
    """Offers each reward (id, cost in points) in the loyalty program, all or none."""
    with transaction.atomic():
        campaign = queries.find_program(program)
        made = []
        for reward_id, points in items:
            reward = queries.find_reward(reward_id)
            if reward.type == RewardType.CAMPAIGN and reward.campaign_id == campaign.pk:
                raise _invalid("A loyalty program cannot give its own points as a reward for its points")
            try:
                with transaction.atomic():
                    assignment = RewardAssignment.objects.create(reward=reward, campaign=campaign, points=points)
            except IntegrityError:
                raise duplicate_found(
                    "reward_assignment", f"Reward {reward.pk} is already assigned to {campaign.name}"
                ) from None
            made.append(assignment)
            _event("reward_assignment.created", reward.pk, caller, campaign_id=campaign.pk, assignment_id=assignment.pk,
                   points=points)  # fmt: skip
        return made


def update_assignment(*, caller: Caller, assignment: RewardAssignment, points: int) -> RewardAssignment:
    with transaction.atomic():
        assignment.points, assignment.updated_at = points, timezone.now()
        assignment.save(update_fields=["points", "updated_at"])
        _event("reward_assignment.updated", assignment.reward_id, caller, campaign_id=assignment.campaign_id,
               assignment_id=assignment.pk, points=points)  # fmt: skip
        return assignment


def unassign(*, caller: Caller, assignment: RewardAssignment) -> None:
    with transaction.atomic():
        _event("reward_assignment.deleted", assignment.reward_id, caller, campaign_id=assignment.campaign_id,
               assignment_id=assignment.pk)  # fmt: skip
        assignment.delete()


def _event(event_type: str, reward_id: str, caller: Caller, *, campaign_id: str = "", **data) -> None:
    record_event(
        event_type,
        caller=caller,
        resource_type="reward",
        resource_id=reward_id,
        campaign_id=campaign_id,
        data={"reward_id": reward_id, **data},
    )
