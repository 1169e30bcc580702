"""Customer segments: static lists of customers, or auto-update ones matching customers' metadata."""

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from auditlog.services import record_event
from voucherhub.caller import Caller
from voucherhub.errors import DomainError

from .. import queries
from ..models import (
    Segment,
)


def create_segment(
    *,
    caller: Caller,
    name: str,
    type: str,
    customers: list[str] | None = None,
    conditions: Mapping[str, Any] | None = None,
) -> Segment:
    """A static segment of the given customers (ids or source_ids; ``not_found`` for an unknown one), or an
    auto-update segment of the customers whose metadata matches ``conditions`` (``{key: value or [values]}``,
    every key must match)."""
    with transaction.atomic():
        if type == Segment.Type.STATIC:
            members = queries.find_customers(list(dict.fromkeys(customers or [])))
            segment = Segment.objects.create(name=name, type=type)
            segment.customers.add(*members)
        else:
            if not conditions:
                details = "Property .filter: an auto-update segment needs at least one metadata condition"
                raise DomainError("invalid_payload", "Invalid payload", details)
            segment = Segment.objects.create(name=name, type=type, filter=dict(conditions))
        record_event(
            "segment.created",
            caller=caller,
            resource_type="segment",
            resource_id=segment.id,
            data={"name": name, "type": type},
        )
        return segment


def delete_segment(*, caller: Caller, segment_id: str) -> None:
    with transaction.atomic():
        segment = queries.find_segment(segment_id)
        segment.delete()
        record_event("segment.deleted", caller=caller, resource_type="segment", resource_id=segment_id)
