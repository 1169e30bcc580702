"""Promotion stacks: a PROMOTION campaign's tiers, named and ordered, redeemed together.

A stack holds 1 to MAX_STACK_TIERS distinct tiers of its own campaign, in the order sent
(``hierarchy_mode: MANUAL``, the platform's only mode). Changes run under the campaign's row lock, like
its tiers'. Events: ``promotion_stack.created``, ``.updated`` (with the fields changed) and ``.deleted``,
in the campaign's Activity.
"""

from dataclasses import dataclass

from django.db import transaction

from voucherhub.caller import Caller
from voucherhub.errors import DomainError

from .. import queries
from ..models import PromotionStack, PromotionStackTier
from ..queries.stacks import find_stack
from .events import stack_event
from .tiers import promotion_campaign


@dataclass(frozen=True)
class StackChanges:
    """What a request sets (None: not sent; a create sends name and tier_ids)."""

    name: str | None = None
    tier_ids: tuple[str, ...] | None = None
    category_id: str | None = None


def create_stack(*, caller: Caller, campaign_ref: str, changes: StackChanges) -> PromotionStack:
    with transaction.atomic():
        campaign = promotion_campaign(campaign_ref, why=": only promotion tiers stack")
        stack = PromotionStack.objects.create(
            campaign=campaign, name=changes.name, category=queries.category_of(None, changes.category_id)
        )
        _set_tiers(stack, changes.tier_ids or ())
        stack_event("promotion_stack.created", stack, caller, tiers=list(changes.tier_ids or ()))
        return find_stack(campaign.id, stack.id)


def update_stack(*, caller: Caller, campaign_ref: str, stack_id: str, changes: StackChanges) -> PromotionStack:
    """What is sent replaces what is stored (``tier_ids`` the whole order)."""
    with transaction.atomic():
        campaign = queries.find_campaign(campaign_ref, for_update=True)
        stack = find_stack(campaign.id, stack_id, for_update=True)
        changed = []
        if changes.name is not None and changes.name != stack.name:
            stack.name = changes.name
            changed.append("name")
        if changes.category_id is not None and changes.category_id != stack.category_id:
            stack.category = queries.category_of(None, changes.category_id)
            changed.append("category")
        if changes.tier_ids is not None:
            stack.members.all().delete()
            _set_tiers(stack, changes.tier_ids)
            changed.append("tiers")
        stack.save()
        if changed:
            stack_event("promotion_stack.updated", stack, caller, changed=changed)
        return find_stack(campaign.id, stack.id)


def delete_stack(*, caller: Caller, campaign_ref: str, stack_id: str) -> None:
    """Deletes the stack; its tiers stay (they never belonged to it alone)."""
    with transaction.atomic():
        campaign = queries.find_campaign(campaign_ref, for_update=True)
        stack = find_stack(campaign.id, stack_id, for_update=True)
        stack_event("promotion_stack.deleted", stack, caller)
        stack.delete()


def _set_tiers(stack: PromotionStack, tier_ids: tuple[str, ...]) -> None:
    """The stack's tiers in the order sent: each once, each of the stack's campaign."""
    if len(set(tier_ids)) != len(tier_ids):
        raise _invalid("a tier appears twice in tiers.ids")
    own = set(stack.campaign.tiers.filter(pk__in=tier_ids).values_list("pk", flat=True))
    for tier_id in tier_ids:
        if tier_id not in own:
            raise _invalid(f"Promotion tier {tier_id} is not a tier of campaign {stack.campaign.name}")
    PromotionStackTier.objects.bulk_create(
        PromotionStackTier(stack=stack, tier_id=tier_id, position=position)
        for position, tier_id in enumerate(tier_ids, start=1)
    )


def _invalid(details: str) -> DomainError:
    return DomainError("invalid_promotion_stack", "Invalid promotion stack", details, resource_type="promotion_stack")
