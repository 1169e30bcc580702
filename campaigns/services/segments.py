"""Customer segments: static lists of customers, or auto-update ones matching customers' metadata. A
customer enters a segment when a new static segment lists them, or when their metadata changes (or a new
customer's metadata is given) to match an auto-update segment's filter; each entry is a
``customer.segment.entered`` event and the ``segments_entered`` signal (campaigns.signals). Creating an
auto-update segment enters nobody: its members are those who match from then on."""

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from auditlog.services import record_event
from voucherhub.caller import Caller
from voucherhub.errors import DomainError

from .. import queries
from ..models import (
    Customer,
    Segment,
)
from ..rules import metadata_matches
from ..signals import segments_entered


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
        if type == Segment.Type.STATIC:
            for member in members:
                announce_entered(member, [segment.id], caller)
        return segment


def delete_segment(*, caller: Caller, segment_id: str) -> None:
    with transaction.atomic():
        segment = queries.find_segment(segment_id)
        segment.delete()
        record_event("segment.deleted", caller=caller, resource_type="segment", resource_id=segment_id)


def auto_entered(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[str]:
    """The auto-update segments a customer whose metadata went from ``before`` to ``after`` has entered."""
    entered = []
    for segment_id, conditions in Segment.objects.filter(type=Segment.Type.AUTO_UPDATE).values_list("id", "filter"):
        if metadata_matches(conditions, after) and not metadata_matches(conditions, before or {}):
            entered.append(segment_id)
    return entered


def announce_entered(customer: Customer, segment_ids: list[str], caller: Caller | None) -> None:
    """``customer`` has entered ``segment_ids``: an event each, and the signal (inside the transaction)."""
    if not segment_ids:
        return
    caller = caller or Caller.system("segments")
    for segment_id in segment_ids:
        record_event("customer.segment.entered", caller=caller, resource_type="segment", resource_id=segment_id,
                     customer_id=customer.pk, data={"segment_id": segment_id})  # fmt: skip
    segments_entered.send(sender=Segment, customer=customer, segment_ids=segment_ids, caller=caller)
