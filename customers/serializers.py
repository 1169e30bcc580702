"""The platform's shapes of a customer's activity."""

from auditlog.models import Event
from voucherhub.wire import iso

from .queries import activity_type


def activity_json(event: Event) -> dict:
    """One ``CustomerActivity``: the event under the platform's type, its data with the campaign it concerns,
    and ``group_id`` the request that caused it (the request log's id, as the Audit log shows it)."""
    data = dict(event.data)
    if event.campaign_id:
        data.setdefault("campaign_id", event.campaign_id)
    return {
        "id": event.id,
        "type": activity_type(event),
        "data": data,
        "created_at": iso(event.occurred_at),
        "group_id": event.request_log_id,
    }
