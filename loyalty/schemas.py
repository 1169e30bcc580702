"""Request bodies and list queries of ``/v1/loyalties``."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, model_validator

from campaigns.schemas.base import CodeConfigIn, Description, In, Metadata, Name, Ref, Text, UtcDatetime
from campaigns.schemas.publications import PublicationCustomerIn
from campaigns.schemas.rules import PageQuery
from voucherhub.documented import SENT, documented, needs_when
from voucherhub.wire import WholeInt

from .services.earning import RATIOS
from .services.points import MAX_POINTS, PointsChange

Points = Annotated[WholeInt, Field(ge=0, le=MAX_POINTS)]


class LoyaltyExpirationRulesIn(In):
    """When a program's points expire: ``MONTH`` (``period_value`` months after they are added, rounded up
    to the end of a month, quarter, half year, year or ``PARTICULAR_MONTH`` ``rounding_value``), or
    ``FIXED_DAY_OF_YEAR`` (the next ``fixed_month``/``fixed_day``)."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "allOf": [
                needs_when("period_type", "MONTH", "period_value"),
                needs_when("period_type", "FIXED_DAY_OF_YEAR", "fixed_month"),
                needs_when("period_type", "FIXED_DAY_OF_YEAR", "fixed_day"),
                needs_when("rounding_type", "PARTICULAR_MONTH", "rounding_value"),
            ]
        },
    )

    period_type: Literal["MONTH", "FIXED_DAY_OF_YEAR"]
    period_value: Annotated[WholeInt, Field(ge=1, le=120)] | None = None
    rounding_type: (
        Literal["END_OF_MONTH", "END_OF_QUARTER", "END_OF_HALF_YEAR", "END_OF_YEAR", "PARTICULAR_MONTH"] | None
    ) = None
    rounding_value: Annotated[WholeInt, Field(ge=1, le=12)] | None = None
    fixed_month: Annotated[WholeInt, Field(ge=1, le=12)] | None = None
    fixed_day: Annotated[WholeInt, Field(ge=1, le=31)] | None = None

    @model_validator(mode="after")
    def _complete(self):
        if self.period_type == "MONTH" and self.period_value is None:
            raise ValueError("expiration_rules.period_value is required for MONTH")
        if self.period_type == "FIXED_DAY_OF_YEAR" and (self.fixed_month is None or self.fixed_day is None):
            raise ValueError("expiration_rules.fixed_month and fixed_day are required for FIXED_DAY_OF_YEAR")
        if self.rounding_type == "PARTICULAR_MONTH" and self.rounding_value is None:
            raise ValueError("expiration_rules.rounding_value is required for PARTICULAR_MONTH")
        return self


class LoyaltyCardTemplateIn(In):
    points: Points | None = None  # each new card starts with these
    expiration_rules: LoyaltyExpirationRulesIn | None = None  # none: points never expire


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


# Earning rules (POST /v1/loyalties/{id}/earning-rules takes a JSON array of them).

CALCULATIONS = Literal[
    "ORDER_AMOUNT",
    "ORDER_TOTAL_AMOUNT",
    "ORDER_METADATA",
    "ORDER_ITEMS_QUANTITY",
    "ORDER_ITEMS_AMOUNT",
    "ORDER_ITEMS_SUBTOTAL_AMOUNT",
    "CUSTOMER_METADATA",
    "CUSTOM_EVENT_METADATA",
]
EarnedPoints = Annotated[WholeInt, Field(ge=1, le=MAX_POINTS)]


class LoyaltyRatioIn(In):
    """For every ``every`` (minor units for amounts) of the figure, ``points`` points."""

    every: EarnedPoints
    points: EarnedPoints


class LoyaltyPropertyRatioIn(LoyaltyRatioIn):
    property: Text(200, 1)


class LoyaltyItemTargetIn(In):
    object: Literal["product", "sku"]
    id: Ref


