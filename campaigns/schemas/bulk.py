"""Request bodies of the bulk changes (``/v1/customers/bulk/async`` and friends) and the async-action list."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, RootModel

from ..services.bulk import MAX_ITEMS
from .base import Code, Description, In, Metadata, Ref, Text, UtcDatetime


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
