"""Request bodies of validation rules and categories, and the query strings of list calls."""

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
)

from voucherhub.documented import documented
from voucherhub.wire import WholeInt

from .base import (
    MAX_LIST_LIMIT,
    MAX_PAGE,
    MAX_QUANTITY,
    In,
    Money,
    Name,
    Ref,
    Text,
    UtcDatetime,
)

# --- validation rules ------------------------------------------------------------------------------------


class ApplicableToItemIn(In):
    object: Literal["product", "sku", "products_collection"]
    id: Ref | None = None
    source_id: Ref | None = None
    product_id: Ref | None = None
    product_source_id: Ref | None = None
    price: Money | None = None
    effect: Literal[
        "APPLY_TO_EVERY", "APPLY_TO_CHEAPEST", "APPLY_FROM_CHEAPEST", "APPLY_TO_MOST_EXPENSIVE",
        "APPLY_FROM_MOST_EXPENSIVE",
    ] = "APPLY_TO_EVERY"  # fmt: skip
    quantity_limit: Annotated[WholeInt, Field(ge=0, le=MAX_QUANTITY)] | None = None
    amount_limit: Money | None = None
    target: Literal["ITEM", "UNIT"] | None = None


class ApplicableToIn(In):
    included: Annotated[list[ApplicableToItemIn], Field(max_length=1000)] | None = None
    excluded: Annotated[list[ApplicableToItemIn], Field(max_length=1000)] | None = None
    included_all: StrictBool | None = None

    def stored(self) -> dict:
        return {
            "included": [item.model_dump(exclude_none=True) for item in self.included or []],
            "excluded": [item.model_dump(exclude_none=True) for item in self.excluded or []],
            "included_all": bool(self.included_all),
        }


class RuleErrorIn(In):
    message: Text(500) | None = None


# What JSON Schema can say of the rule language (campaigns.rules); the rest (the names and operators of a
# condition, a logic naming defined conditions) is checked by the server: 400 invalid_validation_rules.
RulesBody = Annotated[
    dict[str, Any],
    documented(
        description=(
            'Numbered conditions and a logic over their numbers: {"1": {"name": "order.amount", "conditions": '
            '{"$more_than": [1000]}}, "logic": "1"}.'
        ),
        propertyNames={"pattern": "^([0-9]+|logic)$"},
        properties={"logic": {"anyOf": [{"type": "string", "maxLength": 1000}, {"type": "null"}]}},
        additionalProperties={"type": "object"},
    ),
]


class ValidationRuleIn(In):
    name: Name
    rules: RulesBody | None = None
    error: RuleErrorIn | None = None
    applicable_to: ApplicableToIn | None = None


class ValidationRuleUpdateIn(In):
    name: Name | None = None
    rules: RulesBody | None = None
    error: RuleErrorIn | None = None
    applicable_to: ApplicableToIn | None = None


class AssignmentIn(In):
    related_object_type: Literal["voucher", "campaign", "promotion_tier"]
    related_object_id: Ref


# --- categories ------------------------------------------------------------------------------------------


class CategoryIn(In):
    name: Text(100, 1)
    hierarchy: Annotated[WholeInt, Field(ge=0, le=MAX_QUANTITY)]


class CategoryUpdateIn(In):
    name: Text(100, 1) | None = None
    hierarchy: Annotated[WholeInt, Field(ge=0, le=MAX_QUANTITY)] | None = None


# --- list query strings ----------------------------------------------------------------------------------
# Query values arrive as text, so these are lax (``limit=5``); a bad one is a 400 ``invalid_query_params``.

OrderBasic = Literal["created_at", "-created_at", "updated_at", "-updated_at"]


class PageQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    limit: Annotated[int, Field(ge=1, le=MAX_LIST_LIMIT)] = 10
    page: Annotated[int, Field(ge=1, le=MAX_PAGE)] = 1

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit


class VoucherListQuery(PageQuery):
    category: str | None = None
    campaign_id: str | None = None
    campaign: str | None = None
    customer: str | None = None
    code: str | None = None
    ids: list[str] | None = None
    order: Literal["created_at", "-created_at", "updated_at", "-updated_at", "code", "-code"] = "-created_at"
    created_before: UtcDatetime | None = Field(None, alias="created_at[before]")
    created_after: UtcDatetime | None = Field(None, alias="created_at[after]")
    updated_before: UtcDatetime | None = Field(None, alias="updated_at[before]")
    updated_after: UtcDatetime | None = Field(None, alias="updated_at[after]")


class CampaignListQuery(PageQuery):
    campaign_type: (
        Literal["DISCOUNT_COUPONS", "GIFT_VOUCHERS", "PROMOTION", "LOYALTY_PROGRAM", "REFERRAL_PROGRAM"] | None
    ) = None
    order: OrderBasic = "-created_at"


class TierListQuery(PageQuery):
    is_available: bool | None = None
    order: OrderBasic = "created_at"


class RuleListQuery(PageQuery):
    order: Literal["created_at", "-created_at", "updated_at", "-updated_at", "name", "-name"] = "-created_at"
    start_date: UtcDatetime | None = None
    end_date: UtcDatetime | None = None


class AssignmentListQuery(PageQuery):
    """``GET /v1/validation-rules-assignments``."""

    related_object_id: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    rule: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    order: Literal["created_at", "-created_at"] = "-created_at"


class TransactionListQuery(BaseModel):
    """``GET /v1/vouchers/{code}/transactions``: newest first (``-id``) or oldest first (``id``), a page of
    ``limit`` after the transaction ``starting_after_id``."""

    model_config = ConfigDict(extra="ignore")

    limit: Annotated[int, Field(ge=1, le=MAX_LIST_LIMIT)] = 10
    order: Literal["id", "-id"] = "-id"
    starting_after_id: Annotated[str, Field(min_length=1, max_length=200)] | None = None


class ForceQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    force: bool = False


class VouchersCountQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    vouchers_count: Annotated[int, Field(ge=1, le=MAX_QUANTITY)] = 1


class BinListQuery(BaseModel):
    """``GET /v1/trash-bin``: ``limit`` entries after the entry ``starting_after_id``, by entry id."""

    model_config = ConfigDict(extra="ignore")

    limit: Annotated[int, Field(ge=1, le=MAX_LIST_LIMIT)] = 10
    order: Literal["id", "-id"] = "-id"
    starting_after_id: Annotated[str, Field(min_length=1, max_length=200)] | None = None
