"""What the OpenAPI document says beyond the schemas ninja writes from the routers: the two key headers,
and every refusal an operation can answer, each with the platform's error body.

The refusals are the same for every operation because they come from the API's edge and its one error
handler (voucherhub.api.site, auditlog.middleware), not from the operations: a body or query that does not
parse (400), a missing or wrong key (401), an object the call names that does not exist (404), an address
or body over the limits (414, 413), the database unavailable (503); calls that write can also meet a
duplicate or a replayed Idempotency-Key with another body (409). tests/api/test_fuzz.py checks the document
against the server with every check schemathesis has.
"""

from copy import deepcopy

from voucherhub.documented import STORABLE_TEXT

ERROR = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "title": ERROR,
    "description": "The platform's error object; failure keys are listed in the API reference.",
    "required": ["code", "key", "message", "details", "request_id"],
    "properties": {
        "code": {"type": "integer", "description": "The HTTP status, repeated."},
        "key": {"type": "string", "description": "What went wrong, for programs: invalid_payload, not_found, ..."},
        "message": {"type": "string", "description": "What went wrong, for people."},
        "details": {"type": "string", "description": "Which field or object, and why."},
        "request_id": {"type": "string", "description": "The call's id in the audit log (X-Request-Id)."},
        "resource_id": {"type": "string"},
        "resource_type": {"type": "string"},
    },
}
REFUSALS = {
    "400": "The body or the query string cannot be read, or the call breaks a rule of the API.",
    "401": "X-App-Id and X-App-Token are missing, or do not match an active API key.",
    "404": "An object the call names does not exist.",
    "413": "The body is larger than the API reads.",
    "414": "The address is longer than the API reads (4,096 characters).",
    "503": "The database is unavailable; try again shortly (Retry-After).",
}
WRITE_REFUSALS = {"409": "A duplicate, or an Idempotency-Key already used with another body."}
ANY_VALUE = "StorableValue"


ANY_VALUE_SCHEMA = {
    "description": "Any JSON value whose texts, keys included, hold no NUL character and no lone surrogate.",
    "anyOf": [
        {"type": "string", "pattern": STORABLE_TEXT},
        {"type": "number"},
        {"type": "boolean"},
        {"type": "null"},
        {"type": "array", "items": {"$ref": f"#/components/schemas/{ANY_VALUE}"}},
        {
            "type": "object",
            "propertyNames": {"pattern": STORABLE_TEXT},
            "additionalProperties": {"$ref": f"#/components/schemas/{ANY_VALUE}"},
        },
    ],
}
# A property whose schema holds only these takes any value (pydantic's ``Any``).
_ANNOTATIONS = {"title", "description", "default", "examples"}
# pydantic writes a union's bounds under its own names, which JSON Schema does not know.
_BOUNDS = {"gt": "exclusiveMinimum", "ge": "minimum", "lt": "exclusiveMaximum", "le": "maximum"}
APP_ID = {"type": "apiKey", "in": "header", "name": "X-App-Id", "description": "The API key's application id."}


def document_errors(schema: dict) -> dict:
    """``schema`` (ninja's document) with the error component, the X-App-Id header and each operation's
    refusals added; what ninja documented for an operation is kept."""
    schema = deepcopy(schema)
    components = schema.setdefault("components", {})
    models = components.setdefault("schemas", {})
    for model in models.values():
        _as_strict_as_the_server(model)
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for content in operation.get("requestBody", {}).get("content", {}).values():
                _as_strict_as_the_server(content.get("schema", {}))
            for parameter in operation.get("parameters", []):
                parameter["schema"] = _without_null(parameter.get("schema", {}))
                _as_strict_as_the_server(parameter["schema"])
    models[ERROR] = ERROR_SCHEMA
    models[ANY_VALUE] = ANY_VALUE_SCHEMA
    schemes = components.setdefault("securitySchemes", {})
    schemes["AppIdAuth"] = APP_ID
    body = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR}"}}}
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            refusals = REFUSALS if method == "get" else {**REFUSALS, **WRITE_REFUSALS}
            responses = operation.setdefault("responses", {})
            for status, description in refusals.items():
                responses.setdefault(status, {"description": description, "content": body})
            for requirement in operation.get("security", []):
                if "AppKeyAuth" in requirement:
                    requirement["AppIdAuth"] = []
    return schema


def _without_null(schema: dict) -> dict:
    """A query parameter's schema without pydantic's ``null`` branch: a query string cannot say null (the
    text "null" is a value like any other); leaving the parameter out is how a client says "none"."""
    options = [option for option in schema.get("anyOf", ()) if option.get("type") != "null"]
    if "anyOf" not in schema or len(options) == len(schema["anyOf"]):
        return schema
    rest = {key: value for key, value in schema.items() if key != "anyOf" and not (key == "default" and value is None)}
    return {**rest, **options[0]} if len(options) == 1 else {**rest, "anyOf": options}


def _as_strict_as_the_server(node) -> None:
    """In place, through a schema: texts and keys the database can store (the API refuses others), values
    of the properties a body may add (they are kept or ignored, but must be storable too), and pydantic's
    union bounds in JSON Schema's words."""
    if isinstance(node, list):
        for item in node:
            _as_strict_as_the_server(item)
        return
    if not isinstance(node, dict):
        return
    for name, keyword in _BOUNDS.items():
        if name in node:
            node[keyword] = node.pop(name)
    kind = node.get("type")
    if kind == "string" and not {"enum", "const", "format", "pattern"} & node.keys():
        node["pattern"] = STORABLE_TEXT
    if kind == "object":
        names = node.setdefault("propertyNames", {})
        if isinstance(names, dict) and not {"enum", "const", "format", "pattern", "$ref"} & names.keys():
            names["pattern"] = STORABLE_TEXT  # also where pydantic bounded the keys' length
        if node.get("additionalProperties", True) is True:
            node["additionalProperties"] = {"$ref": f"#/components/schemas/{ANY_VALUE}"}
    for prop in node.get("properties", {}).values() if isinstance(node.get("properties"), dict) else ():
        if isinstance(prop, dict) and prop.keys() <= _ANNOTATIONS:
            prop["$ref"] = f"#/components/schemas/{ANY_VALUE}"  # a free-form value (Any): storable too
    for key, child in node.items():
        if key not in ("propertyNames", "additionalProperties") or not isinstance(child, dict) or "$ref" not in child:
            _as_strict_as_the_server(child)
