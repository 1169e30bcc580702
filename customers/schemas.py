"""Input shapes of /v1/customers: the customer's body and the list calls' query strings."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from campaigns.models import CampaignType
from campaigns.schemas import PageQuery
from campaigns.schemas.base import MAX_LIST_LIMIT, Description, In, Metadata, Ref, Text, UtcDatetime

from .queries import ACTIVITY_TYPES


class CustomerIn(In):
    id: Ref | None = None
    source_id: Ref | None = None
    name: Text(200) | None = None
    email: Text(254) | None = None
    description: Description | None = None
    metadata: Metadata | None = None


class CustomerUpdateIn(In):
    name: Text(200) | None = None
    email: Text(254) | None = None
    description: Description | None = None
    metadata: Metadata | None = None


class CustomerListQuery(PageQuery):
    email: str | None = None
    name: str | None = None
    segment_id: str | None = None
    order: Literal["created_at", "-created_at", "updated_at", "-updated_at", "source_id", "-source_id"] = "-created_at"
    created_before: UtcDatetime | None = Field(None, alias="created_at[before]")
    created_after: UtcDatetime | None = Field(None, alias="created_at[after]")
    updated_before: UtcDatetime | None = Field(None, alias="updated_at[before]")
    updated_after: UtcDatetime | None = Field(None, alias="updated_at[after]")


ActivityType = Literal[tuple(ACTIVITY_TYPES)]  # type: ignore[valid-type]


class ActivityQuery(BaseModel):
    """``GET /v1/customers/{id}/activity``: newest first (``-created_at``) or oldest first, a page of
    ``limit`` after the event ``starting_after_id``, between ``start_date`` and ``end_date`` (both
    included), of one campaign or campaign type, of one activity type or category."""

    model_config = ConfigDict(extra="ignore")

    limit: Annotated[int, Field(ge=1, le=MAX_LIST_LIMIT)] = 10
    order: Literal["created_at", "-created_at"] = "-created_at"
    starting_after_id: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    start_date: UtcDatetime | None = None
    end_date: UtcDatetime | None = None
    campaign_id: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    campaign_type: Literal[tuple(CampaignType.values)] | None = None  # type: ignore[valid-type]
    category: Literal["ACTION", "EFFECT"] | None = None
    type: ActivityType | None = None

    @model_validator(mode="after")
    def _period_is_ordered(self):
        if self.start_date and self.end_date and self.start_date > self.end_date:
            raise ValueError("start_date is after end_date")
        return self


class RedeemablesQuery(BaseModel):
    """``GET /v1/customers/{id}/redeemables``: newest first (``-id``) or oldest first, ``limit`` after the
    voucher ``starting_after_id``."""

    model_config = ConfigDict(extra="ignore")

    limit: Annotated[int, Field(ge=1, le=MAX_LIST_LIMIT)] = 10
    order: Literal["id", "-id"] = "-id"
    starting_after_id: Annotated[str, Field(min_length=1, max_length=200)] | None = None


class EventLoyaltyIn(In):
    code: Ref


class EventReferralIn(In):
    """The referral a custom event converts: its ``code``, or the ``referrer_id`` whose code it is (in each
    referral program converting on this event)."""

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": [name], "properties": {name: {"type": "string"}}} for name in ("code", "referrer_id")
            ]
        }  # fmt: skip
    )

    code: Ref | None = None
    referrer_id: Ref | None = None

    @model_validator(mode="after")
    def _names_the_referral(self):
        if not (self.code or self.referrer_id):
            raise ValueError("referral needs a code or a referrer_id")
        return self


def _named(schema: dict) -> None:
    schema["anyOf"] = [  # an id or a source_id (a null one names nobody)
        {"required": [name], "properties": {name: {"type": "string"}}} for name in ("id", "source_id")
    ]


class EventCustomerIn(CustomerIn):
    """A custom event's customer: found by ``id`` or ``source_id`` (created on first sight by the latter)."""

    model_config = ConfigDict(json_schema_extra=_named)


class EventIn(In):
    """``POST /v1/events``: a custom event of a customer; ``referral`` names the referral it converts in the
    programs whose conversion event it is."""

    event: Text(100, 1)  # an earning rule names at most 100 characters
    customer: EventCustomerIn
    referral: EventReferralIn | None = None
    loyalty: EventLoyaltyIn | None = None
    metadata: Metadata | None = None

    @model_validator(mode="after")
    def _customer_is_named(self):
        if not (self.customer.id or self.customer.source_id):
            raise ValueError("customer needs an id or a source_id")
        return self
