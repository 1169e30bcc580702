"""/v1/ endpoints of promotion stacks: a PROMOTION campaign's tiers named and ordered, redeemed as one
``promotion_stack`` redeemable (redemptions.services.evaluation stands it for its tiers)."""

from django.http import HttpResponse
from ninja import Router

from voucherhub.api.context import caller_of
from voucherhub.api.parsing import documented_query, parse_query
from voucherhub.api.rendering import offset_page
from voucherhub.wire import list_json

from . import queries
from .queries.stacks import find_stack, stack_list
from .schemas.stacks import PromotionStackIn, PromotionStackListQuery, PromotionStackUpdateIn
from .serializers import stack_json
from .services import stacks

router = Router(tags=["promotion stacks"])


@router.get(
    "/promotions/stacks",
    summary="List every campaign's promotion stacks",
    openapi_extra=documented_query(PromotionStackListQuery),
)
def list_all_promotion_stacks(request):
    query = parse_query(request, PromotionStackListQuery)
    qs = stack_list(
        order=query.order,
        created=(query.created_before, query.created_after),
        updated=(query.updated_before, query.updated_after),
    )
    items, total = offset_page(qs, offset=query.offset, limit=query.limit)
    return list_json("data", [stack_json(stack) for stack in items], total)


@router.get("/promotions/{campaign_id}/stacks", summary="List a campaign's promotion stacks")
def list_promotion_stacks_in_campaign(request, campaign_id: str):
    campaign = queries.find_campaign(campaign_id)
    data = [stack_json(stack) for stack in stack_list(campaign_id=campaign.id)]
    return list_json("data", data)


@router.post("/promotions/{campaign_id}/stacks", summary="Create a promotion stack of a campaign's tiers")
def create_promotion_stack(request, campaign_id: str, payload: PromotionStackIn):
    stack = stacks.create_stack(caller=caller_of(request), campaign_ref=campaign_id, changes=payload.to_changes())
    return stack_json(stack)


@router.get("/promotions/{campaign_id}/stacks/{stack_id}", summary="Get a promotion stack")
def get_promotion_stack(request, campaign_id: str, stack_id: str):
    return stack_json(find_stack(queries.find_campaign(campaign_id).id, stack_id))


@router.put("/promotions/{campaign_id}/stacks/{stack_id}", summary="Update a promotion stack (what is sent replaces)")
def update_promotion_stack(request, campaign_id: str, stack_id: str, payload: PromotionStackUpdateIn):
    changes = payload.to_changes()
    stack = stacks.update_stack(caller=caller_of(request), campaign_ref=campaign_id, stack_id=stack_id, changes=changes)
    return stack_json(stack)


@router.delete("/promotions/{campaign_id}/stacks/{stack_id}", summary="Delete a promotion stack (its tiers stay)")
def delete_promotion_stack(request, campaign_id: str, stack_id: str):
    stacks.delete_stack(caller=caller_of(request), campaign_ref=campaign_id, stack_id=stack_id)
    return HttpResponse(status=204)
