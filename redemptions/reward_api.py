"""Redeeming a loyalty reward with a card's points (LoyaltiesApi.redeem_reward, redeem_reward1): an
``Idempotency-Key`` makes a retried call answer the first call's redemption."""

from ninja import Router

from voucherhub.api.context import caller_of
from voucherhub.api.rendering import json_response
from voucherhub.idempotency import idempotent

from .queries import get_entry
from .schemas import RewardRedemptionIn
from .serializers import redemption_json
from .services.rewards import RewardRequest, redeem_reward

router = Router(tags=["loyalty programs"])


def _redeem(request, payload: RewardRedemptionIn, member: str, program: str | None):
    def compute():
        reward = RewardRequest(member=member, reward_id=payload.reward.id, program=program,
                               points=payload.reward.points, metadata=payload.metadata or {})  # fmt: skip
        redemption = redeem_reward(reward, caller=caller_of(request))
        return 200, redemption_json(get_entry(redemption.pk))

    status, response = idempotent(request, compute)
    return json_response(response, status=status)


@router.post("/loyalties/members/{member_id}/redemption", summary="Redeem a reward with a card's points")
def redeem_reward_by_card(request, member_id: str, payload: RewardRedemptionIn):
    return _redeem(request, payload, member_id, None)


@router.post(
    "/loyalties/{campaign_id}/members/{member_id}/redemption", summary="Redeem a reward with a member's points"
)
def redeem_reward_in_program(request, campaign_id: str, member_id: str, payload: RewardRedemptionIn):
    return _redeem(request, payload, member_id, campaign_id)
