"""/v1/rewards (RewardsApi: the catalog and its assignments) and a loyalty program's rewards
(LoyaltiesApi: /v1/loyalties/{id}/rewards and /reward-assignments)."""

from django.http import HttpResponse
from ninja import Router

from voucherhub.api.context import caller_of
from voucherhub.api.parsing import documented_query, parse_query
from voucherhub.api.rendering import offset_page
from voucherhub.wire import list_json

from . import queries
from .catalog_schemas import (
    LoyaltyRewardAssignmentList,
    RewardAssignmentCamelQuery,
    RewardAssignmentChangeIn,
    RewardAssignmentIn,
    RewardAssignmentListQuery,
    RewardChangeIn,
    RewardIn,
    RewardListQuery,
)
from .serializers import assignment_json, reward_json
from .services import rewards

router = Router(tags=["rewards"])


@router.post("/rewards", summary="Create a reward")
def create_reward(request, payload: RewardIn):
    return reward_json(rewards.create_reward(caller=caller_of(request), fields=payload.fields()))


@router.get("/rewards", summary="List rewards", openapi_extra=documented_query(RewardListQuery))
def list_rewards(request):
    query = parse_query(request, RewardListQuery)
    rows = queries.rewards().order_by("-created_at", "-id")
    if query.assignment_id:
        rows = rows.filter(assignments__pk=query.assignment_id)
    items, total = offset_page(rows, offset=query.offset, limit=query.limit)
    return list_json("data", [reward_json(reward) for reward in items], total)


@router.get("/rewards/{reward_id}", summary="Get a reward")
def get_reward(request, reward_id: str):
    return reward_json(queries.find_reward(reward_id))


@router.put("/rewards/{reward_id}", summary="Update a reward")
def update_reward(request, reward_id: str, payload: RewardChangeIn):
    return reward_json(rewards.update_reward(caller=caller_of(request), reward_id=reward_id, fields=payload.fields()))


@router.delete("/rewards/{reward_id}", summary="Delete a reward and its assignments")
def delete_reward(request, reward_id: str):
    rewards.delete_reward(caller=caller_of(request), reward_id=reward_id)
    return HttpResponse(status=204)


@router.post("/rewards/{reward_id}/assignments", summary="Offer a reward in a loyalty program")
def create_reward_assignment(request, reward_id: str, payload: RewardAssignmentIn):
    caller, points = caller_of(request), payload.parameters.loyalty.points
    return assignment_json(rewards.assign(caller=caller, program=payload.campaign, items=[(reward_id, points)])[0])


@router.get(
    "/rewards/{reward_id}/assignments",
    summary="List a reward's assignments",
    openapi_extra=documented_query(RewardAssignmentListQuery),
)
def list_reward_assignments(request, reward_id: str):
    return _assignments(request, queries.reward_assignments().filter(reward=queries.find_reward(reward_id)))


@router.get("/rewards/{reward_id}/assignments/{assignment_id}", summary="Get a reward assignment")
def get_reward_assignment(request, reward_id: str, assignment_id: str):
    return assignment_json(queries.find_assignment(assignment_id, reward=queries.find_reward(reward_id)))


@router.put("/rewards/{reward_id}/assignments/{assignment_id}", summary="Change what a reward costs in a program")
def update_reward_assignment(request, reward_id: str, assignment_id: str, payload: RewardAssignmentChangeIn):
    assignment = queries.find_assignment(assignment_id, reward=queries.find_reward(reward_id))
    points = payload.parameters.loyalty.points
    return assignment_json(rewards.update_assignment(caller=caller_of(request), assignment=assignment, points=points))


@router.delete("/rewards/{reward_id}/assignments/{assignment_id}", summary="Stop offering a reward in a program")
def delete_reward_assignment(request, reward_id: str, assignment_id: str):
    assignment = queries.find_assignment(assignment_id, reward=queries.find_reward(reward_id))
    rewards.unassign(caller=caller_of(request), assignment=assignment)
    return HttpResponse(status=204)


# A loyalty program's rewards.


@router.post("/loyalties/{campaign_id}/rewards", summary="Offer rewards in a program (a JSON array: all or none)")
def create_reward_assignment1(request, campaign_id: str, payload: LoyaltyRewardAssignmentList):
    items = [(item.reward, item.parameters.loyalty.points) for item in payload.root]
    return assignment_json(rewards.assign(caller=caller_of(request), program=campaign_id, items=items)[0])


@router.get(
    "/loyalties/{campaign_id}/rewards",
    summary="List a program's rewards",
    openapi_extra=documented_query(RewardAssignmentListQuery),
)
def list_reward_assignments2(request, campaign_id: str):
    return _program_assignments(request, campaign_id)


@router.get(
    "/loyalties/{campaign_id}/reward-assignments",
    summary="List a program's reward assignments",
    openapi_extra=documented_query(RewardAssignmentCamelQuery),
)
def list_reward_assignments1(request, campaign_id: str):
    return _program_assignments(request, campaign_id, RewardAssignmentCamelQuery)


@router.get("/loyalties/{campaign_id}/rewards/{assignment_id}", summary="Get a program's reward assignment")
def get_reward_assignment2(request, campaign_id: str, assignment_id: str):
    return assignment_json(queries.find_assignment(assignment_id, program=queries.find_program(campaign_id)))


@router.get("/loyalties/{campaign_id}/reward-assignments/{assignment_id}", summary="Get a program's reward assignment")
def get_reward_assignment1(request, campaign_id: str, assignment_id: str):
    return assignment_json(queries.find_assignment(assignment_id, program=queries.find_program(campaign_id)))


@router.get("/loyalties/{campaign_id}/reward-assignments/{assignment_id}/reward", summary="Get an assignment's reward")
def get_reward_details(request, campaign_id: str, assignment_id: str):
    return reward_json(queries.find_assignment(assignment_id, program=queries.find_program(campaign_id)).reward)


@router.put("/loyalties/{campaign_id}/rewards/{assignment_id}", summary="Change what a reward costs in a program")
def update_reward_assignment1(request, campaign_id: str, assignment_id: str, payload: RewardAssignmentChangeIn):
    assignment = queries.find_assignment(assignment_id, program=queries.find_program(campaign_id))
    points = payload.parameters.loyalty.points
    return assignment_json(rewards.update_assignment(caller=caller_of(request), assignment=assignment, points=points))


@router.delete("/loyalties/{campaign_id}/rewards/{assignment_id}", summary="Stop offering a reward in a program")
def delete_reward_assignment1(request, campaign_id: str, assignment_id: str):
    assignment = queries.find_assignment(assignment_id, program=queries.find_program(campaign_id))
    rewards.unassign(caller=caller_of(request), assignment=assignment)
    return HttpResponse(status=204)


def _program_assignments(request, campaign_id: str, schema=RewardAssignmentListQuery) -> dict:
    rows = queries.reward_assignments().filter(campaign=queries.find_program(campaign_id))
    return _assignments(request, rows, schema)


def _assignments(request, rows, schema=RewardAssignmentListQuery) -> dict:
    query = parse_query(request, schema)
    if query.assignment_id:
        rows = rows.filter(pk=query.assignment_id)
    items, total = offset_page(rows.order_by("-created_at", "-id"), offset=query.offset, limit=query.limit)
    return list_json("data", [assignment_json(assignment) for assignment in items], total)
