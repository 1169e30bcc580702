"""The engine's state changes: validate, redeem, roll back, purge validations.

Each call is one ``transaction.atomic()`` (not durable: the Idempotency-Key wrapper may run it inside
its own transaction). What a call guarantees:

- **Checks** per redeemable in the order of API.md section 9: exists, not active yet, expired, disabled,
  quantity (other sessions' locks included; the caller's own session and expired sessions count as free),
  gift balance (likewise), then the payload / order / customer shape, then the validation rules of the
  voucher, its campaign or the promotion tier. The first failing check is the redeemable's failure.
- **Stacking** by :func:`stacking.engine.evaluate_stack` under the installation's stacking rules.
- **Locks**: a redemption (and a validation that opens a LOCK session) locks the customer row (through
  ``upsert_customer``), then the vouchers it changes in primary-key order (``SELECT ... FOR UPDATE``), then
  session rows, and reads every fact it checks under those locks. Counters change with ``F()`` updates;
  the database constraints (quantity, balance, locks) back every limit. Should one still refuse a write,
  the call's transaction is rolled back and the call runs again, failing with the matching code
  (``quantity_exceeded``, ``gift_amount_exceeded``) instead of a 500 (no savepoint on the common path).
- **Failures are kept**: a failed redemption stores one ``rf_`` row per redeemable and returns the error
  in its outcome instead of raising, so that the rows commit; the API answers the error afterwards.
  Errors in the request itself (too many redeemables, duplicates, an unknown customer id) raise DomainError
  before anything is written, and roll back whatever the call had started.
- **Audit**: every call writes its events in the same transaction (``voucher.validated``,
  ``redemption.created`` for a stacked parent, ``redemption.succeeded``, ``redemption.failed``,
  ``redemption.rollback.succeeded`` / ``.failed``, ``session.created`` / ``session.released``).

Decisions where API.md is silent:

- ALL mode failure: every redeemable sent gets an ``rf_`` row; the inapplicable ones carry their own code,
  the others (which only failed because of them) the code of the first inapplicable one. No parent row is
  written for a failed stacked call. PARTIAL mode stores ``rf_`` rows for the inapplicable ones only, and
  fails like ALL mode when nothing at all applies.
- A gift card without ``gift.credits`` takes its whole available balance, capped by what the order still
  costs after the discounts (the engine applies gift cards last); with no available balance it fails
  with ``gift_amount_exceeded``. A malformed ``gift`` (not an object, credits not a non-negative integer)
  is the redeemable's ``invalid_payload`` failure, stored like the others.
- Every redeemable needs the order amount (``missing_amount`` without an order, or without an amount
  and items to add it up from).
- A disabled promotion tier (or its campaign) fails with ``voucher_disabled``: the failure codes are the
  fifteen of API.md section 9, which have no code of their own for tiers.
- The tracking id is the one sent, else the customer's ``source_id``, else a new ``track_`` id.
- A LOCK session is opened (or overridden) only when no redeemable is inapplicable; it locks the
  applicable vouchers (a skipped one is not locked; promotion tiers have nothing to lock) with the credits
  the engine took. Otherwise the session with that key is left as it was and the answer has no
  ``session``. A session key sent without ``type: LOCK`` still makes that session's own locks count as
  free for this call. Redeeming with a key releases every lock of the session, also on vouchers the call
  did not redeem (they are locked with the others, in pk order).
- Event types: a stacked parent writes ``redemption.created``; each redeemed child or single redemption
  ``redemption.succeeded``; each ``rf_`` attempt ``redemption.failed``.
- Order totals: ``discount_amount`` = ``total_discount_amount`` = what the latest successful call took
  (gift credits included, as the engine counts them); a validation stores its computed totals too, and
  keeps a stored order's status unless the request sends one.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import BooleanField, F, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from auditlog.services import record_event
from campaigns.models import (
    Campaign,
    Customer,
    Order,
    OrderStatus,
    PromotionTier,
    ValidationRuleAssignment,
    Voucher,
    VoucherTransaction,
)
from campaigns.services import upsert_customer
from sessions import services as sessions
from sessions.models import ValidationSession, ttl_to_timedelta
from stacking import engine
from stacking.facts import category_facts, discount_facts, settings_facts
from stacking.models import Category, StackingRules
from stacking.serializers import stacking_rules_json
from stacking.services import cached_rules, cached_stacking_categories
from voucherhub import hotsql
from voucherhub.caller import Caller
from voucherhub.errors import DomainError, invalid_payload, not_found
from voucherhub.ids import new_id

from . import rules as rule_engine
from .models import (
    FailureCode,
    Redemption,
    RedemptionResult,
    RedemptionStatus,
    RelatedObjectType,
    Rollback,
    Validation,
)
from .orders import (
    REDEMPTION_ORDER_STATUS,
    VALIDATION_ORDER_STATUS,
    OrderInput,
    entries_map,
    parse_order,
    set_order_status,
    upsert_order,
)
from .serializers import failure_error, redeemable_json

REDEEMABLE_OBJECTS = ("voucher", "promotion_tier")


@dataclass(frozen=True)
class ItemFailure:
    """Why one redeemable cannot be applied: a code of the fifteen, what it is about, a rule's message."""

    code: FailureCode
    details: str
    error_message: str | None = None
    resource_type: str | None = None  # for not_found: "voucher" / "promotion_tier"
    resource_id: str | None = None


