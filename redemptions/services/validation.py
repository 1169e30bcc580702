"""``POST /v1/validations``: what a stack would do, stored as a Validation; LOCK sessions."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from auditlog.services import record_event
from campaigns.models import Order
from sessions import services as sessions
from sessions.models import ValidationSession
from stacking import engine
from stacking.facts import settings_facts
from stacking.models import StackingRules
from stacking.services import cached_rules
from voucherhub import hotsql
from voucherhub.caller import Caller
from voucherhub.ids import new_id

from ..models import Validation
from ..orders import VALIDATION_ORDER_STATUS, OrderInput
from ..records import redeemable_record
from .evaluation import Call, Checked, check_session_expiry, evaluate, requested, store_order, tier_name
from .requests import StackRequest


@dataclass
class ValidationOutcome:
    validation: Validation
    checked: list[Checked]  # in the requested order, with what was found and why it failed
    stack: engine.StackResult
    order: Order | None  # None when the request's order could not be stored (its shape was wrong)
    order_input: OrderInput
    session: ValidationSession | None  # the LOCK session opened or overridden, if any
    settings_row: StackingRules  # the stacking rules the call ran under

    @property
    def application_mode(self) -> str:
        return self.settings_row.redeemables_application_mode


def validate(request: StackRequest, *, caller: Caller) -> ValidationOutcome:
    """What the stack would do, stored as a Validation (kept 30 days).

    With ``session.lock`` and no inapplicable redeemable, opens (or overrides) the session: one
    redemption of each applicable voucher and its gift credits are locked for everyone else until the
    session is redeemed, released or expires. The vouchers are locked in pk order first. Writes the order
    (created or updated), ``voucher.validated`` per redeemable and ``session.created``.
    Raises a DomainError for a request the engine cannot take (nothing written).
    """
    settings_row = cached_rules()
    checked = requested(request.redeemables, settings_facts(settings_row))
    check_session_expiry(request.session)
    lock = request.session is not None and request.session.lock
    with transaction.atomic():
        call = evaluate(request, lock=lock, settings_row=settings_row, checked=checked, caller=caller)
        # One round trip for the order, the validation and its events (voucherhub.hotsql.batch); a session's
        # writes (ORM) run at once, and none of them reads what is queued.
        with hotsql.batch():
            order = store_order(call, status=VALIDATION_ORDER_STATUS, applied=True, keep_stored_status=True)
            session = _open_session(call, request, caller) if lock else None
            validation = _store_validation(call, request, order, session, caller)
            _record_events(call, validation, session, caller)
    return ValidationOutcome(
        validation=validation,
        checked=checked,
        stack=call.stack,
        order=order,
        order_input=call.order_input,
        session=session,
        settings_row=settings_row,
    )


def _open_session(call: Call, request: StackRequest, caller: Caller) -> ValidationSession | None:
    """The LOCK session, when nothing is inapplicable: the applicable vouchers with the credits taken."""
    if not call.stack.valid or call.pairs(engine.Status.INAPPLICABLE):
        return None
    sessions.release_expired_locks(list(call.vouchers.values()), caller=caller, now=call.now)
    # A card paying with points holds no credits (its points are spent by the redemption alone).
    locks = [
        (c.voucher, 0 if c.coin is not None else result.gift_credits)
        for c, result in call.pairs(engine.Status.APPLICABLE)
        if c.voucher
    ]
    session = request.session
    return sessions.open_session(
        key=request.session_key,
        ttl=session.ttl,
        ttl_unit=session.ttl_unit,
        customer=call.customer,
        locks=locks,
        caller=caller,
        now=call.now,
    )


def _store_validation(
    call: Call, request: StackRequest, order: Order | None, session: ValidationSession | None, caller: Caller
) -> Validation:
    counts = {status: len(call.pairs(status)) for status in engine.Status}
    validation = Validation(
        id=new_id("valid_"),
        created_at=call.now,
        valid=call.stack.valid,
        customer=call.customer,
        order=order,
        order_amount=call.order_input.amount if call.order_input.failure is None else None,
        discount_amount=call.stack.total_discount_amount,
        session_key=session.key if session else "",
        redeemables=[_record(c, result) for c, result in call.pairs()],
        applicable_count=counts[engine.Status.APPLICABLE],
        inapplicable_count=counts[engine.Status.INAPPLICABLE],
        skipped_count=counts[engine.Status.SKIPPED],
        tracking_id=call.tracking_id,
        metadata=dict(request.metadata),
        channel_type=caller.channel_type,
        channel_id=caller.channel_id,
        request_log_id=caller.request_id,
    )
    hotsql.insert([validation])
    return validation


def _record(c: Checked, result: engine.RedeemableResult) -> dict:
    return redeemable_record(
        object=c.object,
        id=c.id,
        status=str(result.status),
        failure=c.failure.code if result.status == engine.Status.INAPPLICABLE and c.failure else None,
        skip_reason=result.skip_reason,
        campaign_id=c.campaign.pk if c.campaign is not None else None,
        discount_amount=result.discount_amount,
        gift_credits=result.gift_credits,
    )


def _record_events(call: Call, validation: Validation, session: ValidationSession | None, caller: Caller) -> None:
    for c, result in call.pairs():
        owner = c.voucher or c.tier
        record_event(
            "voucher.validated",
            caller=caller,
            resource_type=c.object,
            resource_id=owner.pk if owner is not None else c.id,
            campaign_id=c.campaign.pk if c.campaign is not None else "",
            customer_id=validation.customer_id,
            data={
                "validation_id": validation.id,
                "object": c.object,
                "id": c.id,
                **tier_name(c),
                "status": str(result.status),
                "valid": call.stack.valid,
                "failure_code": c.failure.code.value if c.failure else None,
                "session_key": session.key if session else None,
            },
            occurred_at=call.now,
        )
