"""Request shapes of the /v1/ campaign endpoints, parsed by pydantic through ninja.

Unknown fields are ignored and ``null`` means "absent", as the platform does (the official SDK sends explicit
nulls). Types are strict where the platform's are (an amount is a JSON number, a flag a JSON boolean), and
every value is bounded so that nothing reaching the database can overflow a column: a bad body is a 400
``invalid_payload``, never a 500. Money is integer minor units; ``percent_off`` and friends may be floats.
"""

import math
import re
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    model_validator,
)

from voucherhub.errors import DomainError
from voucherhub.wire import WholeInt, number

from .models import Effect
from .services.requests import CodeConfig, Discount, Gift, TierRequest, VoucherTemplate

MAX_AMOUNT = 10**15  # minor units; far above any real card and well inside a 64-bit column
MAX_QUANTITY = 2_147_483_647  # PositiveIntegerField
MAX_LIST_LIMIT = 100
MAX_PAGE = 100_000


# --- scalar types ----------------------------------------------------------------------------------------


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # json.loads lets "\\udead" through; UTF-8 cannot hold it


def _storable(value: Any) -> None:
    """Refuse what PostgreSQL cannot store: NUL characters and lone surrogates in text, NaN / Infinity in JSON.
    Iterative, so that deeply nested metadata cannot exhaust the stack."""
    pending: list[tuple[Any, str]] = [(value, "")]
    while pending:
        item, path = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise ValueError(f"{path or 'text'} must not contain NUL characters")
            if _LONE_SURROGATE.search(item):
                raise ValueError(f"{path or 'text'} must be valid Unicode (a lone surrogate cannot be stored)")
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise ValueError(f"{path or 'number'} must be a finite number")
        elif isinstance(item, dict):
            for key, child in item.items():
                pending.append((key, path))
                pending.append((child, f"{path}.{key}"))
        elif isinstance(item, list | tuple):
            pending.extend((child, f"{path}[{index}]") for index, child in enumerate(item))


def _money(value: int | float) -> int:
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise ValueError("must be a whole amount in minor units (an integer)")
        value = int(value)
    if not 0 <= value <= MAX_AMOUNT:
        raise ValueError(f"must be between 0 and {MAX_AMOUNT}")
    return value


