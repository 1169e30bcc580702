"""Small helpers for the platform's wire format, shared by every app's serializers."""

from datetime import UTC, datetime
from decimal import Decimal

from django.utils import timezone


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 UTC with milliseconds and ``Z``: ``2026-01-17T08:03:25.029Z``."""
    if moment is None:
        return None
    utc = moment.astimezone(UTC) if timezone.is_aware(moment) else moment
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def number(value: Decimal | int | float | None) -> int | float | None:
    """A JSON number: integral values as int (``20``), others as float (``12.5``)."""
    if value is None:
        return None
    value = Decimal(str(value))
    return int(value) if value == value.to_integral_value() else float(value)


def list_json(data_ref: str, items: list, total: int | None = None, **extra) -> dict:
    """``{"object": "list", "data_ref": name, name: [...], "total": N}``."""
    return {
        "object": "list",
        "data_ref": data_ref,
        data_ref: items,
        "total": len(items) if total is None else total,
        **extra,
    }


def unstorable(value) -> bool:
    """True when ``value`` holds text PostgreSQL cannot keep in text or jsonb: a NUL character or a
    lone UTF-16 surrogate, in a string, a key, or anywhere inside lists and dicts."""
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(unstorable(k) or unstorable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(unstorable(v) for v in value)
    return False


# The largest amount an order (or one of its lines) may carry, in minor units: beyond any real order, far
# inside a BIGINT column. A larger one is refused (the API's schemas) or is the order's invalid_amount.
MAX_ORDER_AMOUNT = 10**13
