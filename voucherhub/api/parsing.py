"""Reading /v1/ requests: the JSON body parser and schema errors in the platform's words."""

import json

from ninja.parser import Parser

from voucherhub.errors import invalid_payload
from voucherhub.wire import unstorable


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


class StrictJsonParser(Parser):
    """JSON bodies as the database can store them: no NaN/Infinity, no NUL characters (PostgreSQL
    refuses NUL in text and jsonb, which would otherwise surface as a 500 deep inside a service)."""

    def parse_body(self, request):
        raw = request.body or b"{}"
        try:
            data = json.loads(raw, parse_constant=_refuse_constant)
        except ValueError as exc:
            raise invalid_payload(f"The body is not valid JSON: {exc}") from None
        # ASCII without \u escapes cannot decode to NUL (json refuses raw control characters) or to a lone
        # surrogate: the common body skips the walk.
        if not (raw.isascii() and b"\\u" not in raw) and unstorable(data):
            raise invalid_payload("Text cannot contain NUL characters (\\u0000) or lone surrogates")
        return data


def describe_validation_errors(errors: list[dict]) -> str:
    """The first schema violation in the platform's words: ``Property .redeemables[1].id: Field required``."""
    if not errors:
        return "Invalid input data"
    first = errors[0]
    loc = [part for part in first.get("loc", ()) if part not in ("body", "payload", "query", "path")]
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)
    message = first.get("msg", "is invalid")
    return f"Property {path}: {message}" if path else message
