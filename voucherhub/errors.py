"""Domain errors: what went wrong, in the platform's words, without an HTTP status.

Services raise :class:`DomainError` before they write anything, or return one inside their outcome when
the call must still commit (a failed redemption keeps its ``rf_`` attempts). The API layer answers it in
one place (:mod:`voucherhub.api.errors`: the status its key stands for, the platform's body)::

    {"code": 400, "key": "voucher_expired", "message": "Voucher expired", "details": "ACME-2024",
     "request_id": "v-...", "resource_id": "rf_...", "resource_type": "redemption"}

and the dashboard shows its details as a form error or a message.
"""

from dataclasses import dataclass


@dataclass
class DomainError(Exception):
    key: str  # the platform's error key: "voucher_expired", "not_found", "duplicate_found", ...
    message: str
    details: str = ""
    resource_id: str | None = None
    resource_type: str | None = None
    error_message: str | None = None  # a validation rule's custom message, shown as error.message

    def __str__(self) -> str:
        return f"{self.key}: {self.message} ({self.details})"


def invalid_payload(details: str) -> DomainError:
    return DomainError("invalid_payload", "Invalid payload", details)


def invalid_query_params(details: str) -> DomainError:
    return DomainError("invalid_query_params", "Invalid query params", details)


def not_found(resource_type: str, resource_id: str, *, label: str | None = None) -> DomainError:
    """In the platform's words: ``Cannot find voucher with id X``."""
    return DomainError(
        "not_found",
        "Resource not found",
        f"Cannot find {label or resource_type.replace('_', ' ')} with id {resource_id}",
        resource_id=resource_id,
        resource_type=resource_type,
    )


def duplicate_found(resource_type: str | None, details: str, message: str = "Duplicate resource found") -> DomainError:
    return DomainError("duplicate_found", message, details, resource_type=resource_type)
