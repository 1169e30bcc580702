"""What the redemption services are asked, as typed values.

The API builds these from its request schemas (``redemptions.schemas``), the dashboard from its forms,
the demo from its script; the services never read a wire payload. A value that is well typed but still
wrong for the engine (a negative order amount, a malformed ``gift``) travels as it is, so that the engine
reports it as a redeemable's failure and stores the attempt.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from stacking.checks import GiftRequest

from ..orders import OrderRequest

REDEEMABLE_OBJECTS = ("voucher", "promotion_tier")


@dataclass(frozen=True)
class RedeemableRef:
    """One redeemable as sent: ``object`` (voucher, promotion_tier; promotion_stack is refused) and ``id``
    (a voucher's code, a tier's id). ``gift`` and ``reward`` are None when the request sent none."""

    object: str
    id: str
    gift: GiftRequest | None = None
    reward: PointsRequest | None = None  # a loyalty card's: the pay-with-points (COIN) reward to pay with


@dataclass(frozen=True)
class PointsRequest:
    """A loyalty card paying part of the order with its points: the program's COIN reward ``reward_id`` and
    ``points`` to spend (None: as many as the order takes), or why the request's ``reward`` cannot be read
    (``problem``, an ``invalid_payload`` failure of that redeemable)."""

    reward_id: str = ""
    points: int | None = None
    problem: str | None = None


@dataclass(frozen=True)
class CustomerInput:
    """The request's customer: found by ``id``, else by ``source_id`` (created on first sight)."""

    id: str | None = None
    source_id: str | None = None
    name: str | None = None
    email: str | None = None
    description: str | None = None
    metadata: Mapping[str, Any] | None = None

    @property
    def given(self) -> bool:
        """Whether it names anyone (an object with none of these is no customer)."""
        return any(value is not None for value in (self.id, self.source_id, self.name, self.email))


@dataclass(frozen=True)
class SessionRequest:
    """``session``: a ``key`` whose own locks count as free; with ``lock`` (``type: LOCK``) a validation
    opens or overrides that session for ``ttl`` ``ttl_unit`` (default 7 DAYS)."""

    key: str | None = None
    lock: bool = False
    ttl: int | float | None = None
    ttl_unit: str | None = None


@dataclass(frozen=True)
class StackRequest:
    """``POST /v1/validations`` and ``POST /v1/redemptions``."""

    redeemables: tuple[RedeemableRef, ...]
    order: OrderRequest | None = None
    customer: CustomerInput | None = None
    session: SessionRequest | None = None
    tracking_id: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def session_key(self) -> str | None:
        return self.session.key if self.session is not None and self.session.key else None


@dataclass(frozen=True)
class RollbackRequest:
    """A rollback of ``redemption_id``. ``customer`` and ``order``, when given, must be the redemption's own
    (matched by id or source_id); ``stacked`` is the endpoint of stacked redemptions."""

    redemption_id: str
    reason: str | None = None
    tracking_id: str | None = None
    customer: CustomerInput | None = None
    order: OrderRequest | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    stacked: bool = False