@dataclass
class Checked:
    """One requested redeemable with what the engine found out about it."""

    index: int
    object: str
    id: str
    gift: Any = None
    gift_sent: bool = False
    voucher: Voucher | None = None
    tier: PromotionTier | None = None
    credits: int | None = None  # gift credits to take (gift cards only)
    failure: ItemFailure | None = None

    @property
    def campaign(self) -> Campaign | None:
        owner = self.voucher or self.tier
        return owner.campaign if owner is not None else None

    @property
    def category(self) -> Category | None:
        owner = self.voucher or self.tier
        if owner is None:
            return None
        if owner.category_id is not None:
            return owner.category
        return owner.campaign.category if owner.campaign is not None else None


@dataclass
class _Call:
    """What validate and redeem share: the request, checked and stacked."""

    checked: list[Checked]
    settings_row: StackingRules
    settings: engine.StackingSettings
    customer: Customer | None
    order_input: OrderInput
    stack: engine.StackResult
    vouchers: dict[str, Voucher]
    tracking_id: str
    now: datetime
    order_created: bool = False  # the order was created by this call (it has no other redemptions)

    @property
    def order_amount(self) -> int:
        amount = self.order_input.amount
        return amount if amount is not None and amount >= 0 else 0

    def pairs(self, status: engine.Status | None = None) -> list[tuple[Checked, engine.RedeemableResult]]:
        return [(c, r) for c, r in zip(self.checked, self.stack.results, strict=True) if status in (None, r.status)]


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

    def order_redemptions(self) -> dict | None:
        """``order.redemptions`` of the answer without a query when the order is new (None: read it)."""
        if not self.order_created:
            return None
        if self.parent is not None:
            return entries_map([self.parent], {self.parent.id: [r.id for r in self.redemptions]})
        return entries_map(self.redemptions, {})


@dataclass
class RollbackOutcome:
    """A rollback call. ``error`` is set when it was refused after storing an ``rrf_`` attempt."""

    rollbacks: list[Rollback] = field(default_factory=list)
    parent_rollback: Rollback | None = None
    order: Order | None = None
    error: DomainError | None = None


# --- shared preparation ------------------------------------------------------------------------------------


def _requested(redeemables: Sequence[Mapping[str, Any]], settings: engine.StackingSettings) -> list[Checked]:
    """The redeemables as sent, or DomainError 400 for a request the engine cannot take."""
    if not redeemables:
        raise invalid_payload("Property .redeemables should contain at least 1 item")
    if len(redeemables) > settings.redeemables_limit:
        raise invalid_payload(
            f"Property .redeemables should contain at most {settings.redeemables_limit} items (the stacking rules' "
            "redeemables_limit)"
        )
    checked, seen = [], set()
    for index, item in enumerate(redeemables):
        obj, ident = item.get("object"), item.get("id")
        if obj == "promotion_stack":
            details = (
                f"Redeemable .redeemables[{index}]: promotion stacks are not supported; send their promotion tiers"
            )
            raise DomainError("invalid_redeemables", "Invalid redeemables", details)
        if obj not in REDEEMABLE_OBJECTS or not isinstance(ident, str) or not ident:
            raise invalid_payload(f"Property .redeemables[{index}] should have an object and an id")
        if (obj, ident) in seen:
            raise DomainError(
                "duplicated_redeemables", "Duplicated redeemables", f"Redeemable {obj} {ident} was sent twice"
            )
        seen.add((obj, ident))
        checked.append(Checked(index, obj, ident, gift=item.get("gift"), gift_sent=item.get("gift") is not None))
    return checked


def _session_expiry_check(session: Mapping[str, Any] | None) -> None:
    """A ttl the session row cannot hold (below a nanosecond's precision, or an expiry date past what a
    date can be) is a bad request."""
    if not session or session.get("ttl") is None:
        return
    try:
        ttl = Decimal(str(session["ttl"]))
        if ttl.quantize(Decimal("1e-9")) <= 0:
            raise invalid_payload("Property .session.ttl is too small")
        timezone.now() + ttl_to_timedelta(ttl, session.get("ttl_unit") or "DAYS")
    except (OverflowError, ValueError, ArithmeticError):
        raise invalid_payload("Property .session.ttl is too large") from None


def _customer(customer: Mapping[str, Any] | None, caller: Caller) -> Customer | None:
    if not customer or not any(customer.get(k) is not None for k in ("id", "source_id", "name", "email")):
        return None
    return upsert_customer(
        id=customer.get("id"),
        source_id=customer.get("source_id"),
        name=customer.get("name"),
        email=customer.get("email"),
        description=customer.get("description"),
        metadata=customer.get("metadata"),
        caller=caller,
    )


def _rule_flags(model: type[Voucher] | type[PromotionTier]) -> dict[str, RawSQL]:
    """Annotations telling whether a voucher / tier row or its campaign has validation rules, read with
    the row so that most calls need no rules query. Written as SQL: the ORM's ``Exists`` costs more
    Python to compile (~0.5 ms a call, measured) than the query it saves."""
    meta, assignments = model._meta, ValidationRuleAssignment._meta
    own = assignments.get_field("voucher" if model is Voucher else "promotion_tier").column

    def exists(column: str, outer: str) -> RawSQL:
        inner = f'"{assignments.db_table}"'
        sql = f'EXISTS (SELECT 1 FROM {inner} WHERE {inner}."{column}" = "{meta.db_table}"."{outer}")'
        return RawSQL(sql, (), output_field=BooleanField())

    campaign = meta.get_field("campaign").column
    return {
        "has_own_rules": exists(own, meta.pk.column),
        "has_campaign_rules": exists(assignments.get_field("campaign").column, campaign),
    }


