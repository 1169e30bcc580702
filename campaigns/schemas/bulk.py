"""Request bodies of the bulk changes (``/v1/customers/bulk/async`` and friends) and the async-action list."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, RootModel, model_validator

from ..services.bulk import MAX_ITEMS
from .base import Code, Description, In, Metadata, Ref, Text, UtcDatetime
from .vouchers import VoucherFields, VoucherIn


class CustomerBulkIn(In):
    """One customer of ``POST /v1/customers/bulk/async``: upserted by ``source_id``."""

    source_id: Ref
    name: Text(200) | None = None
    email: Text(254) | None = None
    description: Description | None = None
    metadata: Metadata | None = None


class CustomerBulkList(RootModel[Annotated[list[CustomerBulkIn], Field(min_length=1, max_length=MAX_ITEMS)]]):
    """The body of ``POST /v1/customers/bulk/async``: a JSON array of customers."""


class CustomersMetadataIn(In):
    source_ids: Annotated[list[Ref], Field(min_length=1, max_length=MAX_ITEMS)]
    metadata: Metadata


class VoucherBulkIn(In):
    """One voucher of ``POST /v1/vouchers/bulk/async``: its metadata merged into the code's."""

    code: Code
    metadata: Metadata


class VoucherBulkList(RootModel[Annotated[list[VoucherBulkIn], Field(min_length=1, max_length=MAX_ITEMS)]]):
    """The body of ``POST /v1/vouchers/bulk/async``: a JSON array of codes with their metadata."""


class VouchersMetadataIn(In):
    codes: Annotated[list[Code], Field(min_length=1, max_length=MAX_ITEMS)]
    metadata: Metadata


class AsyncActionListQuery(BaseModel):
    """``GET /v1/async-actions``: the newest ``limit`` actions scheduled before ``end_date``."""

    model_config = ConfigDict(extra="ignore")

    limit: Annotated[int, Field(ge=1, le=100)] = 10
    end_date: UtcDatetime | None = None


class CampaignImportItemIn(VoucherFields):
    """One code of ``POST /v1/campaigns/{id}/import``: the campaign's template fills what it leaves out."""

    code: Code

    def stored(self) -> dict:
        """The voucher as JSON the worker reads back (campaigns.services.bulk)."""
        return {
            "code": self.code,
            "type": self.type,
            "category": self.category,
            "category_id": self.category_id,
            "discount": self.discount.to_request().stored() if self.discount else None,
            "gift": self.gift.to_request().stored() if self.gift else None,
            "start_date": self.start_date.isoformat() if self.start_date else None,
            "expiration_date": self.expiration_date.isoformat() if self.expiration_date else None,
            "active": self.active,
            "metadata": self.metadata,
            "redemption_quantity": self.redemption.quantity if self.redemption else None,
        }


class VoucherImportIn(CampaignImportItemIn):
    """One code of ``POST /v1/vouchers/import``: a voucher as ``POST /v1/vouchers/{code}`` takes it (one
    outside a campaign has a discount or a gift, which its type names), its code required."""

    model_config = ConfigDict(extra="ignore", json_schema_extra=VoucherIn.model_config["json_schema_extra"])

    campaign: Ref | None = None
    campaign_id: Ref | None = None

    @model_validator(mode="after")
    def _standalone_has_one_value(self):
        if self.campaign or self.campaign_id:
            return self
        kinds = {"DISCOUNT_VOUCHER": self.discount, "GIFT_VOUCHER": self.gift}
        sent = [kind for kind, value in kinds.items() if value is not None]
        if len(sent) != 1 or self.type not in (None, sent[0]):
            raise ValueError("a voucher outside a campaign has a discount or a gift, and its type names that one")
        return self

    def stored(self) -> dict:
        return {**super().stored(), "campaign": self.campaign, "campaign_id": self.campaign_id}


class VoucherImportList(RootModel[Annotated[list[VoucherImportIn], Field(min_length=1, max_length=MAX_ITEMS)]]):
    """The body of ``POST /v1/vouchers/import``: a JSON array of vouchers."""


class CampaignImportList(RootModel[Annotated[list[CampaignImportItemIn], Field(min_length=1, max_length=MAX_ITEMS)]]):
    """The body of ``POST /v1/campaigns/{id}/import``: a JSON array of the campaign's new codes."""
