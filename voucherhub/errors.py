"""The platform's error: one exception type, rendered in one place (voucherhub.api) as

    {"code": 400, "key": "voucher_expired", "message": "Voucher expired", "details": "ACME-2024",
     "request_id": "v-...", "resource_id": "rf_...", "resource_type": "redemption"}

Services raise ``ApiError`` (or return it inside a result when the call must still commit, as a
failed redemption does); API views never build error dicts by hand.
"""

from dataclasses import dataclass


@dataclass
class ApiError(Exception):
    status: int
    key: str
    message: str
    details: str = ""
    resource_id: str | None = None
    resource_type: str | None = None
    error_message: str | None = None  # a validation rule's custom message, shown as error.message

    def __str__(self) -> str:
        return f"{self.status} {self.key}: {self.message} ({self.details})"

    def body(self, request_id: str) -> dict:
        body: dict = {
            "code": self.status,
            "key": self.key,
            "message": self.message,
            "details": self.details,
            "request_id": request_id,
        }
        if self.resource_id:
            body["resource_id"] = self.resource_id
        if self.resource_type:
            body["resource_type"] = self.resource_type
        if self.error_message:
            body["error"] = {"message": self.error_message}
        return body


def invalid_payload(details: str) -> ApiError:
    return ApiError(400, "invalid_payload", "Invalid payload", details)


def not_found(resource_type: str, resource_id: str, *, label: str | None = None) -> ApiError:
    """404 in the platform's words: ``Cannot find voucher with id X``."""
    return ApiError(
        404,
        "not_found",
        "Resource not found",
        f"Cannot find {label or resource_type.replace('_', ' ')} with id {resource_id}",
        resource_id=resource_id,
        resource_type=resource_type,
    )


def unauthorized() -> ApiError:
    return ApiError(401, "unauthorized", "Unauthorized", "Missing or invalid X-App-Id / X-App-Token")


# Generic answers for what Django or the server produces outside our views (middleware reshapes them).
STATUS_ERRORS: dict[int, tuple[str, str]] = {
    400: ("invalid_payload", "Invalid payload"),
    401: ("unauthorized", "Unauthorized"),
    403: ("forbidden", "Forbidden"),
    404: ("not_found", "Resource not found"),
    405: ("method_not_allowed", "Method not allowed"),
    409: ("duplicate_found", "Duplicate found"),
    413: ("invalid_payload", "Request body too large"),
    429: ("too_many_requests", "Too many requests"),
    500: ("internal_error", "Internal error"),
    503: ("service_unavailable", "Service unavailable"),
}


def for_status(status: int, details: str = "") -> ApiError:
    key, message = STATUS_ERRORS.get(status, ("internal_error" if status >= 500 else "invalid_request", "Error"))
    return ApiError(status, key, message, details)