def _load(checked: list[Checked], *, lock: bool, session_key: str | None) -> dict[str, Voucher]:
    """Attach vouchers and tiers. With ``lock``, the vouchers (and those of the session's current locks)
    are locked in primary-key order. Returns every voucher loaded, by primary key."""
    codes = [c.id for c in checked if c.object == "voucher"]
    ids = sessions.session_voucher_ids(session_key) if lock else []
    vouchers = sessions.lock_vouchers(ids, codes=codes, annotations=_rule_flags(Voucher), for_update=lock)
    by_code = {v.code: v for v in vouchers.values() if v.deleted_at is None}
    tier_ids = [c.id for c in checked if c.object == "promotion_tier"]
    tiers = {}
    if tier_ids:
        rows = PromotionTier.objects.select_related("campaign", "category", "campaign__category")
        tiers = {t.pk: t for t in rows.annotate(**_rule_flags(PromotionTier)).filter(pk__in=tier_ids)}
    for c in checked:
        if c.object == "voucher":
            c.voucher = by_code.get(c.id)
        else:
            c.tier = tiers.get(c.id)
    return vouchers


def _gift_credits(c: Checked) -> tuple[int | None, ItemFailure | None]:
    """The credits requested (None: not given) or the payload failure of a malformed ``gift``."""
    if not c.gift_sent:
        return None, None
    gift = c.gift
    if not isinstance(gift, Mapping):
        details = f"Property .redeemables[{c.index}].gift should be an object"
        return None, ItemFailure(FailureCode.INVALID_PAYLOAD, details)
    credits = gift.get("credits")
    if credits is None:
        return None, None
    if isinstance(credits, bool) or not isinstance(credits, int) or credits < 0:
        return None, ItemFailure(
            FailureCode.INVALID_PAYLOAD,
            f"Property .redeemables[{c.index}].gift.credits should be a non-negative integer",
        )
    return credits, None


def _own_failure(c: Checked, now: datetime, free: Mapping[str, sessions.FreeLock]) -> ItemFailure | None:
    """Checks 1-6 and the payload check of API.md section 9, on rows read under the call's locks."""
    owner = c.voucher or c.tier
    if owner is None:
        resource_type = "voucher" if c.object == "voucher" else "promotion_tier"
        label = "voucher" if c.object == "voucher" else "promotion tier"
        return ItemFailure(
            FailureCode.RESOURCE_NOT_FOUND,
            f"Cannot find {label} with id {c.id}",
            resource_type=resource_type,
            resource_id=c.id,
        )
    campaign = owner.campaign
    starts = [d for d in (owner.start_date, campaign.start_date if campaign else None) if d is not None]
    ends = [d for d in (owner.expiration_date, campaign.expiration_date if campaign else None) if d is not None]
    if starts and now < max(starts):
        return ItemFailure(FailureCode.VOUCHER_NOT_ACTIVE, c.id)
    if ends and now > min(ends):
        return ItemFailure(FailureCode.VOUCHER_EXPIRED, c.id)
    if not owner.active or (campaign is not None and (not campaign.active or campaign.deleted_at is not None)):
        return ItemFailure(FailureCode.VOUCHER_DISABLED, c.id)
    voucher = c.voucher
    credits, payload_failure = _gift_credits(c)
    if voucher is None:
        return payload_failure
    released = free.get(voucher.pk, sessions.FreeLock())
    if voucher.redemption_quantity is not None:
        taken = voucher.redeemed_quantity + voucher.locked_quantity - released.quantity
        if taken >= voucher.redemption_quantity:
            return ItemFailure(FailureCode.QUANTITY_EXCEEDED, c.id)
    if voucher.is_gift and payload_failure is None:
        available = (voucher.gift_balance or 0) - (voucher.locked_credits - released.credits)
        if credits is None:
            if available <= 0:
                return ItemFailure(FailureCode.GIFT_AMOUNT_EXCEEDED, c.id)
            credits = available
        elif credits > available:
            return ItemFailure(FailureCode.GIFT_AMOUNT_EXCEEDED, c.id)
        c.credits = credits
    return payload_failure


def _per_customer_counter(customer: Customer | None):
    def count(target_type: str, target_id: str) -> int:
        if customer is None:
            return 0
        rows = Redemption.objects.filter(customer=customer, status=RedemptionStatus.SUCCEEDED).exclude(
            related_object_type=RelatedObjectType.REDEMPTION
        )
        column = {"voucher": "voucher_id", "campaign": "campaign_id", "promotion_tier": "promotion_tier_id"}
        return rows.filter(**{column[target_type]: target_id}).count()

    return count


def _may_have_rules(owner: Voucher | PromotionTier) -> bool:
    """False only when the row was read with :func:`_rule_flags` and neither it nor its campaign has rules."""
    return getattr(owner, "has_own_rules", True) or getattr(owner, "has_campaign_rules", True)


