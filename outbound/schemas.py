"""Request bodies of ``/management/v1/projects/{projectId}/webhooks``."""

from typing import Annotated

from pydantic import Field, StrictBool, StrictStr

from campaigns.schemas.base import In

from .services.webhooks import WebhookRequest

EventNames = Annotated[list[Annotated[StrictStr, Field(max_length=64)]], Field(max_length=100)]


class WebhookCreateIn(In):
    """A new endpoint: where (``https``), which events (the SDK's names), active or not."""

    target_url: Annotated[StrictStr, Field(min_length=1, max_length=2000)]
    events: Annotated[EventNames, Field(min_length=1)]
    active: StrictBool = True

    def to_request(self) -> WebhookRequest:
        return WebhookRequest(target_url=self.target_url, events=list(self.events), active=self.active)


class WebhookUpdateIn(In):
    """What changes; a field left out stays as it is."""

    target_url: Annotated[StrictStr, Field(min_length=1, max_length=2000)] | None = None
    events: Annotated[EventNames, Field(min_length=1)] | None = None
    active: StrictBool | None = None

    def to_request(self) -> WebhookRequest:
        return WebhookRequest(
            target_url=self.target_url,
            events=list(self.events) if self.events is not None else None,
            active=self.active,
        )
