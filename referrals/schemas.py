"""Request bodies and queries of ``/v1/referrals``."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from campaigns.schemas.base import In, Metadata
from campaigns.schemas.publications import PublicationCustomerIn

from .services.holders import MAX_HOLDERS_PER_CALL

MAX_LIST_LIMIT = 100


class HolderCustomerIn(PublicationCustomerIn):
    """A referee to add: found by ``id``, or by ``source_id`` (created on first sight)."""


class HoldersIn(In):
    """``POST /v1/referrals/[{campaignId}/]members/{memberId}/holders``: referees added all or none."""

    holders: Annotated[list[HolderCustomerIn], Field(min_length=1, max_length=MAX_HOLDERS_PER_CALL)]
    metadata: Metadata | None = None


class HoldersQuery(BaseModel):
    """A code's holders: its referrer then its referees by id (``-id``: the reverse), ``limit`` after the
    holder ``starting_after_id``. ``filters`` is read by nothing yet."""

    model_config = ConfigDict(extra="ignore")

    limit: Annotated[int, Field(ge=1, le=MAX_LIST_LIMIT)] = 10
    order: Literal["id", "-id"] = "id"
    starting_after_id: Annotated[str, Field(min_length=1, max_length=200)] | None = None
