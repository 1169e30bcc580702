"""Request bodies of segments (a customer's are customers.schemas)."""

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field

from voucherhub.documented import STORABLE_TEXT, needs_when
from voucherhub.errors import DomainError

from .base import In, Name, Ref

_SCALAR = {"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]}
_SCALARS = {"anyOf": [_SCALAR, {"type": "array", "minItems": 1, "items": _SCALAR}]}
_CONDITION = {
    "type": "object",
    "required": ["conditions"],
    "properties": {
        "conditions": {
            "type": "object",
            "minProperties": 1,
            "maxProperties": 1,
            "properties": {"$is": _SCALARS, "$in": _SCALARS},
            "additionalProperties": False,
        }
    },
}
# An auto-update segment's filter, in either form _segment_filter reads: at least one metadata key besides
# "junction", each with a value or a list of values, or "metadata.<key>" with one $is / $in condition.
_FILTER = {
    "type": "object",
    "minProperties": 1,
    "not": {"required": ["junction"], "maxProperties": 1},
    "propertyNames": {"minLength": 1, "pattern": STORABLE_TEXT, "not": {"const": "metadata."}},
    "properties": {"junction": {"const": "and"}},
    "patternProperties": {"^metadata\\.": {"anyOf": [_SCALARS, _CONDITION]}},
    "additionalProperties": _SCALARS,
}


class SegmentIn(In):
    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra=needs_when("type", "auto-update", "filter", _FILTER),
    )

    name: Name
    type: Literal["static", "auto-update"]
    customers: Annotated[list[Ref], Field(max_length=10_000)] | None = None
    filter: dict[str, Any] | None = None

    def conditions(self) -> dict | None:
        """An auto-update segment's metadata conditions (``{key: value or [values]}``); None for a static one."""
        return _segment_filter(self.filter or {}) if self.type == "auto-update" else None


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
