"""Request bodies of vouchers, campaigns and promotion tiers."""

from typing import Annotated, Literal

from pydantic import (
    ConfigDict,
    Field,
    StrictBool,
    model_validator,
)

from voucherhub.documented import NOT_SENT, SENT, documented, one_value_of
from voucherhub.wire import WholeInt

from ..services.generation import MAX_VOUCHERS_PER_JOB
from ..services.requests import TierChanges, TierRequest, VoucherTemplate
from .base import (
    MAX_AMOUNT,
    MAX_QUANTITY,
    Code,
    CodeConfigIn,
    Description,
    DiscountIn,
    GiftIn,
    In,
    Metadata,
    Name,
    RedemptionIn,
    Ref,
    Text,
    UtcDatetime,
    typed,
)
from .referrals import ReferralProgramIn

# --- vouchers --------------------------------------------------------------------------------------------


_VOUCHER_VALUES = {"DISCOUNT_VOUCHER": "discount", "GIFT_VOUCHER": "gift"}
_STANDALONE = {"properties": {"campaign": NOT_SENT, "campaign_id": NOT_SENT}}


class VoucherFields(In):
    """What a voucher is made of, as a request sends it (VoucherIn, and an import's codes)."""

    type: Literal["DISCOUNT_VOUCHER", "GIFT_VOUCHER"] | None = None
    category: Ref | None = None
    category_id: Ref | None = None
    discount: DiscountIn | None = None
    gift: GiftIn | None = None
    start_date: UtcDatetime | None = None
    expiration_date: UtcDatetime | None = None
    active: StrictBool | None = None
    metadata: Metadata | None = None
    redemption: RedemptionIn | None = None


class VoucherIn(VoucherFields):
    """``POST /v1/vouchers/{code}`` and ``POST /v1/vouchers`` (the latter may carry ``code`` or ``code_config``).
    A voucher outside a campaign has a discount or a gift, which its type names; in a campaign, the
    campaign's type decides (campaigns.services.vouchers)."""

    model_config = ConfigDict(
        extra="ignore", json_schema_extra={"if": _STANDALONE, "then": one_value_of(_VOUCHER_VALUES)}
    )

    code: Code | None = None
    campaign: Ref | None = None
    campaign_id: Ref | None = None
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
            discount=typed(self.discount),
            gift=typed(self.gift),
            quantity=self.redemption.quantity if self.redemption is not None else None,
            code_config=typed(self.code_config),
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


class TierUpdateIn(In):
    """``PUT /v1/promotions/tiers/{id}``: a partial update; what is left out (or null) stays."""

    name: Name | None = None
    banner: Text(500) | None = None
    action: TierActionIn | None = None
    metadata: Metadata | None = None
    active: StrictBool | None = None
    hierarchy: Annotated[WholeInt, Field(ge=1, le=MAX_QUANTITY)] | None = None
    start_date: UtcDatetime | None = None
    expiration_date: UtcDatetime | None = None
    category: Ref | None = None
    category_id: Ref | None = None

    def to_changes(self) -> TierChanges:
        fields = self.model_dump(exclude_none=True, exclude={"action"})
        discount = self.action.discount.to_request() if self.action is not None else None
        return TierChanges(**{**fields, "metadata": self.metadata, "discount": discount})


class PromotionIn(In):
    tiers: Annotated[list[TierIn], Field(max_length=100)] | None = None


def _holds(campaign_type: str, voucher_type: str) -> dict:
    """A ``campaign_type`` campaign sends a voucher template of ``voucher_type``, with its value and not the
    other type's (campaigns.services.campaigns._template), and no promotion tiers."""
    value = _VOUCHER_VALUES[voucher_type]
    other = next(field for field in _VOUCHER_VALUES.values() if field != value)
    template = {"type": {"enum": [voucher_type, None]}, value: SENT, other: NOT_SENT}
    return {
        "if": {"properties": {"campaign_type": {"const": campaign_type}}, "required": ["campaign_type"]},
        "then": {
            "required": ["voucher"],
            "properties": {"voucher": {"type": "object", "required": [value], "properties": template}, **_NO_TIERS},
        },
    }


_TYPE_NOT_SENT = {"properties": {"campaign_type": NOT_SENT}}
_HAS_TIERS = {
    "required": ["promotion"],
    "properties": {
        "promotion": {
            "type": "object",
            "required": ["tiers"],
            "properties": {"tiers": {"type": "array", "minItems": 1}},
        }
    },
}
_NO_TIERS = {"promotion": {"anyOf": [NOT_SENT, {"properties": {"tiers": {"anyOf": [NOT_SENT, {"maxItems": 0}]}}}]}}
_NO_VOUCHERS = {"properties": {"vouchers_count": {"enum": [0, None]}}}
_IS_REFERRAL = {"properties": {"campaign_type": {"const": "REFERRAL_PROGRAM"}}, "required": ["campaign_type"]}
# campaigns.services.campaigns: the type a body implies when campaign_type is not sent (tiers make a
# PROMOTION; else the template's type, or its value, decides); a PROMOTION generates no vouchers.
CAMPAIGN_RULES = {
    "allOf": [
        {"properties": {"vouchers_count": {"anyOf": [NOT_SENT, {"maximum": MAX_VOUCHERS_PER_JOB}]}}},
        _holds("DISCOUNT_COUPONS", "DISCOUNT_VOUCHER"),
        _holds("GIFT_VOUCHERS", "GIFT_VOUCHER"),
        {
            "if": {"properties": {"campaign_type": {"const": "PROMOTION"}}, "required": ["campaign_type"]},
            "then": _NO_VOUCHERS,
        },
        {"if": {"allOf": [_TYPE_NOT_SENT, _HAS_TIERS]}, "then": _NO_VOUCHERS},
        {
            "if": {"allOf": [_TYPE_NOT_SENT, {"not": _HAS_TIERS}]},
            "then": {
                "required": ["voucher"],
                "properties": {"voucher": {"type": "object", **one_value_of(_VOUCHER_VALUES)}},
            },
        },
        _holds("REFERRAL_PROGRAM", "DISCOUNT_VOUCHER"),
        {  # campaigns.services.campaigns._referral_program
            "if": {"not": _IS_REFERRAL},
            "then": {"properties": {"referral_program": NOT_SENT}},
        },
    ]
}


class CampaignIn(In):
    """A campaign without campaign_type is a PROMOTION when it sends tiers, else takes its voucher
    template's type."""

    model_config = ConfigDict(extra="ignore", json_schema_extra=CAMPAIGN_RULES)

    name: Name
    description: Description | None = None
    campaign_type: Literal["DISCOUNT_COUPONS", "GIFT_VOUCHERS", "PROMOTION", "REFERRAL_PROGRAM"] | None = None
    type: Literal["STATIC", "AUTO_UPDATE", "STANDALONE"] | None = None
    voucher: VoucherTemplateIn | None = None
    referral_program: ReferralProgramIn | None = None
    # Up to 1,000 generated in the request, more by a background job, at most MAX_VOUCHERS_PER_JOB (the
    # service refuses more, saying how to add them; the bound here keeps the value inside a column).
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