def _rule_failures(
    checked: list[Checked], *, order_input: OrderInput, customer: Customer | None, metadata: Mapping[str, Any]
) -> None:
    """The validation rules of each still-applicable redeemable (its own, then its campaign's)."""
    pending = [c for c in checked if c.failure is None]
    if not any(_may_have_rules(c.voucher or c.tier) for c in pending):
        return
    voucher_ids = [c.voucher.pk for c in pending if c.voucher is not None]
    tier_ids = [c.tier.pk for c in pending if c.tier is not None]
    campaign_ids = [c.campaign.pk for c in pending if c.campaign is not None]
    assignments = list(
        ValidationRuleAssignment.objects.select_related("rule")
        .filter(Q(voucher_id__in=voucher_ids) | Q(promotion_tier_id__in=tier_ids) | Q(campaign_id__in=campaign_ids))
        .order_by("created_at", "id")
    )
    if not assignments:
        return
    context = rule_engine.RuleContext(
        order_amount=order_input.amount,
        items=order_input.items,
        order_metadata=order_input.metadata_or_stored,
        customer=customer,
        redemption_metadata=metadata,
        per_customer_count=_per_customer_counter(customer),
    )
    for c in pending:
        own = ("voucher", c.voucher.pk) if c.voucher is not None else ("promotion_tier", c.tier.pk)
        targets = [own] + ([("campaign", c.campaign.pk)] if c.campaign is not None else [])
        for target in targets:
            for assignment in assignments:
                if (assignment.related_object_type, assignment.related_object_id) != target:
                    continue
                failure = rule_engine.evaluate(assignment.rule, context, target=target)
                if failure is not None:
                    c.failure = ItemFailure(failure.code, failure.details, failure.error_message)
                    break
            if c.failure is not None:
                break


def _facts(c: Checked) -> engine.RedeemableFacts:
    failure = None
    if c.failure is not None:
        failure = engine.Failure(c.failure.code.value, c.failure.code.label, c.failure.details)
    owner = c.voucher or c.tier
    discount = None
    gift_credits = None
    if failure is None and owner is not None:
        if c.voucher is not None and c.voucher.is_gift:
            gift_credits = c.credits or 0
        else:
            discount = discount_facts(owner)
    return engine.RedeemableFacts(
        object=c.object,
        id=c.id,
        failure=failure,
        category=category_facts(c.category),
        discount=discount,
        gift_credits=gift_credits,
    )


def _check(
    checked: list[Checked],
    *,
    settings: engine.StackingSettings,
    order_input: OrderInput,
    customer: Customer | None,
    metadata: Mapping[str, Any],
    lock: bool,
    session_key: str | None,
) -> tuple[dict[str, Voucher], datetime, engine.StackResult]:
    """Load the redeemables (vouchers locked when ``lock``), run every check on each, then the stacking
    engine. Reads only. Returns the vouchers loaded, the moment of the checks and the stack's result."""
    vouchers = _load(checked, lock=lock, session_key=session_key)
    now = timezone.now()
    free = sessions.free_locks(list(vouchers.values()), own_key=session_key, now=now)
    for c in checked:
        c.failure = _own_failure(c, now, free)
        if c.failure is None and order_input.failure is not None:
            code, details = order_input.failure
            c.failure = ItemFailure(code, details)
    _rule_failures(checked, order_input=order_input, customer=customer, metadata=metadata)
    amount = order_input.amount if order_input.amount is not None and order_input.amount >= 0 else 0
    stack = engine.evaluate_stack(settings, [_facts(c) for c in checked], engine.OrderFacts(amount=amount))
    return vouchers, now, stack


@dataclass
class StackCheck:
    """What the engine decides about a stack (see :func:`check_stack`)."""

    checked: list[Checked]  # in the requested order, with what was found (voucher / tier, failure)
    stack: engine.StackResult
    settings: engine.StackingSettings


def check_stack(
    redeemables: Sequence[Mapping[str, Any]],
    *,
    amount: int,
    customer: Customer | None,
    settings_row: StackingRules,
) -> StackCheck:
    """The engine's verdict on ``redeemables`` for an order of ``amount`` minor units, as
    ``POST /v1/validations`` would reach it, without writing anything: no customer, order, validation,
    session or event, no lock taken (every active session lock counts as taken). ``customer`` is an
    existing customer or None. Raises DomainError 400 for a stack the API would refuse (too many
    redeemables, duplicates). The Stacking Rules tab's simulator is its user."""
    settings = settings_facts(settings_row)
    checked = _requested(redeemables, settings)
    _, _, stack = _check(
        checked,
        settings=settings,
        order_input=parse_order({"amount": amount}),
        customer=customer,
        metadata={},
        lock=False,
        session_key=None,
    )
    return StackCheck(checked=checked, stack=stack, settings=settings)


