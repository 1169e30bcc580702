"""Customer personal data, and who may see it.

A customer's name, e-mail, phone, address, birthdate, source id, metadata and id (``cust_...``, which
follows one person from page to page), and a caller's IP address, are for users with
``redemptions.view_customer`` (the Admin role; README, "Roles"). Pages and CSV exports ask
:func:`can_see_customers`; JSON shown in the dashboard (request and response bodies, query parameters,
event data) goes through :func:`hide_customer_data` for everyone else. A tracking id stands for a customer
("correspondent to the customer's source_id" on the wire): an opaque generated one (``track_...``, see
:func:`tracking_id_for`) may be shown to anyone, any other only with the permission.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from django.utils.crypto import salted_hmac

from .ids import new_id

VIEW_CUSTOMER = "redemptions.view_customer"
HIDDEN = "[hidden]"
# Keys of a customer object that say who the person is, or follow them ("id", cust_...); "object" stays.
PERSONAL_KEYS = frozenset(
    {"id", "name", "email", "phone", "address", "birthdate", "birthday", "source_id", "metadata", "description"}
)
# Keys that hold personal data wherever they appear.
ALWAYS_PERSONAL = frozenset(
    {"email", "phone", "ip", "customer_id", "customer_source_id", "customer_name", "customer_email"}
)
_OPAQUE_TRACKING = re.compile(r"^track_[A-Za-z0-9+/=_-]{8,}$")


def can_see_customers(user) -> bool:
    return bool(user is not None and user.has_perm(VIEW_CUSTOMER))


def tracking_id_for(customer_source_id: str | None) -> str:
    """A tracking id for a call that sent none: opaque (``track_`` and base64 of a keyed hash, as in the
    platform's example ``track_zTa+v4d+mc0zjSO8sBo1vw==``), the same for every call of one customer, new
    for a call without a customer. Never the source id itself."""
    if not customer_source_id:
        return new_id("track_")
    digest = salted_hmac("voucherhub.tracking_id", customer_source_id, algorithm="sha256").digest()[:16]
    return "track_" + base64.b64encode(digest).decode()


def is_opaque_tracking_id(value: str | None) -> bool:
    return bool(value) and bool(_OPAQUE_TRACKING.fullmatch(value)) and "@" not in value


def visible_tracking_id(value: str | None, user) -> str:
    """The tracking id as ``user`` may see it: "" when it may name the customer and they may not see that."""
    if not value:
        return ""
    return value if can_see_customers(user) or is_opaque_tracking_id(value) else HIDDEN


# An e-mail address inside any text (an order's metadata, a note); the platform's "Cannot find customer with
# id X" names a person by their source id.
_EMAIL = re.compile(r"[^\s@\"'<>]+@[^\s@\"'<>]+\.[^\s@\"'<>]+")
_CUSTOMER_NAMED = re.compile(r"(customer with (?:source )?id )\S+", re.IGNORECASE)


def _hide_in_text(text: str) -> str:
    return _CUSTOMER_NAMED.sub(r"\1" + HIDDEN, _EMAIL.sub(HIDDEN, text))


def hide_customer_data(value: Any, *, is_customer: bool = False) -> Any:
    """A copy of ``value`` (decoded JSON) without customer personal data: the personal keys of every
    ``customer`` object (and of ``value`` itself when ``is_customer``), e-mails and phones anywhere, e-mail
    addresses inside any text, a ``customer`` given as text (a source id in a query), the customer an
    error names, and tracking ids that are not opaque."""
    if isinstance(value, list):
        return [hide_customer_data(item, is_customer=is_customer) for item in value]
    if isinstance(value, str):
        return _hide_in_text(value)
    if not isinstance(value, dict):
        return value
    hidden = {}
    for key, item in value.items():
        if (is_customer and key in PERSONAL_KEYS) or key in ALWAYS_PERSONAL:
            hidden[key] = HIDDEN if item not in (None, "", {}) else item
        elif key == "resource_id" and value.get("resource_type") == "customer":  # a not_found error's
            hidden[key] = HIDDEN
        elif key == "tracking_id":
            hidden[key] = item if not item or (isinstance(item, str) and is_opaque_tracking_id(item)) else HIDDEN
        elif key in ("customer", "customers", "referrer"):
            if isinstance(item, str | int):  # a source id or a cust_ id
                hidden[key] = HIDDEN if item != "" else item
            else:
                hidden[key] = hide_customer_data(item, is_customer=True)
        else:
            hidden[key] = hide_customer_data(item)
    return hidden


def shown_identifier(value: str | None, user) -> str:
    """A customer's id (``cust_...``) or a caller's IP address as ``user`` may see it: itself, or HIDDEN."""
    if not value:
        return ""
    return value if can_see_customers(user) else HIDDEN


def shown_resource_id(event, user) -> str:
    """An event's object id as ``user`` may see it: a customer's (``cust_...``) only with the permission."""
    return shown_identifier(event.resource_id, user) if event.resource_type == "customer" else event.resource_id


def shown_json(value: Any, user, *, is_customer: bool = False) -> Any:
    """``value`` (a body, a query, an event's data) as ``user`` may see it in the dashboard. A body kept as
    text (it was not JSON) cannot be read for personal data, so only its size is shown."""
    if can_see_customers(user):
        return value
    if isinstance(value, str) and value:
        return f"{HIDDEN} ({len(value)} characters that are not JSON)"
    return hide_customer_data(value, is_customer=is_customer)


_CUSTOMER_PATH = re.compile(r"^(/v1/customers/)([^/]+)(.*)$")


def shown_path(path: str, user) -> str:
    """An API path as ``user`` may see it: ``/v1/customers/<source id or cust_ id>`` names a person."""
    match = _CUSTOMER_PATH.match(path or "")
    if match is None or can_see_customers(user):
        return path
    return f"{match.group(1)}{HIDDEN}{match.group(3)}"


def is_customer_path(path: str) -> bool:
    """Whether the bodies of a call to ``path`` are a customer (or customers) at the top level."""
    return (path or "").startswith("/v1/customers")