class LoyaltyItemsRatioIn(LoyaltyRatioIn):
    """Counts the order lines of the products or SKUs named (``object`` and ``id``, or ``applicable_to``),
    every line when none is named."""

    object: Literal["product", "sku"] | None = None
    id: Ref | None = None
    applicable_to: Annotated[list[LoyaltyItemTargetIn], Field(max_length=50)] | None = None


class LoyaltyEarningOrderIn(In):
    amount: LoyaltyRatioIn | None = None
    total_amount: LoyaltyRatioIn | None = None
    metadata: LoyaltyPropertyRatioIn | None = None


class LoyaltyEarningItemsIn(In):
    quantity: LoyaltyItemsRatioIn | None = None
    amount: LoyaltyItemsRatioIn | None = None
    subtotal_amount: LoyaltyItemsRatioIn | None = None


class LoyaltyEarningMetadataIn(In):
    metadata: LoyaltyPropertyRatioIn | None = None


_RATIO_OF = RATIOS  # calculation_type -> the group and key its ratio sits under
# FIXED with its points, or PROPORTIONAL with one calculation_type and that one's ratio: one branch each
# (nested if/then pairs would multiply past what schema tools can expand).
_EARNING_RULES = {
    "anyOf": [
        {"required": ["type", "points"], "properties": {"type": {"const": "FIXED"}, "points": SENT}},
        *(
            {
                "required": ["type", "calculation_type", group],
                "properties": {
                    "type": {"const": "PROPORTIONAL"},
                    "calculation_type": {"const": kind},
                    group: {"type": "object", "required": [key], "properties": {key: SENT}},
                },
            }  # fmt: skip
            for kind, (group, key) in _RATIO_OF.items()
        ),
    ]
}


class LoyaltyEarningIn(In):
    """FIXED ``points``, or PROPORTIONAL to the figure ``calculation_type`` names, whose ratio sits under
    its group (``order.amount`` for ORDER_AMOUNT, ``order_items.quantity`` for ORDER_ITEMS_QUANTITY, ...)."""

    model_config = ConfigDict(extra="ignore", json_schema_extra=_EARNING_RULES)

    type: Literal["FIXED", "PROPORTIONAL"]
    points: EarnedPoints | None = None
    calculation_type: CALCULATIONS | None = None
    order: LoyaltyEarningOrderIn | None = None
    order_items: LoyaltyEarningItemsIn | None = None
    customer: LoyaltyEarningMetadataIn | None = None
    custom_event: LoyaltyEarningMetadataIn | None = None

    @model_validator(mode="after")
    def _complete(self):
        if self.type == "FIXED" and self.points is None:
            raise ValueError("loyalty.points is required for a FIXED rule")
        if self.type == "PROPORTIONAL":
            if self.calculation_type is None:
                raise ValueError("loyalty.calculation_type is required for a PROPORTIONAL rule")
            group, key = _RATIO_OF[self.calculation_type]
            if getattr(getattr(self, group), key, None) is None:
                raise ValueError(f"loyalty.{group}.{key} is required for {self.calculation_type}")
        return self

    def stored(self) -> dict:
        """The rule's ``loyalty`` as kept: FIXED points, or the calculation and its one ratio."""
        if self.type == "FIXED":
            return {"type": "FIXED", "points": self.points}
        group, key = _RATIO_OF[self.calculation_type]
        ratio = getattr(getattr(self, group), key).model_dump(exclude_none=True)
        return {"type": "PROPORTIONAL", "calculation_type": self.calculation_type, group: {key: ratio}}


class LoyaltyIdIn(In):
    id: Ref


class LoyaltySchemaIdIn(In):
    schema_id: Text(100, 1) | None = None


class LoyaltyRuleNameIn(In):
    banner: Text(200) | None = None


class LoyaltyPendingPeriodIn(In):
    period_type: Literal["DAY"] | None = None
    period_value: Annotated[WholeInt, Field(ge=1, le=90)]


UNSUPPORTED = "is not supported: use start_date, expiration_date and validity_day_of_week"


