"""Request bodies and the list query of promotion stacks (``/v1/promotions/{campaignId}/stacks``)."""

from typing import Annotated, Literal

from pydantic import Field

from ..models import MAX_STACK_TIERS
from ..services.stacks import StackChanges
from .base import In, Name, Ref, UtcDatetime
from .rules import PageQuery


class PromotionStackTiersIn(In):
    """The stack's tiers, in the order they apply (``MANUAL``, the platform's only hierarchy mode)."""

    ids: Annotated[list[Ref], Field(min_length=1, max_length=MAX_STACK_TIERS)]
    hierarchy_mode: Literal["MANUAL"] = "MANUAL"


class PromotionStackUpdateIn(In):
    """``PUT /v1/promotions/{campaignId}/stacks/{stackId}``: what is sent replaces what is stored."""

    name: Name | None = None
    tiers: PromotionStackTiersIn | None = None
    category_id: Ref | None = None

    def to_changes(self) -> StackChanges:
        return StackChanges(
            name=self.name,
            tier_ids=tuple(self.tiers.ids) if self.tiers is not None else None,
            category_id=self.category_id,
        )


class PromotionStackIn(PromotionStackUpdateIn):
    """``POST /v1/promotions/{campaignId}/stacks``: a name and at least one of the campaign's tiers."""

    name: Name
    tiers: PromotionStackTiersIn


class PromotionStackListQuery(PageQuery):
    """``GET /v1/promotions/stacks``: every campaign's stacks, newest first unless ``order`` says."""

    order: Literal["created_at", "-created_at", "updated_at", "-updated_at", "name", "-name"] = "-created_at"
    created_before: UtcDatetime | None = Field(None, alias="created_at[before]")
    created_after: UtcDatetime | None = Field(None, alias="created_at[after]")
    updated_before: UtcDatetime | None = Field(None, alias="updated_at[before]")
    updated_after: UtcDatetime | None = Field(None, alias="updated_at[after]")
