"""Read side of promotion stacks: one by id within its campaign, and the lists (a campaign's, or all)
with their tiers' ids in the stack's order, in a fixed number of queries."""

from datetime import datetime

from django.db.models import Prefetch, QuerySet

from voucherhub.errors import not_found

from ..models import PromotionStack, PromotionStackTier


def _with_tiers(qs: QuerySet[PromotionStack]) -> QuerySet[PromotionStack]:
    members = PromotionStackTier.objects.order_by("position").only("stack_id", "tier_id", "position")
    return qs.select_related("category").prefetch_related(Prefetch("members", queryset=members))


def find_stack(campaign_id: str, stack_id: str, *, for_update: bool = False) -> PromotionStack:
    """The stack ``stack_id`` of the campaign ``campaign_id`` (not binned); 404 otherwise."""
    qs = PromotionStack.objects.filter(pk=stack_id, campaign_id=campaign_id, campaign__deleted_at__isnull=True)
    stack = (qs.select_for_update(of=("self",)) if for_update else _with_tiers(qs)).first()
    if stack is None:
        raise not_found("promotion_stack", stack_id)
    return stack


def stack_tier_ids(stack_id: str) -> list[str] | None:
    """The tier ids of a stack, in its order (None: no such stack, or its campaign is in the bin)."""
    stack = PromotionStack.objects.filter(pk=stack_id, campaign__deleted_at__isnull=True).only("id").first()
    if stack is None:
        return None
    return list(stack.members.order_by("position").values_list("tier_id", flat=True))


def stack_list(
    *,
    campaign_id: str | None = None,
    order: str = "-created_at",
    created: tuple[datetime | None, datetime | None] = (None, None),
    updated: tuple[datetime | None, datetime | None] = (None, None),
) -> QuerySet[PromotionStack]:
    """Stacks of live campaigns (one campaign's with ``campaign_id``), ``created`` and ``updated`` as
    (before, after) bounds."""
    qs = PromotionStack.objects.filter(campaign__deleted_at__isnull=True)
    if campaign_id is not None:
        qs = qs.filter(campaign_id=campaign_id)
    for field, (before, after) in (("created_at", created), ("updated_at", updated)):
        if before is not None:
            qs = qs.filter(**{f"{field}__lt": before})
        if after is not None:
            qs = qs.filter(**{f"{field}__gt": after})
    return _with_tiers(qs).order_by(order, "-id" if order.startswith("-") else "id")
