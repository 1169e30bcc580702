"""Input shapes of insights' /v1/ endpoints."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class CampaignSummaryQuery(BaseModel):
    """``GET /v1/campaigns/{id}/summary``: the period of the daily series, in days ending today (UTC)."""

    model_config = ConfigDict(extra="ignore")

    days: Annotated[int, Field(ge=1, le=365)] = 30
