"""Small helpers for the platform's wire format, shared by every app's serializers."""

import math
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.utils import timezone
from pydantic import BeforeValidator, StrictInt

# Where the API lives: every path under these answers JSON in the platform's shape, unknown ones included.
API_PREFIXES = ("/v1/", "/management/v1/")
# The largest file an import takes (the platform's 10 MB); a multipart body may hold that and its envelope.
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_MULTIPART_BYTES = MAX_FILE_BYTES + 64 * 1024


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


LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # json.loads lets "\\udead" through; UTF-8 cannot hold it


def check_storable(value: Any) -> None:
    """Refuse what PostgreSQL cannot store: NUL characters and lone surrogates in text, NaN / Infinity in JSON.
    Iterative, so that deeply nested metadata cannot exhaust the stack."""
    pending: list[tuple[Any, str]] = [(value, "")]
    while pending:
        item, path = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise ValueError(f"{path or 'text'} must not contain NUL characters")
            if LONE_SURROGATE.search(item):
                raise ValueError(f"{path or 'text'} must be valid Unicode (a lone surrogate cannot be stored)")
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise ValueError(f"{path or 'number'} must be a finite number")
        elif isinstance(item, dict):
            for key, child in item.items():
                pending.append((key, path))
                pending.append((child, f"{path}.{key}"))
        elif isinstance(item, list | tuple):
            pending.extend((child, f"{path}[{index}]") for index, child in enumerate(item))


# The platform's type of a gift card's balance change: by its source, else by its sign (additions and
# removals by hand or at creation). campaigns.serializers and the exports' SQL both read these.
GIFT_TRANSACTION_TYPES = {"REDEMPTION": "CREDITS_REDEMPTION", "ROLLBACK": "CREDITS_REFUND"}
CREDITS_REMOVAL, CREDITS_ADDITION = "CREDITS_REMOVAL", "CREDITS_ADDITION"


def gift_transaction_type(source: str, amount: int) -> str:
    return GIFT_TRANSACTION_TYPES.get(source) or (CREDITS_REMOVAL if amount < 0 else CREDITS_ADDITION)


# The largest amount an order (or one of its lines) may carry, in minor units: beyond any real order, far
# inside a BIGINT column. A larger one is refused (the API's schemas) or is the order's invalid_amount.
MAX_ORDER_AMOUNT = 10**13


_QUOTED = re.compile(r"'([^']*)'|\"([^\"]*)\"")
_QUOTED_LIST = re.compile(r"""\[\s*(?:(?:'[^']*'|"[^"]*")\s*(?:,\s*(?:'[^']*'|"[^"]*")\s*)*,?\s*)?\]""")


def query_list(raw: str) -> list[str]:
    """A list sent in a query string, as strings: ``a,b``, JSON (``["a","b"]``) or the SDK's Python repr
    (``['a', 'b']``). A bracketed value that is not a flat list of quoted strings or of bare words (nested,
    unbalanced, half-quoted) raises ValueError: nothing is evaluated, so no input can recurse."""
    text = raw.strip()
    if not text.startswith("["):
        return [part.strip() for part in text.split(",") if part.strip()]
    if _QUOTED_LIST.fullmatch(text):
        return [single or double for single, double in _QUOTED.findall(text)]
    inner = text[1:-1] if text.endswith("]") else None
    if inner is None or any(char in inner for char in "[]'\"{}"):
        raise ValueError(f"Cannot read the list {raw[:100]!r}")
    return [part.strip() for part in inner.split(",") if part.strip()]


# How deep a JSON body may nest (objects and arrays), checked at the API's edge before anything parses it:
# far beyond any real call (the platform's bodies nest 4 or 5 deep, metadata a few more), far below what
# would exhaust Python's recursion in the parsers and walkers behind it.
MAX_JSON_DEPTH = 32
_NOT_A_BRACKET = bytes(set(range(256)) - set(b"{}[]"))
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')


def json_too_deep(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when the JSON text ``raw`` nests objects and arrays deeper than ``limit``, brackets inside
    strings not counted. Bodies with fewer brackets than the limit (nearly all) are answered by a count."""
    if raw.count(b"{") + raw.count(b"[") <= limit:
        return False
    depth = 0
    for bracket in _JSON_STRING.sub(b"", raw).translate(None, _NOT_A_BRACKET):
        depth += 1 if bracket in b"{[" else -1
        if depth > limit:
            return True
    return False


def _whole(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


# A JSON integer as JSON Schema reads one: 13 and 13.0 alike (the OpenAPI document says "integer", and a
# client may write any whole number with a decimal point); never text or a fraction.
WholeInt = Annotated[StrictInt, BeforeValidator(_whole)]