def _evaluate(
    *,
    order: Mapping[str, Any] | None,
    customer: Mapping[str, Any] | None,
    session_key: str | None,
    lock: bool,
    tracking_id: str | None,
    metadata: Mapping[str, Any],
    settings_row: StackingRules,
    checked: list[Checked],
    caller: Caller,
) -> _Call:
    """Inside the call's transaction: customer, order, vouchers (locked when ``lock``), checks, stack."""
    settings = settings_facts(settings_row)
    customer_obj = _customer(customer, caller)
    order_input = parse_order(order)
    vouchers, now, stack = _check(
        checked,
        settings=settings,
        order_input=order_input,
        customer=customer_obj,
        metadata=metadata,
        lock=lock,
        session_key=session_key,
    )
    tracking = tracking_id or (customer_obj.source_id if customer_obj and customer_obj.source_id else None)
    return _Call(
        checked=checked,
        settings_row=settings_row,
        settings=settings,
        customer=customer_obj,
        order_input=order_input,
        stack=stack,
        vouchers=vouchers,
        tracking_id=tracking or new_id("track_"),
        now=now,
    )


def _store_order(call: _Call, *, status: str, applied: bool, keep_stored_status: bool) -> Order | None:
    if call.order_input.failure is not None:
        return None
    discount = call.stack.total_discount_amount if applied else 0
    order, call.order_created = upsert_order(
        call.order_input,
        customer=call.customer,
        status=status,
        discount_amount=discount,
        total_amount=call.order_amount - discount,
        keep_stored_status=keep_stored_status,
    )
    return order


