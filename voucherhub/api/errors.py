"""Domain errors as /v1/ answers: the one place that knows which HTTP status a key stands for.

Services raise :class:`voucherhub.errors.DomainError` without a status; the API site, the middleware and
the endpoints that answer a stored failure (a refused redemption or rollback) all answer through here.
"""

from django.http import HttpResponse

from voucherhub.errors import DomainError

from .rendering import json_response

# Keys whose status is not 400. Every other key (the fifteen failure codes, invalid_payload,
# invalid_query_params, invalid_voucher, ...) is a 400.
STATUS_BY_KEY: dict[str, int] = {
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "duplicate_found": 409,
    "uri_too_long": 414,
    "too_many_requests": 429,
    "internal_error": 500,
    "service_unavailable": 503,
}

# Answers for statuses that Django or the server produce outside our views (the middleware reshapes them).
STATUS_ERRORS: dict[int, tuple[str, str]] = {
    400: ("invalid_payload", "Invalid payload"),
    401: ("unauthorized", "Unauthorized"),
    403: ("forbidden", "Forbidden"),
    404: ("not_found", "Resource not found"),
    405: ("method_not_allowed", "Method not allowed"),
    409: ("duplicate_found", "Duplicate found"),
    413: ("invalid_payload", "Request body too large"),
    414: ("uri_too_long", "URI too long"),
    429: ("too_many_requests", "Too many requests"),
    500: ("internal_error", "Internal error"),
    503: ("service_unavailable", "Service unavailable"),
}


def status_of(error: DomainError) -> int:
    return STATUS_BY_KEY.get(error.key, 400)


def error_body(error: DomainError, request_id: str | None) -> dict:
    """The platform's error object; ``request_id`` is left out when there is none (an error stored
    inside a validation's redeemable)."""
    body: dict = {"code": status_of(error), "key": error.key, "message": error.message, "details": error.details}
    if request_id:
        body["request_id"] = request_id
    if error.resource_id:
        body["resource_id"] = error.resource_id
    if error.resource_type:
        body["resource_type"] = error.resource_type
    if error.error_message:
        body["error"] = {"message": error.error_message}
    return body


def error_response(error: DomainError, request_id: str, *, status: int | None = None) -> HttpResponse:
    """The error as an answer, rendered as every /v1/ answer is; ``status`` only for HTTP-level answers
    whose status is not their key's (413 is ``invalid_payload`` too)."""
    body = error_body(error, request_id)
    if status is not None:
        body["code"] = status
    return json_response(body, status=status or status_of(error))


def for_status(status: int, details: str = "") -> DomainError:
    """The error for an HTTP status that our code did not choose (an unknown path, a wrong method, ...)."""
    key, message = STATUS_ERRORS.get(status, ("internal_error" if status >= 500 else "invalid_request", "Error"))
    return DomainError(key, message, details)


def unauthorized() -> DomainError:
    return DomainError("unauthorized", "Unauthorized", "Missing or invalid X-App-Id / X-App-Token")


def database_unavailable() -> DomainError:
    return DomainError("service_unavailable", "Service unavailable", "The database is unavailable; try again shortly.")
