"""Who is making a state change, passed explicitly to every service (no thread-locals).

The API builds one from the authenticated key, the dashboard from the logged-in user. Services copy
it onto the rows they write (channel) and onto the audit events (with the request id of the call).
"""

from dataclasses import dataclass
from typing import Any

from .models import ChannelType


@dataclass(frozen=True)
class Caller:
    channel_type: str  # ChannelType.API or ChannelType.USER
    channel_id: str  # the API key's name, or the user's username
    request_id: str | None = None  # the RequestLog id of the /v1/ call, when there is one
    user: Any = None  # the dashboard user (USER channel)
    api_key_id: str | None = None

    @classmethod
    def for_api_key(cls, api_key, request_id: str | None) -> "Caller":
        return cls(ChannelType.API, api_key.name, request_id=request_id, api_key_id=api_key.pk)

    @classmethod
    def for_user(cls, user) -> "Caller":
        return cls(ChannelType.USER, user.get_username(), user=user)

    @classmethod
    def system(cls, name: str = "system") -> "Caller":
        """Periodic tasks and management commands."""
        return cls(ChannelType.USER, name)

    @property
    def is_system(self) -> bool:
        """A periodic task or a command (:meth:`system`): the dashboard's channel without a user."""
        return self.channel_type == ChannelType.USER and self.user is None

    @property
    def user_id(self):
        return getattr(self.user, "pk", None)

    def channel_json(self) -> dict:
        """The wire shape: ``{"channel_id": ..., "channel_type": "API" | "USER"}``."""
        return {"channel_id": self.api_key_id or self.channel_id, "channel_type": self.channel_type}