# --- validate ----------------------------------------------------------------------------------------------


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
    checked = _requested(redeemables, settings_facts(settings_row))
    _session_expiry_check(session)
    lock_requested = bool(session) and session.get("type") == "LOCK"
    session_key = (session or {}).get("key") or None  # its own locks count as free, LOCK or not
    metadata = dict(metadata or {})
    with transaction.atomic():
        call = _evaluate(
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
            order_obj = _store_order(call, status=VALIDATION_ORDER_STATUS, applied=True, keep_stored_status=True)
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


# --- redeem ------------------------------------------------------------------------------------------------


def redeem(
    *,
    redeemables: Sequence[Mapping[str, Any]],
    order: Mapping[str, Any] | None = None,
    customer: Mapping[str, Any] | None = None,
    session: Mapping[str, Any] | None = None,
    tracking_id: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    caller: Caller,
) -> RedemptionOutcome:
    """``POST /v1/redemptions``: redeem the stack, or store why not.

    Success: one ``r_`` redemption per applied redeemable (under an ``r_`` parent when more than one
    redeemable was sent), voucher quantities and gift balances changed (a VoucherTransaction per gift
    change), the order stored as PAID with its totals, and the session of ``session.key`` consumed (its
    locks released, reason REDEEMED). ALL mode with any inapplicable redeemable (or nothing applicable in
    PARTIAL mode): nothing changes but the stored ``rf_`` attempts, and ``outcome.error`` is the first
    failing redeemable's error. Raises DomainError 400 for a request the engine cannot take (nothing written).
    """
    settings_row = cached_rules()
    checked = _requested(redeemables, settings_facts(settings_row))
    _session_expiry_check(session)
    request = {
        "order": order,
        "customer": customer,
        "session_key": (session or {}).get("key") or None,
        "tracking_id": tracking_id,
        "metadata": dict(metadata or {}),
        "settings_row": settings_row,
        "caller": caller,
    }
    try:
        return _redeem(checked, **request)
    except IntegrityError as exc:
        # The database refused a write of the success (the last line of defence behind the checks): the
        # call's transaction (or savepoint) is rolled back, and the call runs again to store its failure.
        code = _constraint_failure(exc)
    return _redeem(_requested(redeemables, settings_facts(settings_row)), **request, refused=code)


def _redeem(
    checked: list[Checked],
    *,
    order: Mapping[str, Any] | None,
    customer: Mapping[str, Any] | None,
    session_key: str | None,
    tracking_id: str | None,
    metadata: dict,
    settings_row: StackingRules,
    caller: Caller,
    refused: FailureCode | None = None,
) -> RedemptionOutcome:
    """One run of :func:`redeem`, in one transaction. With ``refused`` (the code of a write the database
    refused in the previous run) the first applicable redeemable fails with it, so nothing is redeemed."""
    with transaction.atomic():
        call = _evaluate(
            order=order,
            customer=customer,
            session_key=session_key,
            lock=True,
            tracking_id=tracking_id,
            metadata=metadata,
            settings_row=settings_row,
            checked=checked,
            caller=caller,
        )
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
            outcome.order = _store_order(call, status=VALIDATION_ORDER_STATUS, applied=False, keep_stored_status=True)
            _fail_all(call, outcome, caller=caller, session_key=session_key, metadata=metadata)
            return outcome
        _succeed(call, outcome, applied, caller=caller, session_key=session_key, metadata=metadata)
        if inapplicable:  # PARTIAL mode: the others are redeemed, these attempts are kept
            outcome.failed = _store_failures(
                call, [(c, c.failure) for c in inapplicable], outcome.order, caller, session_key, metadata
            )
    return outcome


def _constraint_failure(exc: IntegrityError) -> FailureCode:
    """The failure a refused write stands for (the last line of defence behind the checks)."""
    text = str(exc)
    if "quantity" in text:
        return FailureCode.QUANTITY_EXCEEDED
    if "balance" in text or "locked_credits" in text or "redeemed_amount" in text:
        return FailureCode.GIFT_AMOUNT_EXCEEDED
    raise exc


def _fail_all(
    call: _Call, outcome: RedemptionOutcome, *, caller: Caller, session_key: str | None, metadata: Mapping[str, Any]
) -> None:
    """Nothing is redeemed: one ``rf_`` per redeemable; the error is the first failing one's."""
    first = next(c for c in call.checked if c.failure is not None)
    failures = [(c, c.failure or first.failure) for c in call.checked]
    outcome.failed = _store_failures(call, failures, outcome.order, caller, session_key, metadata)
    stored = outcome.failed[first.index]
    outcome.error = failure_error(first.failure, resource_id=stored.id, resource_type="redemption")


def _store_failures(
    call: _Call,
    failures: Sequence[tuple[Checked, ItemFailure]],
    order: Order | None,
    caller: Caller,
    session_key: str | None,
    metadata: Mapping[str, Any],
) -> list[Redemption]:
    rows = []
    for c, failure in failures:
        rows.append(
            Redemption(
                id=new_id("rf_"),
                created_at=call.now,
                result=RedemptionResult.FAILURE,
                status=RedemptionStatus.FAILED,
                failure_code=failure.code.value,
                failure_message=failure.code.label,
                related_object_type=c.object,
                voucher=c.voucher,
                voucher_code=c.voucher.code if c.voucher is not None else (c.id if c.object == "voucher" else ""),
                promotion_tier=c.tier,
                campaign=c.campaign,
                customer=call.customer,
                order=order,
                order_amount=call.order_input.amount if call.order_input.failure is None else None,
                metadata=dict(metadata),
                channel_type=caller.channel_type,
                channel_id=caller.channel_id,
                user=caller.user,
                tracking_id=call.tracking_id,
                session_key=session_key or "",
                request_log_id=caller.request_id,
            )
        )
    Redemption.objects.bulk_create(rows)
    for row, (c, failure) in zip(rows, failures, strict=True):
        record_event(
            "redemption.failed",
            caller=caller,
            resource_type="redemption",
            resource_id=row.id,
            campaign_id=row.campaign_id or "",
            data={
                "redemption_id": row.id,
                "object": c.object,
                "id": c.id,
                "failure_code": failure.code.value,
                "details": failure.details,
            },
            occurred_at=call.now,
        )
    return rows


def _succeed(
    call: _Call,
    outcome: RedemptionOutcome,
    applied: list[tuple[Checked, engine.RedeemableResult]],
    *,
    caller: Caller,
    session_key: str | None,
    metadata: Mapping[str, Any],
) -> None:
    """The writes of a successful redemption (a refused write rolls back the whole call: see redeem)."""
    now = call.now
    sessions.release_expired_locks(list(call.vouchers.values()), caller=caller, now=now)
    if session_key:
        sessions.consume_session(key=session_key, caller=caller, now=now)
    # One round trip for the writes below (voucherhub.hotsql.batch): order, redemptions, counters, events.
    with hotsql.batch():
        order = _store_order(call, status=REDEMPTION_ORDER_STATUS, applied=True, keep_stored_status=False)
        outcome.order, outcome.order_created = order, call.order_created
        common = {
            "created_at": now,
            "result": RedemptionResult.SUCCESS,
            "status": RedemptionStatus.SUCCEEDED,
            "customer": call.customer,
            "order": order,
            "order_amount": call.order_input.amount,
            "metadata": dict(metadata),
            "channel_type": caller.channel_type,
            "channel_id": caller.channel_id,
            "user": caller.user,
            "tracking_id": call.tracking_id,
            "session_key": session_key or "",
            "request_log_id": caller.request_id,
        }
        parent = None
        if len(call.checked) > 1:
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
                occurred_at=now,
            )
        outcome.parent = parent
        children = []
        ids = sorted(new_id("r_") for _ in applied)  # ids sort in the requested order (same millisecond)
        for (c, result), child_id in zip(applied, ids, strict=True):
            voucher = c.voucher
            is_gift = voucher is not None and voucher.is_gift
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
                **common,
            )
            children.append(redemption)
        hotsql.insert(children)  # written as SQL, like the voucher lock and the counters (voucherhub.hotsql)
        for (c, result), redemption in zip(applied, children, strict=True):
            voucher = c.voucher
            if voucher is not None:
                _take(voucher, redemption, result.gift_credits, now)
            record_event(
                "redemption.succeeded",
                caller=caller,
                resource_type="redemption",
                resource_id=redemption.id,
                campaign_id=redemption.campaign_id or "",
                data={
                    "redemption_id": redemption.id,
                    "parent_id": parent.id if parent else None,
                    "object": c.object,
                    "id": c.id,
                    "amount": redemption.amount,
                    "order_id": order.id if order else None,
                },
                occurred_at=now,
            )
    outcome.redemptions = children


def _take(voucher: Voucher, redemption: Redemption, credits: int, now: datetime) -> None:
    """One use of the voucher (and its gift credits), on the row the call holds locked."""
    # Written as SQL (voucherhub.hotsql): the ORM's F() update cost ~0.3 ms of Python to compile.
    db = transaction.get_connection()
    updated_at = Voucher._meta.get_field("updated_at").get_db_prep_save(now, connection=db)
    sql = f'UPDATE {hotsql.table(Voucher)} SET "redeemed_quantity" = "redeemed_quantity" + 1, "updated_at" = %s'
    params: list[Any] = [updated_at]
    if voucher.is_gift and credits:
        sql += ', "gift_balance" = "gift_balance" - %s, "redeemed_amount" = "redeemed_amount" + %s'
        params += [credits, credits]
    hotsql.execute(sql + ' WHERE "id" = %s', [*params, voucher.pk])
    voucher.redeemed_quantity += 1
    if voucher.is_gift and credits:
        voucher.gift_balance = (voucher.gift_balance or 0) - credits
        voucher.redeemed_amount += credits
        VoucherTransaction.objects.create(
            voucher=voucher,
            source=VoucherTransaction.Source.REDEMPTION,
            amount=-credits,
            balance_after=voucher.gift_balance,
            related_object_id=redemption.id,
            reason="Redemption",
            created_at=now,
        )