def _percent(value: int | float) -> int | float:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("must be a finite number")
    if not 0 <= value <= 100:
        raise ValueError("must be between 0 and 100")
    return number(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _utc(value: datetime) -> datetime:
    """Naive values are read as UTC; aware ones are converted to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("date is out of range") from None


def _code_length(value: int | float) -> int:
    if isinstance(value, float) and (not math.isfinite(value) or not value.is_integer()):
        raise ValueError("must be an integer")
    if not 1 <= value <= 100:
        raise ValueError("must be between 1 and 100")
    return int(value)


def documented(**keywords) -> Any:
    """JSON Schema keywords for the OpenAPI document of a rule a validator enforces (so that the document
    is exactly as strict as the server), without changing the validator or its message."""
    return Field(json_schema_extra=keywords)


Money = Annotated[
    StrictInt | StrictFloat, AfterValidator(_money), documented(minimum=0, maximum=MAX_AMOUNT, multipleOf=1)
]
Percent = Annotated[StrictInt | StrictFloat, AfterValidator(_percent), documented(minimum=0, maximum=100)]
Quantity = Annotated[WholeInt, Field(ge=1, le=MAX_QUANTITY)]


def _iso_text(value: Any) -> Any:
    """A date-time is text as ISO 8601 writes it: pydantic alone would also read 0.5 or "1700000000" as
    seconds since 1970, which the OpenAPI document (format date-time) does not allow."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_START.match(value):
        raise ValueError("must be an ISO 8601 date-time such as 2026-01-17T08:03:25Z")
    return value


_ISO_START = re.compile(r"\d{4}-\d{2}-\d{2}")
UtcDatetime = Annotated[datetime, BeforeValidator(_iso_text), AfterValidator(_utc)]
Metadata = dict[str, Any]


def Text(max_length: int, min_length: int = 0):  # reads like a type in annotations
    return Annotated[str, Field(min_length=min_length, max_length=max_length)]


Name = Text(200, 1)
Ref = Text(200, 1)  # an id, a code, a name or a source_id
Code = Text(100, 1)
Description = Text(10_000)


def _typed(value: "DiscountIn | GiftIn | CodeConfigIn | None"):
    """The service's typed value of an optional nested body."""
    return value.to_request() if value is not None else None


class In(BaseModel):
    """Base of request bodies: unknown fields ignored, text and numbers storable as they are.

    A plain pydantic model, not ninja's ``Schema``: that one reads any value through attributes
    (``from_attributes``), so ``"redemption": "abc"`` would pass as an empty object."""

    model_config = ConfigDict(extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _check_storable(cls, data: Any) -> Any:
        _storable(data)
        return data


# --- shared pieces ---------------------------------------------------------------------------------------


def _needs_when(field: str, value: str, needed: str, schema: dict | None = None) -> dict:
    """JSON Schema for "when ``field`` is ``value``, ``needed`` is sent and not null" (documents a rule a
    model validator enforces)."""
    return {
        "if": {"properties": {field: {"const": value}}, "required": [field]},
        "then": {"required": [needed], "properties": {needed: schema or {"not": {"type": "null"}}}},
    }


class DiscountIn(In):
    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "allOf": [
                _needs_when("type", "PERCENT", "percent_off"),
                _needs_when("type", "AMOUNT", "amount_off"),
                _needs_when("type", "FIXED", "fixed_amount"),
            ]
        },
    )

    type: Literal["PERCENT", "AMOUNT", "FIXED"]
    percent_off: Percent | None = None
    amount_off: Money | None = None
    fixed_amount: Money | None = None
    amount_limit: Money | None = None
    effect: Literal["APPLY_TO_ORDER", "APPLY_TO_ITEMS"] | None = None

    @model_validator(mode="after")
    def _value_for_type(self):
        needed = {"PERCENT": "percent_off", "AMOUNT": "amount_off", "FIXED": "fixed_amount"}[self.type]
        if getattr(self, needed) is None:
            raise ValueError(f"a {self.type} discount needs {needed}")
        return self

    def to_request(self) -> Discount:
        return Discount(
            type=self.type,
            percent_off=self.percent_off,
            amount_off=self.amount_off,
            fixed_amount=self.fixed_amount,
            amount_limit=self.amount_limit,
            effect=self.effect or Effect.APPLY_TO_ORDER,
        )


class GiftIn(In):
    amount: Money
    effect: Literal["APPLY_TO_ORDER", "APPLY_TO_ITEMS"] | None = None

    def to_request(self) -> Gift:
        return Gift(amount=self.amount, effect=self.effect or Effect.APPLY_TO_ORDER)


class RedemptionIn(In):
    quantity: Quantity | None = None  # null: unlimited


class CodeConfigIn(In):
    length: (
        Annotated[
            StrictInt | StrictFloat, AfterValidator(_code_length), documented(minimum=1, maximum=100, multipleOf=1)
        ]
        | None
    ) = None
    charset: Text(200, 1) | None = None
    prefix: Text(50) | None = None
    postfix: Text(50) | None = None
    pattern: Text(100, 1) | None = None

    def to_request(self) -> CodeConfig:
        return CodeConfig(**self.model_dump())


# --- vouchers --------------------------------------------------------------------------------------------


class VoucherIn(In):
    """``POST /v1/vouchers/{code}`` and ``POST /v1/vouchers`` (the latter may carry ``code`` or ``code_config``)."""

    code: Code | None = None
    type: Literal["DISCOUNT_VOUCHER", "GIFT_VOUCHER"] | None = None
    campaign: Ref | None = None
    campaign_id: Ref | None = None
    category: Ref | None = None
    category_id: Ref | None = None
    discount: DiscountIn | None = None
    gift: GiftIn | None = None
    start_date: UtcDatetime | None = None
    expiration_date: UtcDatetime | None = None
    active: StrictBool | None = None
    metadata: Metadata | None = None
    redemption: RedemptionIn | None = None
    validation_rules: Annotated[list[Ref], Field(max_length=10)] | None = None
    code_config: CodeConfigIn | None = None


