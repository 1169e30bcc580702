"""What the catalogue's services are asked, as typed values: discounts, gift values, code configs, voucher
templates and promotion tiers.

The API's schemas build them (``to_request``), the demo builds them directly. A campaign keeps its voucher
template as JSON in the platform's shape (``Campaign.voucher_template``): ``stored()`` writes that form and
``from_stored()`` reads it back, so a template always round-trips through these types.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from voucherhub.wire import number

from ..models import Effect


@dataclass(frozen=True)
class Discount:
    """``PERCENT`` (``percent_off``, capped by ``amount_limit``), ``AMOUNT`` (``amount_off``) or ``FIXED``
    (the order costs ``fixed_amount``). Money in minor units."""

    type: str
    percent_off: int | float | None = None
    amount_off: int | None = None
    fixed_amount: int | None = None
    amount_limit: int | None = None
    effect: str = Effect.APPLY_TO_ORDER

    def stored(self) -> dict[str, Any]:
        """The platform's form, as a voucher template keeps it and the API answers it."""
        body: dict[str, Any] = {"type": self.type, "effect": self.effect}
        if self.type == "PERCENT":
            body["percent_off"] = self.percent_off
            if self.amount_limit is not None:
                body["amount_limit"] = self.amount_limit
        elif self.type == "AMOUNT":
            body["amount_off"] = self.amount_off
        else:
            body["fixed_amount"] = self.fixed_amount
        return body

    @classmethod
    def from_stored(cls, data: Mapping[str, Any] | None) -> Discount | None:
        if not data:
            return None
        return cls(
            type=data.get("type", ""),
            percent_off=data.get("percent_off"),
            amount_off=data.get("amount_off"),
            fixed_amount=data.get("fixed_amount"),
            amount_limit=data.get("amount_limit"),
            effect=data.get("effect") or Effect.APPLY_TO_ORDER,
        )

    @classmethod
    def from_columns(cls, row) -> Discount | None:
        """The discount of a voucher or promotion tier row (anything with the discount columns)."""
        if not row.discount_type:
            return None
        return cls(
            type=row.discount_type,
            percent_off=number(row.percent_off),
            amount_off=row.amount_off,
            fixed_amount=row.fixed_amount,
            amount_limit=row.amount_limit,
            effect=row.discount_effect,
        )

    def columns(self) -> dict[str, Any]:
        """The model's discount columns (all of them, so that a change of type clears the others)."""
        return {
            "discount_type": self.type,
            "percent_off": self.percent_off if self.type == "PERCENT" else None,
            "amount_off": self.amount_off if self.type == "AMOUNT" else None,
            "fixed_amount": self.fixed_amount if self.type == "FIXED" else None,
            "amount_limit": self.amount_limit if self.type == "PERCENT" else None,
            "discount_effect": self.effect,
        }


NO_DISCOUNT_COLUMNS = {
    "discount_type": "",
    "percent_off": None,
    "amount_off": None,
    "fixed_amount": None,
    "amount_limit": None,
    "discount_effect": Effect.APPLY_TO_ORDER,
}


@dataclass(frozen=True)
class Gift:
    """A gift card's value: ``amount`` minor units."""

    amount: int
    effect: str = Effect.APPLY_TO_ORDER

    def stored(self) -> dict[str, Any]:
        return {"amount": self.amount, "effect": self.effect}

    @classmethod
    def from_stored(cls, data: Mapping[str, Any] | None) -> Gift | None:
        if not data:
            return None
        return cls(amount=data["amount"], effect=data.get("effect") or Effect.APPLY_TO_ORDER)


@dataclass(frozen=True)
class CodeConfig:
    """How random codes look: ``prefix`` + ``pattern`` (``#`` for each random character of ``charset``;
    ``length`` of them when there is no pattern) + ``postfix``."""

    length: int | None = None
    charset: str | None = None
    prefix: str | None = None
    postfix: str | None = None
    pattern: str | None = None

    def stored(self) -> dict[str, Any]:
        fields = ("length", "charset", "prefix", "postfix", "pattern")
        return {name: getattr(self, name) for name in fields if getattr(self, name) is not None}

    @classmethod
    def from_stored(cls, data: Mapping[str, Any] | None) -> CodeConfig | None:
        if not data:
            return None
        return cls(**{name: data.get(name) for name in ("length", "charset", "prefix", "postfix", "pattern")})


@dataclass(frozen=True)
class VoucherTemplate:
    """What a campaign's vouchers are made of: a ``DISCOUNT_VOUCHER`` with a discount or a ``GIFT_VOUCHER``
    with a gift value, a redemption ``quantity`` each (None: unlimited) and the code config; a loyalty
    program's ``LOYALTY_CARD`` with the ``points`` each new card starts with and when its points expire
    (``expiration_rules``, the platform's shape; none: never)."""

    type: str | None = None
    discount: Discount | None = None
    gift: Gift | None = None
    quantity: int | None = None
    code_config: CodeConfig | None = None
    points: int | None = None
    expiration_rules: dict | None = None


@dataclass(frozen=True)
class TierRequest:
    """A promotion tier: applies without a code, at its ``hierarchy`` position in the campaign."""

    name: str
    discount: Discount
    banner: str | None = None
    metadata: Mapping[str, Any] | None = None
    validation_rules: tuple[str, ...] = ()
    active: bool | None = None
    hierarchy: int | None = None
    start_date: datetime | None = None
    expiration_date: datetime | None = None
    category: str | None = None
    category_id: str | None = None


@dataclass(frozen=True)
class TierChanges:
    """A partial update of a promotion tier: None leaves a field as it is."""

    name: str | None = None
    discount: Discount | None = None
    banner: str | None = None
    metadata: Mapping[str, Any] | None = None
    active: bool | None = None
    hierarchy: int | None = None
    start_date: datetime | None = None
    expiration_date: datetime | None = None
    category: str | None = None
    category_id: str | None = None


@dataclass(frozen=True)
class PublicationRequest:
    """``POST /v1/publications``: give ``customer`` (who they are, as ``upsert_customer`` takes it) the
    voucher with code ``voucher``, or ``count`` free codes of the campaign ``campaign`` (an id or a name).
    ``source_id`` makes the call idempotent; ``join_once`` gives a customer one publication per campaign."""

    customer: Mapping[str, Any]
    voucher: str | None = None
    campaign: str | None = None
    count: int = 1
    source_id: str | None = None
    channel: str = "API"
    metadata: Mapping[str, Any] | None = None
    join_once: bool = False


@dataclass(frozen=True)
class ReferralSettings:
    """A referral program's conversion and referee reward: a referral converts on a ``redemption`` of the
    referrer's code or on a ``custom_event`` named ``custom_event``; the referee then gets
    ``referee_reward_amount`` points (a loyalty program) or gift credits in minor units (a gift card
    campaign) in the campaign ``referee_reward_campaign`` (id or name), when one is named."""

    conversion_event_type: str = "redemption"
    custom_event: str | None = None
    referee_reward_campaign: str | None = None
    referee_reward_amount: int | None = None
