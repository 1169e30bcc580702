"""JSON Schema fragments that state, in the OpenAPI document, a rule a validator or a service enforces across
fields, so that the document is exactly as strict as the server (tests/api/test_fuzz.py holds it to that).

They change no behaviour: pydantic copies them into the schema it writes, the validators keep their own
messages. Absent and null mean the same on the wire, so "not sent" is written ``{"type": "null"}`` under
``properties`` (an absent property passes it) and "sent" as ``required`` plus ``{"not": {"type": "null"}}``.
"""

from typing import Any

from pydantic import Field

# Text the database can store: no NUL character (voucherhub.wire.unstorable). The API also refuses a lone
# UTF-16 surrogate ("\\ud800" alone), which is not Unicode text at all; the pattern cannot say so in the
# regular expressions JSON Schema validators read (ECMA-262, Rust's regex), so the descriptions do.
STORABLE_TEXT = "^[^\\u0000]*$"
SENT = {"not": {"type": "null"}}
NOT_SENT = {"type": "null"}


def documented(**keywords) -> Any:
    """A pydantic Field carrying JSON Schema ``keywords`` for a rule its validator enforces."""
    return Field(json_schema_extra=keywords)


def needs_when(field: str, value: str, needed: str, schema: dict | None = None) -> dict:
    """When ``field`` is ``value``, ``needed`` is sent and not null (or matches ``schema``)."""
    return {
        "if": {"properties": {field: {"const": value}}, "required": [field]},
        "then": {"required": [needed], "properties": {needed: schema or SENT}},
    }


def one_value_of(kinds: dict[str, str], *, type_field: str = "type") -> dict:
    """Exactly one of the value fields is sent, and ``type_field``, when sent, names it: ``kinds`` maps each
    type to its value field (``{"DISCOUNT_VOUCHER": "discount", "GIFT_VOUCHER": "gift"}``)."""
    return {
        "oneOf": [
            {
                "required": [field],
                "properties": {
                    type_field: {"enum": [kind, None]},
                    **{other: (SENT if other == field else NOT_SENT) for other in kinds.values()},
                },
            }
            for kind, field in kinds.items()
        ]
    }
