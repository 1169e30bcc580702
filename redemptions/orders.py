"""Orders as validations and redemptions send them: the typed request, shape checks, and the upsert.

The request's order is checked once per call (:func:`parse_order`); a shape problem is a failure of
every redeemable (``invalid_order``, ``invalid_amount``, ``missing_amount``), and such an order is not
stored. A well-formed order is created or updated (:func:`upsert_order`): by ``id`` (must exist), else
by ``source_id`` (created on first sight), else a new one. Fields not sent keep their stored values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from campaigns.models import Customer, Order, OrderStatus
from stacking.checks import FailureCode
from voucherhub import hotsql
from voucherhub.wire import MAX_ORDER_AMOUNT as MAX_AMOUNT


@dataclass(frozen=True)
class OrderItemRequest:
    """One order line as sent (the schema has checked the types, not the values)."""

    source_id: str | None = None
    product_id: str | None = None
    sku_id: str | None = None
    related_object: str | None = None
    quantity: int | None = None
    price: int | None = None
    amount: int | None = None
    product: Mapping[str, Any] | None = None
    sku: Mapping[str, Any] | None = None
    metadata: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class OrderRequest:
    """The request's order: found by ``id`` (must exist), else by ``source_id``, else a new one."""

    id: str | None = None
    source_id: str | None = None
    status: str | None = None
    amount: int | None = None
    items: tuple[OrderItemRequest, ...] | None = None  # None: not sent (a stored order keeps its lines)
    metadata: Mapping[str, Any] | None = None

    def stored(self) -> dict:
        """As JSON a worker reads back (``from_stored``): an order import's item."""
        return {**asdict(self), "items": [asdict(item) for item in self.items] if self.items is not None else None}

    @classmethod
    def from_stored(cls, data: Mapping[str, Any]) -> OrderRequest:
        items = data.get("items")
        return cls(
            **{**data, "items": tuple(OrderItemRequest(**item) for item in items) if items is not None else None}
        )


@dataclass
class OrderInput:
    """The request's order, normalised. ``failure`` is set when its shape is wrong."""

    id: str | None = None
    source_id: str | None = None
    status: str | None = None
    amount: int | None = None
    items: list[dict] = field(default_factory=list)
    items_sent: bool = False
    metadata: dict | None = None
    existing: Order | None = None
    failure: tuple[FailureCode, str] | None = None

    @property
    def metadata_or_stored(self) -> dict:
        if self.metadata is not None:
            return self.metadata
        return dict(self.existing.metadata) if self.existing is not None else {}


_ITEM_KEYS = ("source_id", "product_id", "sku_id", "related_object", "quantity", "price", "amount", "metadata")


def _item(raw: OrderItemRequest) -> tuple[dict, str | None]:
    """One order line as it is stored, and what is wrong with it (None if nothing)."""
    line: dict[str, Any] = {"object": "order_item"}
    for key in _ITEM_KEYS:
        if getattr(raw, key) is not None:
            line[key] = getattr(raw, key)
    for nested in ("product", "sku"):
        value = getattr(raw, nested)
        if value is not None:
            line[nested] = {k: v for k, v in value.items() if v is not None}
    quantity, price, amount = line.get("quantity"), line.get("price"), line.get("amount")
    if quantity is not None and quantity < 1:
        return line, "quantity must be at least 1"
    if price is not None and price < 0:
        return line, "price must not be negative"
    if amount is not None and amount < 0:
        return line, "amount must not be negative"
    if amount is None and price is not None:
        line["amount"] = price * (quantity if quantity is not None else 1)
    if "amount" in line:
        line["subtotal_amount"] = line["amount"]
        line["discount_amount"] = 0
        line["applied_discount_amount"] = 0
    return line, None


def parse_order(order: OrderRequest | None) -> OrderInput:
    """Normalise the request's order and check its shape (no writes).

    ``invalid_order``: an unknown ``id`` or a malformed item; ``invalid_amount``: a negative amount, or
    an amount that differs from the sum of the items' amounts; ``missing_amount``: no amount and no
    items to add it up from (no order at all counts as no amount).
    """
    if order is None or order == OrderRequest():
        return OrderInput(failure=(FailureCode.MISSING_AMOUNT, "Property .order.amount is required"))
    parsed = OrderInput(
        id=order.id,
        source_id=order.source_id,
        status=order.status,
        metadata=dict(order.metadata) if order.metadata is not None else None,
    )
    if parsed.id:
        parsed.existing = Order.objects.filter(pk=parsed.id).first()
        if parsed.existing is None:
            parsed.failure = (FailureCode.INVALID_ORDER, f"Cannot find order with id {parsed.id}")
            return parsed
    elif parsed.source_id:
        parsed.existing = Order.objects.filter(source_id=parsed.source_id).first()
    parsed.failure = _lines(parsed, order.items) or _amount(parsed, order)
    return parsed