class LoyaltyEarningRuleChangeIn(In):
    """What an earning rule's update may change (the create body adds what it listens to)."""

    loyalty: LoyaltyEarningIn | None = None
    source: LoyaltyRuleNameIn | None = None
    active: bool | None = None
    start_date: UtcDatetime | None = None
    expiration_date: UtcDatetime | None = None
    pending_points: LoyaltyPendingPeriodIn | None = None
    validity_day_of_week: Annotated[list[Literal[0, 1, 2, 3, 4, 5, 6]], Field(max_length=7)] | None = None
    validation_rule_id: Ref | None = None
    metadata: Metadata | None = None
    # Not enforced by the engine, so refused rather than stored and ignored.
    validity_timeframe: Annotated[None, documented(description=f"validity_timeframe {UNSUPPORTED}")] = None
    validity_hours: Annotated[None, documented(description=f"validity_hours {UNSUPPORTED}")] = None
    expiration_rules: Annotated[None, documented(description="Per-rule expiration is not supported")] = None

    def fields(self) -> dict:
        """The sent fields as the service takes them."""
        body = self.model_dump(exclude_none=True, exclude={"loyalty", "source", "pending_points"})
        if self.loyalty is not None:
            body["loyalty"] = self.loyalty.stored()
        if self.source is not None and self.source.banner is not None:
            body["banner"] = self.source.banner
        if self.pending_points is not None:
            body["pending_days"] = self.pending_points.period_value
        return body


class LoyaltyEarningRuleIn(LoyaltyEarningRuleChangeIn):
    """One earning rule: on an ``event`` (``order.paid``, ``customer.segment.entered`` with ``segment.id``,
    or a custom event's name), how many points (``loyalty``)."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "allOf": [
                needs_when("event", "customer.segment.entered", "segment"),
                {
                    "if": {"required": ["pending_points"], "properties": {"pending_points": SENT}},
                    "then": {"properties": {"event": {"const": "order.paid"}}},
                },
            ]
        },
    )

    event: Text(100, 1)
    loyalty: LoyaltyEarningIn
    segment: LoyaltyIdIn | None = None
    custom_event: LoyaltySchemaIdIn | None = None

    @model_validator(mode="after")
    def _listens(self):
        if self.event == "customer.segment.entered" and self.segment is None:
            raise ValueError("segment.id is required for the customer.segment.entered event")
        if self.pending_points is not None and self.event != "order.paid":
            raise ValueError("pending_points can only be used with the order.paid event")
        return self

    def fields(self) -> dict:
        body = super().fields()
        body.pop("segment", None)
        body.pop("custom_event", None)
        if self.segment is not None:
            body["segment_id"] = self.segment.id
        if self.custom_event is not None and self.custom_event.schema_id:
            body["custom_event_schema_id"] = self.custom_event.schema_id
        return body


class LoyaltyEarningRuleList(RootModel[Annotated[list[LoyaltyEarningRuleIn], Field(min_length=1, max_length=50)]]):
    """The body of ``POST /v1/loyalties/{id}/earning-rules``: the rules to create, all or none."""


class LoyaltyEarningRuleListQuery(PageQuery):
    order: Literal["created_at", "-created_at", "updated_at", "-updated_at"] = "-created_at"


class LoyaltyPendingListQuery(LoyaltyTransactionListQuery):
    order: Literal["id", "-id"] = "-id"


class LoyaltyPendingBalanceIn(In):
    """``POST .../pending-points/{id}/balance``: points to add to (positive) or take from (negative) the entry."""

    points: Annotated[WholeInt, Field(ge=-MAX_POINTS, le=MAX_POINTS), documented(**{"not": {"const": 0}})]

    @model_validator(mode="after")
    def _not_zero(self):
        if self.points == 0:
            raise ValueError("points must not be 0")
        return self


class LoyaltyActivityListQuery(LoyaltyTransactionListQuery):
    order: Literal["created_at", "-created_at"] = "-created_at"
