"""Customers: the upsert every call with a customer makes, and the /v1/customers writes."""

from typing import Any

from django.db import IntegrityError, transaction

from auditlog.services import erase_customer_traces, record_event
from voucherhub.caller import Caller
from voucherhub.errors import DomainError, not_found

from .. import queries
from ..models import (
    Customer,
)
from ..statements import lock_customer
from . import segments
from .events import customer_event


def upsert_customer(
    *,
    id: str | None = None,
    source_id: str | None = None,
    name: str | None = None,
    email: str | None = None,
    description: str | None = None,
    metadata: dict | None = None,
    caller: Caller | None = None,
) -> Customer:
    """The customer a call refers to: by ``id``, else by ``source_id`` (created on first sight).

    Given fields overwrite stored ones; ``metadata`` is merged key by key. Safe under concurrency:
    two calls creating the same source_id end with one row. Raises ``not_found`` for an unknown id.
    With a ``caller``, a creation writes the ``customer.created`` event.
    """
    fields = {k: v for k, v in {"name": name, "email": email, "description": description}.items() if v is not None}
    # No savepoint of its own inside the caller's transaction: any error here ends the whole call. Only
    # the creation below, whose lost race is caught, needs one.
    with transaction.atomic(savepoint=False):
        if id:
            customer = lock_customer(id=id)  # SQL: every call with a customer (campaigns.statements)
            if customer is None:
                raise not_found("customer", id)
        elif source_id:
            customer = lock_customer(source_id=source_id)
            if customer is None:
                try:
                    with transaction.atomic():
                        customer = Customer.objects.create(source_id=source_id, metadata=metadata or {}, **fields)
                except IntegrityError:
                    customer = Customer.objects.select_for_update().get(source_id=source_id)
                else:
                    if caller is not None:
                        customer_event("customer.created", customer, caller)
                    if metadata:
                        segments.announce_entered(customer, segments.auto_entered({}, customer.metadata), caller)
                    return customer
        else:
            raise DomainError("invalid_customer", "Invalid customer", "Customer needs an id or a source_id")
        changed = False
        for key, value in fields.items():
            if getattr(customer, key) != value:
                setattr(customer, key, value)
                changed = True
        entered: list[str] = []
        if metadata:
            merged = {**customer.metadata, **metadata}
            if merged != customer.metadata:
                entered = segments.auto_entered(customer.metadata, merged)
                customer.metadata = merged
                changed = True
        if changed:
            customer.save()
        segments.announce_entered(customer, entered, caller)
        return customer


def create_customer(
    *,
    caller: Caller,
    id: str | None = None,
    source_id: str | None = None,
    name: str | None = None,
    email: str | None = None,
    description: str | None = None,
    metadata: dict | None = None,
) -> Customer:
    """``POST /v1/customers``: an upsert by ``source_id`` (or an update by ``id``); with neither, a new
    customer without a source_id. Writes ``customer.created`` when a row is created."""
    with transaction.atomic():
        if id or source_id:
            return upsert_customer(
                id=id,
                source_id=source_id,
                name=name,
                email=email,
                description=description,
                metadata=metadata,
                caller=caller,
            )
        customer = Customer.objects.create(
            name=name or "", email=email or "", description=description or "", metadata=metadata or {}
        )
        customer_event("customer.created", customer, caller)
        segments.announce_entered(customer, segments.auto_entered({}, customer.metadata), caller)
        return customer


def update_customer(
    *,
    caller: Caller,
    ref: str,
    name: str | None = None,
    email: str | None = None,
    description: str | None = None,
    metadata: dict | None = None,
) -> Customer:
    """``PUT /v1/customers/{id or source_id}``: given fields overwrite, ``metadata`` merges key by key."""
    with transaction.atomic():
        customer = queries.find_customer(ref, for_update=True)
        customer = upsert_customer(
            id=customer.id, name=name, email=email, description=description, metadata=metadata, caller=caller
        )
        customer_event("customer.updated", customer, caller)
        return customer


def delete_customer(*, caller: Caller, ref: str) -> None:
    """``DELETE /v1/customers/{id or source_id}``: the customer row goes; the redemptions, validations,
    sessions, orders and vouchers that named them stay, without a customer. Their source_id is free again.
    Events: ``customer.deleted``."""
    with transaction.atomic():
        customer = queries.find_customer(ref, for_update=True)
        customer_event("customer.deleted", customer, caller)
        customer.delete()


def delete_customer_permanently(*, caller: Caller, ref: str) -> dict[str, Any]:
    """``POST /v1/customers/{id or source_id}/permanent-deletion``: the customer goes as with
    ``delete_customer``, and their personal data (id, source id, e-mail, name) is erased from their events
    and the request logs those came from (auditlog.services.erase_customer_traces). Returns what was
    rewritten; the event ``customer.permanently_deleted`` names no one."""
    with transaction.atomic():
        customer = queries.find_customer(ref, for_update=True)
        customer_id = customer.id
        personal = {customer_id, customer.source_id or "", customer.email, customer.name}
        segments = customer.segments.count()
        orders = customer.orders.count()
        traces = erase_customer_traces(customer_id, personal)
        customer.delete()
        record_event(
            "customer.permanently_deleted",
            caller=caller,
            resource_type="customer",
            data={"events": traces["events"], "logs": traces["logs"]},
        )
    return {"customer_id": customer_id, "segments": segments, "orders": orders, **traces}