class VoucherUpdateIn(In):
    """``PUT /v1/vouchers/{code}``: a partial update. ``type`` is ignored (the SDK always sends
    DISCOUNT_VOUCHER); a gift card's value changes through ``/balance`` only."""

    category: Ref | None = None
    category_id: Ref | None = None
    discount: DiscountIn | None = None
    start_date: UtcDatetime | None = None
    expiration_date: UtcDatetime | None = None
    active: StrictBool | None = None
    metadata: Metadata | None = None
    redemption: RedemptionIn | None = None


class BalanceIn(In):
    amount: Annotated[WholeInt, Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT), documented(**{"not": {"const": 0}})]
    source_id: Text(200) | None = None
    reason: Text(500) | None = None

    @model_validator(mode="after")
    def _not_zero(self):
        if self.amount == 0:
            raise ValueError("amount must not be 0")
        return self


# --- campaigns and promotion tiers -----------------------------------------------------------------------


class VoucherTemplateIn(In):
    type: Literal["DISCOUNT_VOUCHER", "GIFT_VOUCHER"] | None = None
    discount: DiscountIn | None = None
    gift: GiftIn | None = None
    redemption: RedemptionIn | None = None
    code_config: CodeConfigIn | None = None

    def to_request(self) -> VoucherTemplate:
        return VoucherTemplate(
            type=self.type,
            discount=_typed(self.discount),
            gift=_typed(self.gift),
            quantity=self.redemption.quantity if self.redemption is not None else None,
            code_config=_typed(self.code_config),
        )


class TierActionIn(In):
    discount: DiscountIn


class TierIn(In):
    name: Name
    banner: Text(500) | None = None
    action: TierActionIn
    metadata: Metadata | None = None
    validation_rules: Annotated[list[Ref], Field(max_length=10)] | None = None
    active: StrictBool | None = None
    hierarchy: Annotated[WholeInt, Field(ge=1, le=MAX_QUANTITY)] | None = None
    start_date: UtcDatetime | None = None
    expiration_date: UtcDatetime | None = None
    category: Ref | None = None
    category_id: Ref | None = None

    def to_request(self) -> TierRequest:
        return TierRequest(
            name=self.name,
            discount=self.action.discount.to_request(),
            banner=self.banner,
            metadata=self.metadata,
            validation_rules=tuple(self.validation_rules or ()),
            active=self.active,
            hierarchy=self.hierarchy,
            start_date=self.start_date,
            expiration_date=self.expiration_date,
            category=self.category,
            category_id=self.category_id,
        )


class PromotionIn(In):
    tiers: Annotated[list[TierIn], Field(max_length=100)] | None = None


class CampaignIn(In):
    name: Name
    description: Description | None = None
    campaign_type: Literal["DISCOUNT_COUPONS", "GIFT_VOUCHERS", "PROMOTION"] | None = None
    type: Literal["STATIC", "AUTO_UPDATE", "STANDALONE"] | None = None
    voucher: VoucherTemplateIn | None = None
    # Up to 1,000 generated in the request, more by a background job, at most 1,000,000 (campaigns.services
    # refuses more with invalid_campaign_params); the bound here only keeps the value inside a column.
    vouchers_count: Annotated[WholeInt, Field(ge=0, le=MAX_QUANTITY)] | None = None
    start_date: UtcDatetime | None = None
    expiration_date: UtcDatetime | None = None
    active: StrictBool | None = None
    metadata: Metadata | None = None
    category: Ref | None = None
    category_id: Ref | None = None
    validation_rules: Annotated[list[Ref], Field(max_length=1)] | None = None
    promotion: PromotionIn | None = None


class CampaignUpdateIn(In):
    description: Description | None = None
    type: Literal["STATIC", "AUTO_UPDATE", "STANDALONE"] | None = None
    category: Ref | None = None
    category_id: Ref | None = None
    start_date: UtcDatetime | None = None
    expiration_date: UtcDatetime | None = None
    active: StrictBool | None = None
    metadata: Metadata | None = None
    unset_metadata_fields: Annotated[list[Text(200)], Field(max_length=100)] | None = None
    discount: DiscountIn | None = None
    gift: GiftIn | None = None


