"""The pieces every campaign request body is made of: bounded scalar types, the ``In`` base model, and the
discount, gift, redemption and code-config objects."""

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
    StrictFloat,
    StrictInt,
    model_validator,
)

from voucherhub.documented import documented, needs_when
from voucherhub.wire import WholeInt, check_storable, number

from ..models import Effect
from ..services.requests import CodeConfig, Discount, Gift

MAX_AMOUNT = 10**15  # minor units; far above any real card and well inside a 64-bit column
MAX_QUANTITY = 2_147_483_647  # PositiveIntegerField
MAX_LIST_LIMIT = 100
MAX_PAGE = 100_000


# --- scalar types ----------------------------------------------------------------------------------------


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


def typed(value: "DiscountIn | GiftIn | CodeConfigIn | None"):
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
        check_storable(data)
        return data


# --- shared pieces ---------------------------------------------------------------------------------------


class DiscountIn(In):
    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "allOf": [
                needs_when("type", "PERCENT", "percent_off"),
                needs_when("type", "AMOUNT", "amount_off"),
                needs_when("type", "FIXED", "fixed_amount"),
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
