"""Redeeming a loyalty reward with a card's points, and giving the points back when that is rolled back.

``redeem_reward`` works under the card's row lock (and the reward's, for its stock), so parallel calls on
one card spend each point once: the ledger row (POINTS_REDEMPTION), the reward's stock and count, what the
reward gives, and the redemption (``r_``, related to the card, with the reward and the points it cost) are
written together or not at all. What a reward gives: a voucher of a discount campaign published to the
member, a gift card of a gift campaign with ``balance`` credits added, ``balance`` points on the member's card
of another program, or a material item (its stock). A COIN reward pays part of an order and is not redeemed
on its own. Events: ``redemption.succeeded`` and ``customer.rewarded``; a rollback gives the points back
(POINTS_REFUND) and the stock.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from auditlog.services import record_event
from campaigns.models import Voucher
from campaigns.statements import count_redemption
from loyalty import queries as loyalty_queries
from loyalty.models import LoyaltyCard, Reward, RewardAssignment, RewardType
from loyalty.services import points as loyalty_points
from loyalty.services.giving import give
from loyalty.services.tiers import mapped
from voucherhub.caller import Caller
from voucherhub.errors import DomainError, not_found
from voucherhub.ids import new_id

from ..models import Redemption, RedemptionResult, RedemptionStatus, RelatedObjectType


@dataclass(frozen=True)
class RewardRequest:
    """Which reward (``reward_id``) for the card ``member`` (of ``program`` when named); ``points`` when sent
    must be what the reward costs."""

    member: str
    reward_id: str
    program: str | None = None
    points: int | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


def _refused(key: str, details: str) -> DomainError:
    return DomainError(key, "Reward cannot be redeemed", details, resource_type="reward")


def redeem_reward(request: RewardRequest, *, caller: Caller) -> Redemption:
    with transaction.atomic():
        program = loyalty_queries.find_program(request.program) if request.program is not None else None
        card = loyalty_queries.find_card(request.member, campaign=program, for_update=True)
        assignment = (
            RewardAssignment.objects.filter(reward_id=request.reward_id, campaign_id=card.campaign_id)
            .select_related("reward", "reward__campaign")
            .first()
        )
        if assignment is None:
            raise not_found("reward", request.reward_id, label=f"reward of {card.campaign.name}")
        reward = Reward.objects.select_for_update(of=("self",)).select_related("campaign").get(pk=assignment.reward_id)
        tier = loyalty_queries.tier_of(list(loyalty_queries.tiers(card.campaign)), card.balance)
        cost = mapped(assignment.points, tier.rewards.get(reward.pk)) if tier is not None else assignment.points
        _check(request, card, cost, reward)
        redemption_id = new_id("r_")
        change = loyalty_points.PointsChange(-cost, reason=f"Reward: {reward.name}")
        loyalty_points.apply(card, -cost, "POINTS_REDEMPTION", caller=caller, change=change,
                             redemption_id=redemption_id)  # fmt: skip
        if reward.stock is not None:
            reward.stock -= 1
        reward.redeemed += 1
        reward.save(update_fields=["stock", "redeemed"])
        given = _give(reward, card, caller)
        redemption = _store(redemption_id, request, card, assignment, reward, given, caller, cost=cost)
        count_redemption(card.voucher, 0, redemption.created_at)  # one use of the card, as any redemption's
        return redemption


def _check(request: RewardRequest, card: LoyaltyCard, cost: int, reward: Reward) -> None:
    """Refusals before anything is written; ``cost``: the reward's points for this member (their tier's)."""
    voucher, campaign = card.voucher, card.campaign
    if not voucher.active or not campaign.active:
        raise _refused("voucher_disabled", f"Loyalty card {voucher.code} or its program is disabled")
    if reward.type == RewardType.COIN:
        raise _refused("invalid_reward", f"Reward {reward.name} pays part of an order: it is not redeemed on its own")
    if voucher.holder_id is None:
        raise _refused("invalid_reward", f"Loyalty card {voucher.code} is not held by a customer to reward")
    if request.points is not None and request.points != cost:
        raise _refused("invalid_reward", f"Reward {reward.name} costs {cost} points, not {request.points}")
    if reward.stock is not None and reward.stock < 1:
        raise _refused("reward_out_of_stock", f"Reward {reward.name} is out of stock")
    if card.balance < cost:
        raise DomainError(
            "not_enough_points",
            "Not enough points",
            f"Loyalty card {voucher.code} has {card.balance} points; reward {reward.name} costs {cost}",
            resource_id=voucher.code,
            resource_type="loyalty_card",
        )


def _give(reward: Reward, card: LoyaltyCard, caller: Caller) -> Voucher | None:
    """What the reward gives the card's holder: the voucher or card it lands on (None for an item)."""
    if reward.type != RewardType.CAMPAIGN:
        return None
    return give(reward.campaign, reward.balance, card.voucher.holder_id, caller=caller, reason=f"Reward: {reward.name}")


def _store(redemption_id: str, request: RewardRequest, card: LoyaltyCard, assignment: RewardAssignment,
           reward: Reward, given: Voucher | None, caller: Caller, *, cost: int) -> Redemption:  # fmt: skip
    now = timezone.now()
    redemption = Redemption.objects.create(
        id=redemption_id,
        created_at=now,
        result=RedemptionResult.SUCCESS,
        status=RedemptionStatus.SUCCEEDED,
        related_object_type=RelatedObjectType.VOUCHER,
        voucher=card.voucher,
        voucher_code=card.voucher.code,
        campaign=card.campaign,
        customer_id=card.voucher.holder_id,
        metadata=dict(request.metadata),
        channel_type=caller.channel_type,
        channel_id=caller.channel_id,
        user=caller.user,
        request_log_id=caller.request_id,
        reward=reward,
        reward_assignment_id=assignment.pk,
        loyalty_points=cost,
        reward_voucher=given,
    )
    common = {"caller": caller, "campaign_id": card.campaign_id, "customer_id": card.voucher.holder_id}
    data = {"redemption_id": redemption.id, "object": "voucher", "id": card.voucher.code, "reward_id": reward.pk,
            "reward": reward.name, "points": cost}  # fmt: skip
    record_event("redemption.succeeded", resource_type="redemption", resource_id=redemption.id, data=data, **common)
    record_event("customer.rewarded", resource_type="reward", resource_id=reward.pk, data=data, **common)
    return redemption


def give_back(redemption: Redemption, rollback_id: str, *, caller: Caller) -> None:
    """A rolled-back reward redemption: its points back on the card (POINTS_REFUND) and its stock back.
    What the reward gave stays given (a published voucher is the member's)."""
    if not redemption.loyalty_points or redemption.voucher_id is None:
        return
    card = loyalty_queries.find_card(redemption.voucher_id, for_update=True)
    change = loyalty_points.PointsChange(redemption.loyalty_points, reason="Reward redemption rolled back",
                                         source_id=rollback_id)  # fmt: skip
    loyalty_points.apply(card, redemption.loyalty_points, "POINTS_REFUND", caller=caller, change=change,
                         redemption_id=redemption.pk)  # fmt: skip
    if redemption.reward_id:
        reward = Reward.objects.select_for_update().filter(pk=redemption.reward_id).first()
        if reward is not None and reward.type != RewardType.COIN:  # paying with points counts no stock
            reward.stock = None if reward.stock is None else reward.stock + 1
            reward.redeemed = max(reward.redeemed - 1, 0)
            reward.save(update_fields=["stock", "redeemed"])