# --- rollback ----------------------------------------------------------------------------------------------


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus calendar months; the day is clamped to the target month (Jan 31 + 1 = Feb 28/29)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def rollback_window_end(redemption: Redemption) -> datetime:
    return add_months(redemption.created_at, Rollback.ROLLBACK_WINDOW_MONTHS)


def rollback_redemption(
    *,
    redemption_id: str,
    reason: str | None = None,
    tracking_id: str | None = None,
    caller: Caller,
    customer: Mapping[str, Any] | None = None,
    order: Mapping[str, Any] | None = None,
    metadata: Mapping[str, Any] | None = None,
    stacked: bool = False,
) -> RollbackOutcome:
    """Roll a redemption back: its voucher's quantity and gift balance are restored (a VoucherTransaction
    per gift change), it becomes ROLLED_BACK, its order CANCELED, and an ``rr_`` rollback is stored.

    ``stacked`` (``POST /v1/redemptions/{id}/rollbacks``) takes a stacked parent and rolls back every child
    under an ``rr_`` parent rollback (a redemption without a parent is accepted too); the single endpoint
    refuses a parent (``invalid_redemption``) and a child (``invalid_redemption_parent``). A redemption
    already rolled back, or older than 3 calendar months, is refused after storing an ``rrf_`` attempt
    (``outcome.error``: ``already_rolled_back`` / ``rollback_period_expired``). Raises DomainError for the
    other refusals (404, ``invalid_redemption``, ``invalid_order``, ``invalid_customer``), writing nothing.
    Locks the vouchers in pk order, then the redemption rows, and re-reads their status under the locks.
    """
    target = Redemption.objects.select_related("order", "customer").filter(pk=redemption_id).first()
    if target is None:
        raise not_found("redemption", redemption_id)
    if target.parent_id is not None:
        raise DomainError(
            "invalid_redemption_parent",
            "Invalid redemption parent",
            f"Redemption {target.id} is part of the stacked redemption {target.parent_id}; roll back the parent "
            f"through POST /v1/redemptions/{target.parent_id}/rollbacks",
        )
    if target.is_stacked_parent and not stacked:
        raise DomainError(
            "invalid_redemption",
            "Invalid redemption",
            f"Redemption {target.id} is a stacked redemption; roll it back through "
            f"POST /v1/redemptions/{target.id}/rollbacks",
        )
    if target.result != RedemptionResult.SUCCESS:
        details = f"Redemption {target.id} failed; there is nothing to roll back"
        raise DomainError("invalid_redemption", "Invalid redemption", details)
    _check_rollback_body(target, customer=customer, order=order)
    children_ids = list(target.children.values_list("id", flat=True)) if target.is_stacked_parent else []
    voucher_ids = Redemption.objects.filter(pk__in=[target.id, *children_ids], voucher__isnull=False).values_list(
        "voucher_id", flat=True
    )
    metadata = dict(metadata or {})
    with transaction.atomic():
        vouchers = sessions.lock_vouchers(list(voucher_ids))
        rows = {
            r.pk: r
            for r in Redemption.objects.select_for_update().filter(pk__in=[target.id, *children_ids]).order_by("pk")
        }
        target = rows[target.id]
        now = timezone.now()
        common = {
            "channel_type": caller.channel_type,
            "channel_id": caller.channel_id,
            "user": caller.user,
            "tracking_id": tracking_id or target.tracking_id,
            "metadata": metadata,
            "reason": reason or "",
            "request_log_id": caller.request_id,
        }
        if target.status == RedemptionStatus.ROLLED_BACK:
            return _refuse_rollback(
                target, "already_rolled_back", "Redemption has already been rolled back", target.id, now, common, caller
            )
        if now > rollback_window_end(target):
            return _refuse_rollback(
                target,
                "rollback_period_expired",
                "Rollback period expired",
                f"Redemption {target.id} is older than {Rollback.ROLLBACK_WINDOW_MONTHS} calendar months",
                now,
                common,
                caller,
            )
        try:
            with transaction.atomic():
                outcome = _roll_back(target, [rows[i] for i in children_ids], vouchers, now, common, caller)
        except IntegrityError:
            # The database refused a second successful rollback of the same redemption.
            return _refuse_rollback(
                target, "already_rolled_back", "Redemption has already been rolled back", target.id, now, common, caller
            )
    return outcome


