"""Orders as validations and redemptions send them: shape checks, upsert, and the wire shape.

The request's order is checked once per call (:func:`parse_order`); a shape problem is a failure of
every redeemable (``invalid_order``, ``invalid_amount``, ``missing_amount``), and such an order is not
stored. A well-formed order is created or updated (:func:`upsert_order`): by ``id`` (must exist), else
by ``source_id`` (created on first sight), else a new one. Fields not sent keep their stored values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from campaigns.models import Customer, Order, OrderStatus
from stacking.checks import FailureCode
from voucherhub import hotsql
from voucherhub.wire import iso

from .models import Redemption, RedemptionResult, RelatedObjectType

MAX_AMOUNT = 10**13  # minor units: beyond any real order, far inside a BIGINT column


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


def _item(raw: Mapping[str, Any]) -> tuple[dict, str | None]:
    """One order line in the stored and wire shape, and what is wrong with it (None if nothing)."""
    line: dict[str, Any] = {"object": "order_item"}
    for key in _ITEM_KEYS:
        if raw.get(key) is not None:
            line[key] = raw[key]
    for nested in ("product", "sku"):
        value = raw.get(nested)
        if isinstance(value, Mapping):
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


def parse_order(order: Mapping[str, Any] | None) -> OrderInput:
    """Normalise the request's order and check its shape (no writes).

    ``invalid_order``: an unknown ``id`` or a malformed item; ``invalid_amount``: a negative amount, or
    an amount that differs from the sum of the items' amounts; ``missing_amount``: no amount and no
    items to add it up from (no order at all counts as no amount).
    """
    if not order:
        return OrderInput(failure=(FailureCode.MISSING_AMOUNT, "Property .order.amount is required"))
    parsed = OrderInput(
        id=order.get("id"),
        source_id=order.get("source_id"),
        status=order.get("status"),
        metadata=dict(order["metadata"]) if isinstance(order.get("metadata"), Mapping) else None,
    )
    if parsed.id:
        parsed.existing = Order.objects.filter(pk=parsed.id).first()
        if parsed.existing is None:
            parsed.failure = (FailureCode.INVALID_ORDER, f"Cannot find order with id {parsed.id}")
            return parsed
    elif parsed.source_id:
        parsed.existing = Order.objects.filter(source_id=parsed.source_id).first()

    raw_items = order.get("items")
    if raw_items is not None:
        parsed.items_sent = True
        for index, raw in enumerate(raw_items):
            line, problem = _item(raw)
            if problem:
                parsed.failure = (FailureCode.INVALID_ORDER, f"Property .order.items[{index}]: {problem}")
                return parsed
            parsed.items.append(line)
    elif parsed.existing is not None:
        parsed.items = list(parsed.existing.items or [])

    if any(line.get("amount", 0) > MAX_AMOUNT for line in parsed.items):
        parsed.failure = (FailureCode.INVALID_AMOUNT, f"An order line's amount is above {MAX_AMOUNT}")
        return parsed
    amount = order.get("amount")
    items_total = sum(line["amount"] for line in parsed.items) if all("amount" in li for li in parsed.items) else None
    if amount is not None:
        if amount < 0:
            parsed.failure = (FailureCode.INVALID_AMOUNT, "Property .order.amount must not be negative")
        elif parsed.items and items_total is not None and items_total != amount:
            parsed.failure = (
                FailureCode.INVALID_AMOUNT,
                f"Property .order.amount ({amount}) differs from the sum of the items' amounts ({items_total})",
            )
        parsed.amount = amount
    elif parsed.items and items_total is not None:
        parsed.amount = items_total
        if items_total > MAX_AMOUNT:
            parsed.failure = (FailureCode.INVALID_AMOUNT, f"The order's amount is above {MAX_AMOUNT}")
    elif parsed.existing is not None and parsed.existing.amount is not None and raw_items is None:
        parsed.amount = parsed.existing.amount
    else:
        parsed.failure = (FailureCode.MISSING_AMOUNT, "Property .order.amount is required")
    return parsed


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


def redemptions_map(order: Order) -> dict:
    """``order.redemptions``: the order's successful top-level redemptions (stacked ones with children)."""
    rows = list(
        Redemption.objects.filter(order=order, result=RedemptionResult.SUCCESS, parent__isnull=True)
        .only("id", "created_at", "related_object_type", "voucher_id", "promotion_tier_id", "campaign_id")
        .order_by("created_at", "id")
    )
    children: dict[str, list[str]] = {}
    parents = [r.id for r in rows if r.related_object_type == RelatedObjectType.REDEMPTION]
    if parents:
        for child_id, parent_id in (
            Redemption.objects.filter(parent_id__in=parents).order_by("created_at", "id").values_list("id", "parent")
        ):
            children.setdefault(parent_id, []).append(child_id)
    return entries_map(rows, children)


def entries_map(rows: list[Redemption], children: dict[str, list[str]]) -> dict:
    """``order.redemptions`` of the top-level redemptions ``rows`` (the children's ids by parent id).
    The redemption call of an order it created builds it from what it wrote (no query)."""
    result = {}
    for r in rows:
        entry = {
            "date": iso(r.created_at),
            "related_object_type": r.related_object_type,
            "related_object_id": r.voucher_id or r.promotion_tier_id or r.id,
            "related_object_parent_id": r.campaign_id,
        }
        if r.related_object_type == RelatedObjectType.REDEMPTION:
            entry["stacked"] = children.get(r.id, [])
        result[r.id] = entry
    return result


def order_json(
    order: Order | None,
    *,
    applied_discount_amount: int | None = None,
    with_redemptions: bool = False,
    redemptions: dict | None = None,
) -> dict | None:
    """The calculated order (API.md section 4). ``applied_discount_amount`` is what this call added.
    ``with_redemptions`` adds ``redemptions``: the given map (:func:`entries_map`), else read."""
    if order is None:
        return None
    applied = order.total_discount_amount if applied_discount_amount is None else applied_discount_amount
    body = {
        "id": order.id,
        "source_id": order.source_id,
        "status": order.status,
        "amount": order.amount,
        "initial_amount": order.initial_amount,
        "discount_amount": order.discount_amount,
        "items_discount_amount": order.items_discount_amount,
        "total_discount_amount": order.total_discount_amount,
        "total_amount": order.total_amount,
        "applied_discount_amount": applied,
        "items_applied_discount_amount": 0,
        "total_applied_discount_amount": applied,
        "items": order.items or [],
        "metadata": order.metadata or {},
        "customer_id": order.customer_id,
        "referrer_id": None,
        "customer": {"id": order.customer_id, "object": "customer"} if order.customer_id else None,
        "created_at": iso(order.created_at),
        "updated_at": iso(order.updated_at),
        "object": "order",
    }
    if with_redemptions:
        body["redemptions"] = redemptions if redemptions is not None else redemptions_map(order)
    return body


def unsaved_order_json(parsed: OrderInput, *, discount_amount: int, total_amount: int | None) -> dict:
    """The calculated order of a call whose order was not stored (its shape was wrong)."""
    return {
        "id": None,
        "source_id": parsed.source_id,
        "amount": parsed.amount if parsed.amount is not None and parsed.amount >= 0 else None,
        "discount_amount": discount_amount,
        "total_discount_amount": discount_amount,
        "total_amount": total_amount,
        "items": parsed.items,
        "metadata": parsed.metadata or {},
        "object": "order",
    }


# Statuses a request may send (checked by the schema); the default of each kind of call.
VALIDATION_ORDER_STATUS = OrderStatus.CREATED
REDEMPTION_ORDER_STATUS = OrderStatus.PAID
