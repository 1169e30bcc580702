"""Reading /v1/ requests: the JSON body parser, query strings parsed by a model, and schema errors in the
platform's words."""

import json
import re
from functools import cache
from typing import TypeVar

from ninja.parser import Parser
from pydantic import BaseModel, ValidationError

from voucherhub.errors import invalid_payload, invalid_query_params
from voucherhub.wire import query_list, unstorable


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
        except RecursionError:  # the API's edge refuses deep bodies first (voucherhub.wire.MAX_JSON_DEPTH)
            raise invalid_payload("The JSON body nests too deep.") from None
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
    loc = list(first.get("loc", ()))
    if loc[:1] in (["file"], ["form"]):  # a multipart part: ("file", "file") names the part once
        loc = loc[1:]
    loc = [part for part in loc if part not in ("body", "payload", "query", "path")]
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)
    message = first.get("msg", "is invalid")
    return f"Property {path}: {message}" if path else message


Q = TypeVar("Q", bound=BaseModel)
_OFFSET_WITH_A_SPACE = re.compile(r" (\d{2}:?\d{2})$")  # "+00:00" sent unencoded arrives as " 00:00"


def parse_query(request, model: type[Q]) -> Q:
    """The query string parsed by ``model``; 400 ``invalid_query_params`` when a value is bad.

    ``ids`` may repeat, be comma-separated, or be the SDK's Python list repr (``['a', 'b']``).
    """
    data: dict = {}
    known, lists = _parameters(model)
    for key in request.GET:
        if key not in known:  # the document lists every parameter; a misspelt one must not pass unnoticed
            raise invalid_query_params(f"Unknown query parameter {key[:100]!r}")
        values = request.GET.getlist(key)
        if len(values) > 1 and key not in lists:
            raise invalid_query_params(f"Query parameter {key} is given {len(values)} times; send it once")
        value = values[-1]
        if "[" in key or key.endswith("_date"):
            value = _OFFSET_WITH_A_SPACE.sub(r"+\1", value)
        data[key] = value
    if "ids" in request.GET:
        data["ids"] = [item for raw in request.GET.getlist("ids") for item in _list_values(raw)]
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid_query_params(describe_validation_errors(exc.errors())) from None


@cache
def _parameters(model: type[BaseModel]) -> tuple[frozenset[str], frozenset[str]]:
    """The query parameters of ``model``, and those that take a list (and so may repeat)."""
    properties = model.model_json_schema(by_alias=True).get("properties", {})
    lists = frozenset(
        name
        for name, schema in properties.items()
        if schema.get("type") == "array" or any(option.get("type") == "array" for option in schema.get("anyOf", ()))
    )
    return frozenset(properties), lists


def documented_query(model: type[BaseModel]) -> dict:
    """``openapi_extra`` publishing a query model's parameters; parsing stays in ``parse_query`` so that a
    bad value is ``invalid_query_params`` (ninja would answer ``invalid_payload``)."""
    schema = model.model_json_schema(by_alias=True)
    return {
        "parameters": [
            {"name": name, "in": "query", "required": False, "schema": prop}
            for name, prop in schema.get("properties", {}).items()
        ]
    }


def _list_values(raw: str) -> list[str]:
    """``a,b``, or the repr the SDK sends for a list (``['a', 'b']``), as a list of strings."""
    try:
        return query_list(raw)
    except ValueError as exc:
        raise invalid_query_params(str(exc)) from None