class CampaignVouchersIn(In):
    """``POST /v1/campaigns/{id}/vouchers[/{code}]``: what the new vouchers change from the template."""

    code: Code | None = None
    code_config: CodeConfigIn | None = None
    category: Ref | None = None
    metadata: Metadata | None = None
    redemption: RedemptionIn | None = None
    start_date: UtcDatetime | None = None
    expiration_date: UtcDatetime | None = None


# --- customers and segments ------------------------------------------------------------------------------


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


class SegmentIn(In):
    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra=_needs_when("type", "auto-update", "filter", {"type": "object", "minProperties": 1}),
    )

    name: Name
    type: Literal["static", "auto-update"]
    customers: Annotated[list[Ref], Field(max_length=10_000)] | None = None
    filter: dict[str, Any] | None = None

    def conditions(self) -> dict | None:
        """An auto-update segment's metadata conditions (``{key: value or [values]}``); None for a static one."""
        return _segment_filter(self.filter or {}) if self.type == "auto-update" else None


def _segment_filter(raw: dict) -> dict:
    """An auto-update segment's filter as stored: ``{"<metadata key>": value or [values]}``.

    Accepts that form, or the platform's ``{"junction": "and", "metadata.<key>": {"conditions":
    {"$is": value} or {"$in": [values]}}}``. Anything else is refused (the engine matches all keys).
    """
    bad = DomainError("invalid_payload", "Invalid payload")
    stored: dict = {}
    for key, value in raw.items():
        if key == "junction":
            if value != "and":
                bad.details = "Property .filter.junction: only 'and' is supported"
                raise bad
            continue
        if isinstance(value, dict):
            conditions = value.get("conditions")
            if not key.startswith("metadata.") or not isinstance(conditions, dict) or len(conditions) != 1:
                bad.details = f"Property .filter.{key}: use metadata.<key> with one $is or $in condition"
                raise bad
            [(op, operand)] = conditions.items()
            if op not in ("$is", "$in"):
                bad.details = f"Property .filter.{key}: only $is and $in are supported"
                raise bad
            key, value = key.removeprefix("metadata."), operand
        if not key or not _is_scalar_or_scalars(value):
            bad.details = f"Property .filter.{key}: a value or a list of values is required"
            raise bad
        stored[key] = value
    if not stored:
        bad.details = "Property .filter: an auto-update segment needs at least one metadata condition"
        raise bad
    return stored


def _is_scalar_or_scalars(value: Any) -> bool:
    values = value if isinstance(value, list) else [value]
    return bool(values) and all(isinstance(v, str | int | float | bool) for v in values)


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


class ValidationRuleIn(In):
    name: Name
    rules: dict[str, Any] | None = None
    error: RuleErrorIn | None = None
    applicable_to: ApplicableToIn | None = None


class ValidationRuleUpdateIn(In):
    name: Name | None = None
    rules: dict[str, Any] | None = None
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


class CustomerListQuery(PageQuery):
    email: str | None = None
    name: str | None = None
    segment_id: str | None = None
    order: Literal["created_at", "-created_at", "updated_at", "-updated_at", "source_id", "-source_id"] = "-created_at"
    created_before: UtcDatetime | None = Field(None, alias="created_at[before]")
    created_after: UtcDatetime | None = Field(None, alias="created_at[after]")
    updated_before: UtcDatetime | None = Field(None, alias="updated_at[before]")
    updated_after: UtcDatetime | None = Field(None, alias="updated_at[after]")


class TierListQuery(PageQuery):
    is_available: bool | None = None
    order: OrderBasic = "created_at"


class RuleListQuery(PageQuery):
    order: Literal["created_at", "-created_at", "updated_at", "-updated_at", "name", "-name"] = "-created_at"
    start_date: UtcDatetime | None = None
    end_date: UtcDatetime | None = None


class ForceQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    force: bool = False


class VouchersCountQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    vouchers_count: Annotated[int, Field(ge=1, le=MAX_QUANTITY)] = 1
