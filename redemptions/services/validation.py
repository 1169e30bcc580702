"""``POST /v1/validations``: what a stack would do, stored as a Validation; LOCK sessions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from auditlog.services import record_event
from campaigns.models import (
    Order,
)
from sessions import services as sessions
from sessions.models import ValidationSession
from stacking import engine
from stacking.facts import settings_facts
from stacking.serializers import stacking_rules_json
from stacking.services import cached_rules, cached_stacking_categories
from voucherhub import hotsql
from voucherhub.caller import Caller
from voucherhub.ids import new_id

from ..models import (
    Validation,
)
from ..orders import (
    VALIDATION_ORDER_STATUS,
    OrderInput,
)
from ..serializers import redeemable_json
from .evaluation import (
    Checked,
    check_session_expiry,
    evaluate,
    requested,
    store_order,
)


@dataclass
class ValidationOutcome:
    validation: Validation
    checked: list[Checked]
    stack: engine.StackResult
    order: Order | None
    order_input: OrderInput
    session: ValidationSession | None
    stacking_rules: dict
    redeemables_json: list[dict]
    application_mode: str


def validate(
    *,
    redeemables: Sequence[Mapping[str, Any]],
    order: Mapping[str, Any] | None = None,
    customer: Mapping[str, Any] | None = None,
    session: Mapping[str, Any] | None = None,
    tracking_id: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    caller: Caller,
) -> ValidationOutcome:
    """``POST /v1/validations``: what the stack would do, stored as a Validation (kept 30 days).

    With ``session.type = LOCK`` and no inapplicable redeemable, opens (or overrides) the session: one
    redemption of each applicable voucher and its gift credits are locked for everyone else until the
    session is redeemed, released or expires. The vouchers are locked in pk order first. Writes the order
    (created or updated), ``voucher.validated`` per redeemable and ``session.created``.
    Raises DomainError 400 for a request the engine cannot take (nothing written).
    """
    settings_row = cached_rules()
    checked = requested(redeemables, settings_facts(settings_row))
    check_session_expiry(session)
    lock_requested = bool(session) and session.get("type") == "LOCK"
    session_key = (session or {}).get("key") or None  # its own locks count as free, LOCK or not
    metadata = dict(metadata or {})
    with transaction.atomic():
        call = evaluate(
            order=order,
            customer=customer,
            session_key=session_key,
            lock=lock_requested,
            tracking_id=tracking_id,
            metadata=metadata,
            settings_row=settings_row,
            checked=checked,
            caller=caller,
        )
        stack = call.stack
        # One round trip for the order, the validation and its events (voucherhub.hotsql.batch); a session's
        # writes (ORM) run at once, and none of them reads what is queued.
        with hotsql.batch():
            order_obj = store_order(call, status=VALIDATION_ORDER_STATUS, applied=True, keep_stored_status=True)
            session_obj = None
            inapplicable = call.pairs(engine.Status.INAPPLICABLE)
            if lock_requested and stack.valid and not inapplicable:
                sessions.release_expired_locks(list(call.vouchers.values()), caller=caller, now=call.now)
                locks = [
                    (c.voucher, result.gift_credits)
                    for c, result in call.pairs(engine.Status.APPLICABLE)
                    if c.voucher is not None
                ]
                session_obj = sessions.open_session(
                    key=session_key,
                    ttl=session.get("ttl"),
                    ttl_unit=session.get("ttl_unit"),
                    customer=call.customer,
                    locks=locks,
                    caller=caller,
                    now=call.now,
                )
            items = [
                redeemable_json(c, result, order_amount=call.order_amount, request_id=caller.request_id)
                for c, result in call.pairs()
            ]
            counts = {status: len(call.pairs(status)) for status in engine.Status}
            validation = Validation(
                id=new_id("valid_"),
                created_at=call.now,
                valid=stack.valid,
                customer=call.customer,
                order=order_obj,
                order_amount=call.order_input.amount if call.order_input.failure is None else None,
                discount_amount=stack.total_discount_amount,
                session_key=session_obj.key if session_obj else "",
                redeemables=items,
                applicable_count=counts[engine.Status.APPLICABLE],
                inapplicable_count=counts[engine.Status.INAPPLICABLE],
                skipped_count=counts[engine.Status.SKIPPED],
                tracking_id=call.tracking_id,
                metadata=metadata,
                channel_type=caller.channel_type,
                channel_id=caller.channel_id,
                request_log_id=caller.request_id,
            )
            hotsql.insert([validation])
            for c, result in call.pairs():
                owner = c.voucher or c.tier
                record_event(
                    "voucher.validated",
                    caller=caller,
                    resource_type=c.object,
                    resource_id=owner.pk if owner is not None else c.id,
                    campaign_id=c.campaign.pk if c.campaign is not None else "",
                    data={
                        "validation_id": validation.id,
                        "object": c.object,
                        "id": c.id,
                        "status": str(result.status),
                        "valid": stack.valid,
                        "failure_code": c.failure.code.value if c.failure else None,
                        "session_key": session_obj.key if session_obj else None,
                    },
                    occurred_at=call.now,
                )
    return ValidationOutcome(
        validation=validation,
        checked=checked,
        stack=stack,
        order=order_obj,
        order_input=call.order_input,
        session=session_obj,
        stacking_rules=stacking_rules_json(settings_row, cached_stacking_categories()),
        redeemables_json=items,
        application_mode=call.settings.application_mode,
    )
