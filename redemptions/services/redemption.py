"""``POST /v1/redemptions``: redeem a stack, or store why not."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction

from auditlog.services import record_event
from campaigns.models import Order, OrderStatus, Voucher, VoucherTransaction
from campaigns.statements import count_redemption
from loyalty.services import earning
from referrals.services import conversion
from sessions import services as sessions
from stacking import engine
from stacking.checks import FailureCode
from stacking.facts import settings_facts
from stacking.models import StackingRules
from stacking.services import cached_rules
from voucherhub import hotsql
from voucherhub.caller import Caller
from voucherhub.errors import DomainError
from voucherhub.ids import new_id

from ..models import Redemption, RedemptionResult, RedemptionStatus, RelatedObjectType
from ..orders import REDEMPTION_ORDER_STATUS, VALIDATION_ORDER_STATUS, OrderInput
from .evaluation import Call, Checked, ItemFailure, check_session_expiry, evaluate, requested, store_order, tier_name
from .requests import StackRequest

Applied = list[tuple[Checked, engine.RedeemableResult]]

# The message of a failed stack's attempt whose redeemable did not fail itself: its failure code is the
# call's (the first failing redeemable's), as the platform answers for the whole call.
NOT_REDEEMED = "Not redeemed: another redeemable in the same call failed"


@dataclass
class RedemptionOutcome:
    """A redemption call. ``error`` is set when nothing was redeemed (the API answers it after commit)."""

    checked: list[Checked]
    stack: engine.StackResult
    order: Order | None
    order_input: OrderInput
    redemptions: list[Redemption] = field(default_factory=list)
    parent: Redemption | None = None
    failed: list[Redemption] = field(default_factory=list)
    error: DomainError | None = None
    application_mode: str = engine.ApplicationMode.ALL
    order_created: bool = False  # the order is new: its only redemptions are this call's


def redeem(request: StackRequest, *, caller: Caller) -> RedemptionOutcome:
    """Redeem the stack, or store why not.

    Success: one ``r_`` redemption per applied redeemable (under an ``r_`` parent when more than one
    redeemable was sent), voucher quantities and gift balances changed (a VoucherTransaction per gift
    change), the order stored as PAID with its totals, and the session of ``session.key`` consumed (its
    locks released, reason REDEEMED). ALL mode with any inapplicable redeemable (or nothing applicable in
    PARTIAL mode): nothing changes but the stored ``rf_`` attempts (under an ``rf_`` parent when more than
    one redeemable was sent: ``outcome.parent``), and ``outcome.error`` is the first failing redeemable's
    error. Raises a DomainError for a request the engine cannot take (nothing written).
    """
    settings_row = cached_rules()
    checked = requested(request.redeemables, settings_facts(settings_row))
    check_session_expiry(request.session)
    try:
        return _redeem(request, checked, settings_row=settings_row, caller=caller)
    except IntegrityError as exc:
        # The database refused a write of the success (the last line of defence behind the checks): the
        # call's transaction (or savepoint) is rolled back, and the call runs again to store its failure.
        code = _constraint_failure(exc)
    checked = requested(request.redeemables, settings_facts(settings_row))
    return _redeem(request, checked, settings_row=settings_row, caller=caller, refused=code)


def _redeem(
    request: StackRequest,
    checked: list[Checked],
    *,
    settings_row: StackingRules,
    caller: Caller,
    refused: FailureCode | None = None,
) -> RedemptionOutcome:
    """One run of :func:`redeem`, in one transaction. With ``refused`` (the code of a write the database
    refused in the previous run) the first applicable redeemable fails with it, so nothing is redeemed."""
    with transaction.atomic():
        call = evaluate(request, lock=True, settings_row=settings_row, checked=checked, caller=caller)
        outcome = RedemptionOutcome(
            checked=checked,
            stack=call.stack,
            order=None,
            order_input=call.order_input,
            application_mode=call.settings.application_mode,
        )
        applied = call.pairs(engine.Status.APPLICABLE)
        inapplicable = [c for c, _ in call.pairs(engine.Status.INAPPLICABLE)]
        if applied and refused is not None:
            first = applied[0][0]
            first.failure, applied = ItemFailure(refused, first.id), []
        if not applied:
            outcome.order = store_order(call, status=VALIDATION_ORDER_STATUS, applied=False, keep_stored_status=True)
            _fail_all(call, outcome, request, caller)
            return outcome
        _succeed(call, outcome, applied, request, caller)
        if inapplicable:  # PARTIAL mode: the others are redeemed, these attempts are kept
            failures = [(c, c.failure) for c in inapplicable]
            outcome.failed = _store_failures(call, failures, outcome.order, caller, request)
    return outcome


def _constraint_failure(exc: IntegrityError) -> FailureCode:
    """The failure a refused write stands for (the last line of defence behind the checks)."""
    text = str(exc)
    if "quantity" in text:
        return FailureCode.QUANTITY_EXCEEDED
    if "balance" in text or "locked_credits" in text or "redeemed_amount" in text:
        return FailureCode.GIFT_AMOUNT_EXCEEDED
    raise exc


def _fail_all(call: Call, outcome: RedemptionOutcome, request: StackRequest, caller: Caller) -> None:
    """Nothing is redeemed: one ``rf_`` per redeemable (under an ``rf_`` parent when more than one was sent,
    as a successful stack has its ``r_`` parent); the error is the first failing one's. A redeemable that
    did not fail itself carries that error's code (the platform's answer for the whole call) with
    :data:`NOT_REDEEMED` as its message, so each attempt says its own outcome."""
    first = next(c for c in call.checked if c.failure is not None)
    assert first.failure is not None
    parent = None
    if len(call.checked) > 1:
        parent = _store_failures(call, [(None, first.failure)], outcome.order, caller, request)[0]
    failures = [(c, c.failure or first.failure) for c in call.checked]
    outcome.failed = _store_failures(call, failures, outcome.order, caller, request, parent=parent, culprit=first)
    outcome.parent = parent
    stored = outcome.failed[first.index]
    outcome.error = first.failure.error(resource_id=stored.id, resource_type="redemption")


def _store_failures(
    call: Call,
    failures: Sequence[tuple[Checked | None, ItemFailure]],
    order: Order | None,
    caller: Caller,
    request: StackRequest,
    *,
    parent: Redemption | None = None,
    culprit: Checked | None = None,
) -> list[Redemption]:
    """An ``rf_`` row and a ``redemption.failed`` event per failure: a redeemable's (``Checked``), or with
    ``None`` the parent of a failed stack, which carries the call's failure. An attempt that did not fail
    itself names in its event the redeemable that failed the call (``culprit``: ``failed_object`` and
    ``failed_id``), so that its sentence says it was not redeemed because of that one."""
    rows = [
        Redemption(
            id=new_id("rf_"),
            created_at=call.now,
            result=RedemptionResult.FAILURE,
            status=RedemptionStatus.FAILED,
            failure_code=failure.code.value,
            failure_message=failure.code.label if c is None or c.failure is not None else NOT_REDEEMED,
            parent=parent,
            customer=call.customer,
            order=order,
            order_amount=call.order_input.amount if call.order_input.failure is None else None,
            metadata=dict(request.metadata),
            channel_type=caller.channel_type,
            channel_id=caller.channel_id,
            user=caller.user,
            tracking_id=call.tracking_id,
            session_key=request.session_key or "",
            request_log_id=caller.request_id,
            **_redeemable_fields(c),
        )
        for c, failure in failures
    ]
    Redemption.objects.bulk_create(rows)
    for row, (c, failure) in zip(rows, failures, strict=True):
        data = {"redemption_id": row.id, "failure_code": failure.code.value, "details": failure.details}
        if c is None:
            data["stacked"] = len(call.checked)
        else:
            data.update(object=c.object, id=c.id, **tier_name(c), parent_id=parent.id if parent else None)
            if c.failure is None and culprit is not None:
                data.update(failed_object=culprit.object, failed_id=culprit.id, **tier_name(culprit, "failed_"))
        record_event(
            "redemption.failed",
            caller=caller,
            resource_type="redemption",
            resource_id=row.id,
            campaign_id=row.campaign_id or "",
            customer_id=row.customer_id,
            data=data,
            occurred_at=call.now,
        )
    return rows


def _redeemable_fields(c: Checked | None) -> dict:
    """What a failed attempt keeps of its redeemable (nothing for a failed stack's parent)."""
    if c is None:
        return {"related_object_type": RelatedObjectType.REDEMPTION}
    return {
        "related_object_type": c.object,
        "voucher": c.voucher,
        "voucher_code": c.voucher.code if c.voucher is not None else (c.id if c.object == "voucher" else ""),
        "promotion_tier": c.tier,
        "campaign": c.campaign,
    }


def _succeed(call: Call, outcome: RedemptionOutcome, applied: Applied, request: StackRequest, caller: Caller) -> None:
    """The writes of a successful redemption (a refused write rolls back the whole call: see redeem)."""
    now = call.now
    sessions.release_expired_locks(list(call.vouchers.values()), caller=caller, now=now)
    if request.session_key:
        sessions.consume_session(key=request.session_key, caller=caller, now=now)
    stored = call.order_input.existing if call.order_input.failure is None else None
    was_paid = stored is not None and stored.status == OrderStatus.PAID
    # One round trip for the writes below (voucherhub.hotsql.batch): order, redemptions, counters, events.
    with hotsql.batch():
        order = store_order(call, status=REDEMPTION_ORDER_STATUS, applied=True, keep_stored_status=False)
        outcome.order, outcome.order_created = order, call.order_created
        common = {
            "created_at": now,
            "result": RedemptionResult.SUCCESS,
            "status": RedemptionStatus.SUCCEEDED,
            "customer": call.customer,
            "order": order,
            "order_amount": call.order_input.amount,
            "metadata": dict(request.metadata),
            "channel_type": caller.channel_type,
            "channel_id": caller.channel_id,
            "user": caller.user,
            "tracking_id": call.tracking_id,
            "session_key": request.session_key or "",
            "request_log_id": caller.request_id,
        }
        outcome.parent = _store_parent(call, applied, common, caller) if len(call.checked) > 1 else None
        outcome.redemptions = _store_redemptions(call, applied, common, outcome.parent, caller)
        if order is not None and order.status == OrderStatus.PAID and not was_paid:
            # The order paid earns its customer's loyalty points (their writes join this batch).
            earning.earn_for_order(order, caller=caller, customer=call.customer, new_order=call.order_created)
    for redemption in outcome.redemptions:  # after the batch: a conversion reads what it writes
        if redemption.voucher is not None and redemption.voucher.campaign_id is not None:
            conversion.on_redeemed(redemption.voucher, call.customer, redemption, caller=caller)


def _store_parent(call: Call, applied: Applied, common: dict, caller: Caller) -> Redemption:
    """The ``r_`` parent of a stacked call, carrying the stack's totals."""
    order = common["order"]
    parent = Redemption(
        id=new_id("r_"),
        related_object_type=RelatedObjectType.REDEMPTION,
        discount_amount=call.stack.discount_amount,
        gift_amount=call.stack.gift_credits,
        amount=call.stack.total_discount_amount,
        **common,
    )
    hotsql.insert([parent])
    record_event(
        "redemption.created",
        caller=caller,
        resource_type="redemption",
        resource_id=parent.id,
        data={"redemption_id": parent.id, "order_id": order.id if order else None, "stacked": len(applied)},
        occurred_at=call.now,
    )
    return parent


def _store_redemptions(
    call: Call, applied: Applied, common: dict, parent: Redemption | None, caller: Caller
) -> list[Redemption]:
    """One ``r_`` per applied redeemable, each voucher's use counted, ``redemption.succeeded`` each."""
    order = common["order"]
    children = []
    ids = sorted(new_id("r_") for _ in applied)  # ids sort in the requested order (same millisecond)
    for (c, result), child_id in zip(applied, ids, strict=True):
        voucher = c.voucher
        is_gift = voucher is not None and (voucher.is_gift or c.coin is not None)
        redemption = Redemption(
            id=child_id,
            parent=parent,
            related_object_type=c.object,
            voucher=voucher,
            voucher_code=voucher.code if voucher is not None else "",
            promotion_tier=c.tier,
            campaign=c.campaign,
            discount_amount=result.discount_amount,
            gift_amount=result.gift_credits,
            amount=result.gift_credits if is_gift else result.discount_amount,
            **_points_paid(c, result.gift_credits),
            **common,
        )
        children.append(redemption)
    hotsql.insert(children)  # written as SQL, like the voucher lock and the counters (campaigns.statements)
    for (c, result), redemption in zip(applied, children, strict=True):
        if c.coin is not None:  # one use of the card; its points pay, not a gift balance
            count_redemption(c.voucher, 0, call.now)
            c.coin.spend(result.gift_credits, redemption_id=redemption.id, caller=caller)
        elif c.voucher is not None:
            _take(c.voucher, redemption, result.gift_credits, call.now)
        record_event(
            "redemption.succeeded",
            caller=caller,
            resource_type="redemption",
            resource_id=redemption.id,
            campaign_id=redemption.campaign_id or "",
            customer_id=redemption.customer_id,
            data={
                "redemption_id": redemption.id,
                "parent_id": parent.id if parent else None,
                "object": c.object,
                "id": c.id,
                **tier_name(c),
                "amount": redemption.amount,
                "order_id": order.id if order else None,
            },
            occurred_at=call.now,
        )
    return children


def _points_paid(c: Checked, credits: int) -> dict:
    """A loyalty card paying with points: the reward and the points the redemption spends (none else)."""
    if c.coin is None:
        return {}
    return {"reward": c.coin.reward, "reward_assignment_id": c.coin.assignment.pk,
            "loyalty_points": c.coin.points_for(credits)}  # fmt: skip


def _take(voucher: Voucher, redemption: Redemption, credits: int, now: datetime) -> None:
    """One use of the voucher (and its gift credits), on the row the call holds locked; a gift card's
    spending goes into its ledger."""
    count_redemption(voucher, credits, now)
    if voucher.is_gift and credits:
        VoucherTransaction.objects.create(
            voucher=voucher,
            source=VoucherTransaction.Source.REDEMPTION,
            amount=-credits,
            balance_after=voucher.gift_balance,
            related_object_id=redemption.id,
            reason="Redemption",
            created_at=now,
        )
