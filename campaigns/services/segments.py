"""Customer segments: static lists of customers, or auto-update ones matching customers' metadata."""

import logging
from typing import Any

from django.db import transaction

from auditlog.services import record_event
from voucherhub.caller import Caller
from voucherhub.errors import DomainError

from .. import queries
from ..models import (
    Segment,
)

log = logging.getLogger(__name__)


def _segment_filter(raw: dict) -> dict:
    """An auto-update segment's filter as stored: ``{"<metadata key>": value or [values]}``.

    Accepts that form, or the platform's ``{"junction": "and", "metadata.<key>": {"conditions":
    {"$is": value} or {"$in": [values]}}}``. Anything else is refused (the engine matches all keys).
    """
    bad = DomainError("invalid_payload", "Invalid payload")
    stored: dict = {}
    for key, value in raw.items():
        if key == "junction":
            if value != "and":
                bad.details = "Property .filter.junction: only 'and' is supported"
                raise bad
            continue
        if isinstance(value, dict):
            conditions = value.get("conditions")
            if not key.startswith("metadata.") or not isinstance(conditions, dict) or len(conditions) != 1:
                bad.details = f"Property .filter.{key}: use metadata.<key> with one $is or $in condition"
                raise bad
            [(op, operand)] = conditions.items()
            if op not in ("$is", "$in"):
                bad.details = f"Property .filter.{key}: only $is and $in are supported"
                raise bad
            key, value = key.removeprefix("metadata."), operand
        if not key or not _is_scalar_or_scalars(value):
            bad.details = f"Property .filter.{key}: a value or a list of values is required"
            raise bad
        stored[key] = value
    if not stored:
        bad.details = "Property .filter: an auto-update segment needs at least one metadata condition"
        raise bad
    return stored


def _is_scalar_or_scalars(value: Any) -> bool:
    values = value if isinstance(value, list) else [value]
    return bool(values) and all(isinstance(v, str | int | float | bool) for v in values)


def create_segment(
    *, caller: Caller, name: str, type: str, customers: list[str] | None = None, filter: dict | None = None
) -> Segment:
    """A static segment of the given customers (ids or source_ids; 404 for an unknown one), or an
    auto-update segment matching customers' metadata."""
    with transaction.atomic():
        if type == Segment.Type.STATIC:
            members = queries.find_customers(list(dict.fromkeys(customers or [])))
            segment = Segment.objects.create(name=name, type=type)
            segment.customers.add(*members)
        else:
            segment = Segment.objects.create(name=name, type=type, filter=_segment_filter(filter or {}))
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