def _check_rollback_body(
    target: Redemption, *, customer: Mapping[str, Any] | None, order: Mapping[str, Any] | None
) -> None:
    """The optional body must describe the redemption's own order and customer."""
    if order:
        stored = target.order
        wanted_id, wanted_source = order.get("id"), order.get("source_id")
        if (wanted_id and (stored is None or stored.id != wanted_id)) or (
            wanted_source and (stored is None or stored.source_id != wanted_source)
        ):
            raise DomainError("invalid_order", "Invalid order", f"The order does not match redemption {target.id}")
    if customer:
        stored = target.customer
        wanted_id, wanted_source = customer.get("id"), customer.get("source_id")
        if (wanted_id and (stored is None or stored.id != wanted_id)) or (
            wanted_source and (stored is None or stored.source_id != wanted_source)
        ):
            raise DomainError(
                "invalid_customer", "Invalid customer", f"The customer does not match redemption {target.id}"
            )


def _refuse_rollback(
    target: Redemption, key: str, message: str, details: str, now: datetime, common: dict, caller: Caller
) -> RollbackOutcome:
    refused = Rollback.objects.create(
        id=new_id("rrf_"),
        redemption=target,
        created_at=now,
        result=RedemptionResult.FAILURE,
        status="FAILED",
        failure_code=key,
        failure_message=message,
        **common,
    )
    record_event(
        "redemption.rollback.failed",
        caller=caller,
        resource_type="redemption_rollback",
        resource_id=refused.id,
        campaign_id=target.campaign_id or "",
        data={"rollback_id": refused.id, "redemption_id": target.id, "failure_code": key},
        occurred_at=now,
    )
    error = DomainError(key, message, details, resource_id=refused.id, resource_type="redemption_rollback")
    return RollbackOutcome(rollbacks=[refused], order=target.order, error=error)


def _roll_back(
    target: Redemption,
    children: list[Redemption],
    vouchers: Mapping[str, Voucher],
    now: datetime,
    common: dict,
    caller: Caller,
) -> RollbackOutcome:
    outcome = RollbackOutcome(order=target.order)
    singles = children if target.is_stacked_parent else [target]
    parent_rollback = None
    if target.is_stacked_parent:
        credits = sum(child.gift_amount for child in children if child.status == RedemptionStatus.SUCCEEDED)
        parent_rollback = Rollback.objects.create(
            id=new_id("rr_"), redemption=target, created_at=now, result=RedemptionResult.SUCCESS, status="SUCCEEDED",
            amount=-credits, **common,
        )  # fmt: skip
        outcome.parent_rollback = parent_rollback
    for redemption in singles:
        if redemption.status != RedemptionStatus.SUCCEEDED:
            continue
        voucher = vouchers.get(redemption.voucher_id) if redemption.voucher_id else None
        credits = redemption.gift_amount if voucher is not None and voucher.is_gift else 0
        rollback = Rollback.objects.create(
            id=new_id("rr_"), redemption=redemption, parent=parent_rollback, created_at=now,
            result=RedemptionResult.SUCCESS, status="SUCCEEDED", amount=-credits, **common,
        )  # fmt: skip
        if voucher is not None:
            _give_back(voucher, credits, rollback, now)
        redemption.status = RedemptionStatus.ROLLED_BACK
        redemption.save(update_fields=["status"])
        outcome.rollbacks.append(rollback)
    if target.is_stacked_parent:
        target.status = RedemptionStatus.ROLLED_BACK
        target.save(update_fields=["status"])
    set_order_status(target.order, OrderStatus.CANCELED)
    for rollback in ([parent_rollback] if parent_rollback else []) + outcome.rollbacks:
        record_event(
            "redemption.rollback.succeeded",
            caller=caller,
            resource_type="redemption_rollback",
            resource_id=rollback.id,
            campaign_id=rollback.redemption.campaign_id or "",
            data={"rollback_id": rollback.id, "redemption_id": rollback.redemption_id, "amount": rollback.amount},
            occurred_at=now,
        )
    return outcome


def _give_back(voucher: Voucher, credits: int, rollback: Rollback, now: datetime) -> None:
    changes: dict[str, Any] = {"redeemed_quantity": F("redeemed_quantity") - 1, "updated_at": now}
    if credits:
        changes["gift_balance"] = F("gift_balance") + credits
        changes["redeemed_amount"] = F("redeemed_amount") - credits
    Voucher.objects.filter(pk=voucher.pk, redeemed_quantity__gte=1).update(**changes)
    voucher.redeemed_quantity = max(voucher.redeemed_quantity - 1, 0)
    if credits:
        voucher.gift_balance = (voucher.gift_balance or 0) + credits
        voucher.redeemed_amount -= credits
        VoucherTransaction.objects.create(
            voucher=voucher,
            source=VoucherTransaction.Source.ROLLBACK,
            amount=credits,
            balance_after=voucher.gift_balance,
            related_object_id=rollback.id,
            reason=rollback.reason or "Redemption rollback",
            created_at=now,
        )


# --- retention ---------------------------------------------------------------------------------------------

PURGE_BATCH = 5_000


def purge_validations(now: datetime | None = None) -> int:
    """Delete validations older than 30 days, in batches (one short transaction each). Idempotent; returns
    how many it deleted."""
    cutoff = (now or timezone.now()) - timedelta(days=Validation.RETENTION_DAYS)
    deleted = 0
    while True:
        ids = list(Validation.objects.filter(created_at__lt=cutoff).values_list("id", flat=True)[:PURGE_BATCH])
        if not ids:
            return deleted
        with transaction.atomic():
            count, _ = Validation.objects.filter(pk__in=ids).delete()
        deleted += count
        if len(ids) < PURGE_BATCH:
            return deleted