def _lines(parsed: OrderInput, items: tuple[OrderItemRequest, ...] | None) -> tuple[FailureCode, str] | None:
    """The order's lines: those sent, else a stored order's; the failure of the first malformed one."""
    if items is None:
        if parsed.existing is not None:
            parsed.items = list(parsed.existing.items or [])
        return None
    parsed.items_sent = True
    for index, raw in enumerate(items):
        line, problem = _item(raw)
        if problem:
            return FailureCode.INVALID_ORDER, f"Property .order.items[{index}]: {problem}"
        parsed.items.append(line)
    return None


def _amount(parsed: OrderInput, order: OrderRequest) -> tuple[FailureCode, str] | None:
    """The order's amount (sent, else the sum of its lines, else a stored order's) and what is wrong with it."""
    if any(line.get("amount", 0) > MAX_AMOUNT for line in parsed.items):
        return FailureCode.INVALID_AMOUNT, f"An order line's amount is above {MAX_AMOUNT}"
    amount = order.amount
    items_total = sum(line["amount"] for line in parsed.items) if all("amount" in li for li in parsed.items) else None
    if amount is not None:
        parsed.amount = amount
        if amount < 0:
            return FailureCode.INVALID_AMOUNT, "Property .order.amount must not be negative"
        if parsed.items and items_total is not None and items_total != amount:
            details = f"Property .order.amount ({amount}) differs from the sum of the items' amounts ({items_total})"
            return FailureCode.INVALID_AMOUNT, details
        return None
    if parsed.items and items_total is not None:
        parsed.amount = items_total
        if items_total > MAX_AMOUNT:
            return FailureCode.INVALID_AMOUNT, f"The order's amount is above {MAX_AMOUNT}"
        return None
    if parsed.existing is not None and parsed.existing.amount is not None and order.items is None:
        parsed.amount = parsed.existing.amount
        return None
    return FailureCode.MISSING_AMOUNT, "Property .order.amount is required"


def upsert_order(
    parsed: OrderInput,
    *,
    customer: Customer | None,
    status: str,
    discount_amount: int,
    total_amount: int,
    keep_stored_status: bool = False,
) -> tuple[Order, bool]:
    """Create or update the order with the amounts the engine computed (a well-formed order only).

    ``status`` is the one to store when the request sent none (with ``keep_stored_status``, a stored
    order keeps its own). Safe against two calls creating the same ``source_id`` at once (the loser
    updates the winner's row). Returns the order and whether this call created it.
    """
    assert parsed.failure is None and parsed.amount is not None
    if keep_stored_status and parsed.existing is not None:
        status = parsed.existing.status
    fields = {
        "status": parsed.status or status,
        "amount": parsed.amount,
        "initial_amount": parsed.amount,
        "discount_amount": discount_amount,
        "items_discount_amount": 0,
        "total_discount_amount": discount_amount,
        "total_amount": total_amount,
        "items": parsed.items,
        "metadata": parsed.metadata_or_stored,
    }
    if customer is not None:
        fields["customer"] = customer
    order = parsed.existing
    if order is None and parsed.source_id:
        try:
            with transaction.atomic():
                return _insert(Order(source_id=parsed.source_id, **fields)), True
        except IntegrityError:
            order = Order.objects.get(source_id=parsed.source_id)
    if order is None:
        return _insert(Order(**fields)), True
    for name, value in fields.items():
        setattr(order, name, value)
    order.save()
    return order, False


def _insert(order: Order) -> Order:
    hotsql.insert([order])  # written as SQL: every redemption creates an order (voucherhub.hotsql)
    return order


def set_order_status(order: Order | None, status: str) -> None:
    if order is not None and order.status != status:
        order.status = status
        order.updated_at = timezone.now()
        Order.objects.filter(pk=order.pk).update(status=status, updated_at=order.updated_at)


# Statuses a request may send (checked by the schema); the default of each kind of call.
VALIDATION_ORDER_STATUS = OrderStatus.CREATED
REDEMPTION_ORDER_STATUS = OrderStatus.PAID
