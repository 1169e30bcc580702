"""Request bodies and list queries of ``/v1/loyalties``."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, model_validator

from campaigns.schemas.base import CodeConfigIn, Description, In, Metadata, Name, Ref, Text, UtcDatetime
from campaigns.schemas.publications import PublicationCustomerIn
from campaigns.schemas.rules import PageQuery
from voucherhub.documented import documented
from voucherhub.wire import WholeInt

from .services.points import MAX_POINTS, PointsChange

Points = Annotated[WholeInt, Field(ge=0, le=MAX_POINTS)]


class LoyaltyCardTemplateIn(In):
    points: Points | None = None  # each new card starts with these


class LoyaltyVoucherIn(In):
    type: Literal["LOYALTY_CARD"] = "LOYALTY_CARD"
    loyalty_card: LoyaltyCardTemplateIn | None = None
    code_config: CodeConfigIn | None = None


class LoyaltyProgramIn(In):
    """``POST /v1/loyalties``. Cards come with members (``POST /v1/loyalties/{id}/members``)."""

    name: Name
    description: Description | None = None
    type: Literal["STATIC", "AUTO_UPDATE"] | None = None
    voucher: LoyaltyVoucherIn | None = None
    # Cards come with members (POST /v1/loyalties/{id}/members): none are made ahead.
    vouchers_count: Annotated[WholeInt, Field(ge=0, le=0)] | None = None
    start_date: UtcDatetime | None = None
    expiration_date: UtcDatetime | None = None
    metadata: Metadata | None = None
    category: Ref | None = None
    category_id: Ref | None = None


class LoyaltyProgramUpdateIn(In):
    """``PUT /v1/loyalties/{id}``: a partial update."""

    description: Description | None = None
    start_date: UtcDatetime | None = None
    expiration_date: UtcDatetime | None = None
    metadata: Metadata | None = None
    unset_metadata_fields: Annotated[list[Text(200)], Field(max_length=100)] | None = None
    category: Ref | None = None
    category_id: Ref | None = None


class LoyaltyMemberIn(In):
    """``POST /v1/loyalties/{id}/members``: the customer who joins (found or created by id or source_id)."""

    customer: PublicationCustomerIn  # who joins: found by id, else by source_id (created on first sight)
    voucher: Ref | None = None  # a card of the program given to no one yet; else a new card
    source_id: Text(200) | None = None
    metadata: Metadata | None = None
    channel: Text(100) | None = None


class LoyaltyBalanceIn(In):
    """``POST .../members/{memberId}/balance``: points to add (positive) or remove (negative)."""

    points: Annotated[WholeInt, Field(ge=-MAX_POINTS, le=MAX_POINTS), documented(**{"not": {"const": 0}})]
    reason: Text(500) | None = None
    source_id: Text(200) | None = None

    @model_validator(mode="after")
    def _not_zero(self):
        if self.points == 0:
            raise ValueError("points must not be 0")
        return self

    def to_change(self) -> PointsChange:
        return PointsChange(self.points, self.reason or "", self.source_id or "")


class LoyaltyTransferIn(In):
    code: Ref
    points: Annotated[WholeInt, Field(ge=1, le=MAX_POINTS)]
    reason: Text(500) | None = None
    source_id: Text(200) | None = None


class LoyaltyTransferList(RootModel[Annotated[list[LoyaltyTransferIn], Field(min_length=1, max_length=50)]]):
    """The body of a transfer: the cards the points come from, each with how many."""


class LoyaltyProgramListQuery(PageQuery):
    order: Literal["created_at", "-created_at", "updated_at", "-updated_at"] = "-created_at"


class LoyaltyMemberListQuery(PageQuery):
    order: Literal["created_at", "-created_at", "updated_at", "-updated_at", "code", "-code"] = "-created_at"


class LoyaltyTransactionListQuery(BaseModel):
    """A card's transactions, newest first, ``limit`` after the ``starting_after_id`` cursor."""

    model_config = ConfigDict(extra="ignore")

    limit: Annotated[int, Field(ge=1, le=100)] = 10
    starting_after_id: Text(100, 1) | None = None
