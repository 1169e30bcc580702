"""Request shapes of /v1/publications: the body that gives a customer codes, and the list's query string."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from voucherhub.documented import NOT_SENT, SENT
from voucherhub.wire import WholeInt

from ..services.requests import PublicationRequest
from .base import Code, In, Metadata, Ref, Text
from .rules import PageQuery

MAX_PUBLISHED = 50  # codes one publication may ask of a campaign (the platform's limit)


class PublicationCustomerIn(In):
    """Who receives the codes: found by ``id``, or by ``source_id`` (created on first sight)."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={"anyOf": [{"required": [key], "properties": {key: SENT}} for key in ("id", "source_id")]},
    )

    id: Ref | None = None
    source_id: Ref | None = None
    name: Text(200) | None = None
    email: Text(254) | None = None
    metadata: Metadata | None = None

    @model_validator(mode="after")
    def _names_someone(self):
        if not self.id and not self.source_id:
            raise ValueError("customer needs an id or a source_id")
        return self


class PublicationCampaignIn(In):
    name: Ref  # the campaign's name or id
    count: Annotated[WholeInt, Field(ge=1, le=MAX_PUBLISHED)] | None = None  # one when not sent


_ONE_SOURCE = {
    "oneOf": [
        {"required": ["voucher"], "properties": {"voucher": SENT, "campaign": NOT_SENT}},
        {"required": ["campaign"], "properties": {"campaign": SENT, "voucher": NOT_SENT}},
    ],
    # With a source_id a publication holds one code (the platform's rule).
    "if": {"required": ["source_id"], "properties": {"source_id": SENT}},
    "then": {"properties": {"campaign": {"anyOf": [NOT_SENT, {"properties": {"count": {"enum": [1, None]}}}]}}},
}


class PublicationIn(In):
    """``POST /v1/publications``: a voucher by its code, or ``campaign.count`` free codes of a campaign."""

    model_config = ConfigDict(extra="ignore", json_schema_extra=_ONE_SOURCE)

    customer: PublicationCustomerIn
    voucher: Code | None = None
    campaign: PublicationCampaignIn | None = None
    source_id: Ref | None = None
    channel: Text(100) | None = None
    metadata: Metadata | None = None

    @model_validator(mode="after")
    def _one_source(self):
        if (self.voucher is None) == (self.campaign is None):
            raise ValueError("send either voucher (a code) or campaign (its name or id), not both")
        if self.source_id and self.campaign is not None and (self.campaign.count or 1) != 1:
            raise ValueError("a publication with a source_id publishes one code: campaign.count must be 1")
        return self

    def to_request(self, *, join_once: bool = False) -> PublicationRequest:
        return PublicationRequest(
            customer=self.customer.model_dump(exclude_none=True),
            voucher=self.voucher,
            campaign=self.campaign.name if self.campaign else None,
            count=(self.campaign.count or 1) if self.campaign else 1,
            source_id=self.source_id,
            channel=self.channel or "API",
            metadata=self.metadata or {},
            join_once=join_once,
        )


class JoinOnceQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    join_once: bool = False


PUBLICATION_ORDERS = ("id", "voucher_code", "tracking_id", "customer_id", "created_at", "channel")


class PublicationListQuery(PageQuery):
    campaign: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    customer: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    voucher: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    result: Literal["SUCCESS", "FAILURE"] | None = None
    voucher_type: Literal["discount", "loyalty"] | None = None
    is_referral_code: bool | None = None
    source_id: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    order: Literal[tuple(f"{d}{o}" for o in PUBLICATION_ORDERS for d in ("", "-"))] = "-created_at"  # type: ignore[valid-type]
