"""Input shapes of insights' /v1/ endpoints."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_DAYS = 365


class CampaignSummaryQuery(BaseModel):
    """``GET /v1/campaigns/{id}/summary``: the period, as the SDK sends it (``start_date`` and ``end_date``,
    UTC days, both included; either may be left out) or as ``days`` ending today (UTC). At most 365 days."""

    model_config = ConfigDict(extra="ignore")

    days: Annotated[int, Field(ge=1, le=MAX_DAYS)] = 30
    start_date: date | None = None
    end_date: date | None = None

    @model_validator(mode="after")
    def _period_fits(self):
        if self.start_date and self.end_date and self.start_date > self.end_date:
            raise ValueError("start_date is after end_date")
        if self.start_date and (self.end_date or datetime.now(UTC).date()) - self.start_date >= timedelta(MAX_DAYS):
            raise ValueError(f"the period is longer than {MAX_DAYS} days")
        return self

    def period(self) -> tuple[int, datetime | None]:
        """(days, the moment the period ends, None for now) for insights.queries.campaign_summary."""
        end = self.end_date or datetime.now(UTC).date()
        now = datetime.combine(end, time.max, tzinfo=UTC) if self.end_date else None
        days = (end - self.start_date).days + 1 if self.start_date else self.days
        return days, now
