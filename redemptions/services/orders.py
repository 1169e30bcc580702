"""Orders as objects of their own (``/v1/orders``): created, updated and read outside a redemption.

The same shape checks and upsert as a redemption's order (redemptions.orders): a body the engine would
call ``invalid_order``, ``invalid_amount`` or ``missing_amount`` is refused with that key. An order made
here has the discounts it is sent (``discount_amount``, order level), none by default; a redemption of it
later computes its own. An order that becomes PAID earns its customer's loyalty cards their points
(loyalty.services.earning). Events: ``order.created`` and ``order.updated``, in the customer's activity.
"""

from dataclasses import replace

from django.db import transaction

from auditlog.services import record_event
from campaigns.models import Order, OrderStatus
from loyalty.services import earning
from voucherhub.caller import Caller
from voucherhub.errors import DomainError, not_found

from ..orders import OrderRequest, parse_order, upsert_order
from .evaluation import customer_of
from .requests import CustomerInput


def save_order(
    request: OrderRequest,
    *,
    caller: Caller,
    customer: CustomerInput | None = None,
    discount_amount: int | None = None,
    ref: str | None = None,
    record: bool = True,
) -> Order:
    """``POST /v1/orders`` (an upsert by ``source_id``) or, with ``ref`` (an id or source_id that must
    exist), ``PUT /v1/orders/{ref}``: what is sent overwrites, what is not keeps its stored value.
    ``record=False`` writes no event (an import of historical orders, as the platform's)."""
    with transaction.atomic():
        if ref is not None:
            existing = Order.objects.filter(pk=ref).first() or Order.objects.filter(source_id=ref).first()
            if existing is None:
                raise not_found("order", ref)
            request = replace(request, id=existing.pk, source_id=None)
        if request.id and ref is None and not Order.objects.filter(pk=request.id).exists():
            raise not_found("order", request.id)
        parsed = parse_order(request)
        if parsed.failure is not None:
            code, message = parsed.failure
            # The engine names the fields of a redemption's order (".order.amount"); here they are the body's.
            raise DomainError(code.value, "Invalid order", message.replace(".order.", "."), resource_type="order")
        stored = parsed.existing
        was_paid = stored is not None and stored.status == OrderStatus.PAID
        discount = discount_amount if discount_amount is not None else (stored.discount_amount if stored else 0)
        if discount > parsed.amount:
            raise DomainError("invalid_amount", "Invalid order", "discount_amount is above the order's amount")
        order, created = upsert_order(
            parsed,
            customer=customer_of(customer, caller),
            status=OrderStatus.CREATED,
            discount_amount=discount,
            total_amount=parsed.amount - discount,
            keep_stored_status=True,
        )
        if not record:
            return order
        if order.status == OrderStatus.PAID and not was_paid:
            earning.earn_for_order(order, caller=caller, new_order=created)
        record_event(
            "order.created" if created else "order.updated",
            caller=caller,
            resource_type="order",
            resource_id=order.pk,
            customer_id=order.customer_id or "",
            data={"source_id": order.source_id, "status": order.status, "amount": order.amount},
        )
        return order


def import_order(item: dict, caller: Caller) -> dict:
    """One order of ``POST /v1/orders/import`` (an async action's item, campaigns.services.bulk): saved as
    ``POST /v1/orders`` saves it, its status as sent, without events; a wrong order is that item's error."""
    request = OrderRequest.from_stored(item["order"])
    customer = CustomerInput(**item["customer"]) if item.get("customer") else None
    try:
        with transaction.atomic():
            order = save_order(
                request, caller=caller, customer=customer, discount_amount=item.get("discount_amount"), record=False
            )
    except DomainError as error:
        return {"source_id": request.source_id, "imported": False, "error": error.details or error.message}
    return {"id": order.pk, "source_id": order.source_id, "imported": True}
