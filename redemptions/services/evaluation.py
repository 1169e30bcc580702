"""What validate and redeem share: the request as the engine takes it, every check on each redeemable, and the
stacking engine's verdict (read only; the callers write)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone

from campaigns import rules as rule_engine
from campaigns.models import (
    Campaign,
    CampaignType,
    Customer,
    Order,
    PromotionTier,
    ValidationRuleAssignment,
    Voucher,
    VoucherType,
)
from campaigns.queries.stacks import stack_tier_ids
from campaigns.services.customers import upsert_customer
from campaigns.statements import lock_vouchers, rule_flags
from referrals.services import conversion
from sessions import services as sessions
from sessions.models import DEFAULT_TTL_UNIT, MAX_LIFETIME_DAYS, MIN_TTL, max_ttl
from stacking import engine
from stacking.checks import FailureCode, GiftRequest, RedeemableState, earliest, latest, own_failure
from stacking.facts import category_facts, discount_facts, settings_facts
from stacking.models import Category, StackingRules
from voucherhub.caller import Caller
from voucherhub.errors import DomainError, invalid_payload, not_found
from voucherhub.privacy import tracking_id_for

from ..models import (
    Redemption,
    RedemptionStatus,
    RelatedObjectType,
)
from ..orders import OrderInput, OrderRequest, parse_order, upsert_order
from .coin import Coin, coin_for
from .requests import (
    REDEEMABLE_OBJECTS,
    CustomerInput,
    PointsRequest,
    RedeemableRef,
    SessionRequest,
    StackRequest,
)


@dataclass(frozen=True)
class ItemFailure:
    """Why one redeemable cannot be applied: a code of the fifteen, what it is about, a rule's message."""

    code: FailureCode
    details: str
    error_message: str | None = None
    resource_type: str | None = None  # for not_found: "voucher" / "promotion_tier"
    resource_id: str | None = None

    def error(self, *, resource_id: str | None = None, resource_type: str | None = None) -> DomainError:
        """The platform's error for it. ``not_found`` names the voucher (or tier) it did not find; the others
        name the stored attempt when there is one (``resource_type`` redemption)."""
        if self.code == FailureCode.RESOURCE_NOT_FOUND:
            resource_id, resource_type = self.resource_id, self.resource_type
        return DomainError(
            self.code.error_key,
            self.code.label,
            self.details,
            resource_id=resource_id,
            resource_type=resource_type,
            error_message=self.error_message,
        )


@dataclass
class Checked:
    """One requested redeemable with what the engine found out about it."""

    index: int
    object: str
    id: str
    gift: GiftRequest | None = None  # None: the request sent no gift
    reward: PointsRequest | None = None  # a loyalty card's pay-with-points reward (None: none sent)
    voucher: Voucher | None = None
    tier: PromotionTier | None = None
    credits: int | None = None  # gift credits to take (gift cards, and cards paying with points)
    failure: ItemFailure | None = None
    coin: Coin | None = None  # a loyalty card paying with its points (redemptions.services.coin)

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
class Call:
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


def tier_name(c: Checked, prefix: str = "") -> dict[str, str]:
    """A tier's name for an event's data (``name``, or ``failed_name`` with ``prefix``), so that the event
    names it in words on every page (auditlog.sentences); nothing for a voucher or an unknown tier."""
    return {f"{prefix}name": c.tier.name} if c.tier is not None else {}


def requested(redeemables: Sequence[RedeemableRef], settings: engine.StackingSettings) -> list[Checked]:
    """The redeemables as sent (a promotion stack standing for its tiers, in its order), or a DomainError
    for a request the engine cannot take."""
    if not redeemables:
        raise invalid_payload("Property .redeemables should contain at least 1 item")
    sent = _unstacked(redeemables)
    if len(sent) > settings.redeemables_limit:
        raise invalid_payload(
            f"Property .redeemables should contain at most {settings.redeemables_limit} items (the stacking rules' "
            "redeemables_limit)" + (", a promotion stack counting its tiers" if len(sent) > len(redeemables) else "")
        )
    checked, seen = [], set()
    for index, item in sent:
        obj, ident = item.object, item.id
        if obj not in REDEEMABLE_OBJECTS or not isinstance(ident, str) or not ident:
            raise invalid_payload(f"Property .redeemables[{index}] should have an object and an id")
        if (obj, ident) in seen:
            raise DomainError(
                "duplicated_redeemables", "Duplicated redeemables", f"Redeemable {obj} {ident} was sent twice"
            )
        seen.add((obj, ident))
        checked.append(Checked(index, obj, ident, gift=item.gift, reward=item.reward))
    return checked


def _unstacked(redeemables: Sequence[RedeemableRef]) -> list[tuple[int, RedeemableRef]]:
    """(index sent, redeemable) with each ``promotion_stack`` replaced by its tiers, at the stack's index."""
    sent = []
    for index, item in enumerate(redeemables):
        if item.object != "promotion_stack":
            sent.append((index, item))
            continue
        tier_ids = stack_tier_ids(item.id) if isinstance(item.id, str) else None
        if tier_ids is None:
            raise not_found("promotion_stack", str(item.id))
        if not tier_ids:
            details = f"Redeemable .redeemables[{index}]: promotion stack {item.id} holds no tiers"
            raise DomainError("invalid_redeemables", "Invalid redeemables", details)
        sent.extend((index, RedeemableRef("promotion_tier", tier_id)) for tier_id in tier_ids)
    return sent


def check_session_expiry(session: SessionRequest | None) -> None:
    """A ttl the session row cannot hold (below its precision of 1e-9, so stored as 0) or a lifetime over
    MAX_LIFETIME_DAYS is a bad request."""
    if session is None or session.ttl is None:
        return
    ttl = Decimal(str(session.ttl))
    if ttl < MIN_TTL:
        raise invalid_payload(f"Property .session.ttl is too small: the smallest ttl is {MIN_TTL}")
    unit = session.ttl_unit or DEFAULT_TTL_UNIT
    if ttl > max_ttl(unit):
        raise invalid_payload(
            f"Property .session.ttl is too large: a session lives at most {MAX_LIFETIME_DAYS:,} days "
            f"({max_ttl(unit):,f} {unit})"
        )


def customer_of(customer: CustomerInput | None, caller: Caller) -> Customer | None:
    """The customer a request names (found, or created by source_id), None when it names no one."""
    if customer is None or not customer.given:
        return None
    return upsert_customer(
        id=customer.id,
        source_id=customer.source_id,
        name=customer.name,
        email=customer.email,
        description=customer.description,
        metadata=dict(customer.metadata) if customer.metadata is not None else None,
        caller=caller,
    )


def _load(checked: list[Checked], *, lock: bool, session_key: str | None) -> dict[str, Voucher]:
    """Attach vouchers and tiers. With ``lock``, the vouchers (and those of the session's current locks)
    are locked in primary-key order. Returns every voucher loaded, by primary key."""
    codes = [c.id for c in checked if c.object == "voucher"]
    ids = sessions.session_voucher_ids(session_key) if lock else []
    vouchers = lock_vouchers(ids, codes=codes, annotations=rule_flags(Voucher), for_update=lock)
    by_code = {v.code: v for v in vouchers.values() if v.deleted_at is None}
    tier_ids = [c.id for c in checked if c.object == "promotion_tier"]
    tiers = {}
    if tier_ids:
        rows = PromotionTier.objects.select_related("campaign", "category", "campaign__category")
        tiers = {t.pk: t for t in rows.annotate(**rule_flags(PromotionTier)).filter(pk__in=tier_ids)}
    for c in checked:
        if c.object == "voucher":
            c.voucher = by_code.get(c.id)
            if c.voucher is not None and c.voucher.type == VoucherType.LOYALTY_CARD:
                c.coin = coin_for(c.index, c.voucher, c.reward, lock=lock)  # its points pay, else refused
        else:
            c.tier = tiers.get(c.id)
    return vouchers


def _state(c: Checked, free: Mapping[str, sessions.FreeLock]) -> RedeemableState | None:
    """The voucher or tier as :func:`stacking.checks.own_failure` sees it, from rows read under the call's
    locks: the caller's own session's locks count as free, other sessions' as taken."""
    owner = c.voucher or c.tier
    if owner is None:
        return None
    campaign = owner.campaign
    enabled = owner.active and (campaign is None or (campaign.active and campaign.deleted_at is None))
    state = RedeemableState(
        starts_at=latest(owner.start_date, campaign.start_date if campaign else None),
        ends_at=earliest(owner.expiration_date, campaign.expiration_date if campaign else None),
        enabled=enabled,
    )
    voucher = c.voucher
    if voucher is None:
        return state
    released = free.get(voucher.pk, sessions.FreeLock())
    return RedeemableState(
        starts_at=state.starts_at,
        ends_at=state.ends_at,
        enabled=enabled,
        quantity=voucher.redemption_quantity,
        taken=voucher.redeemed_quantity + voucher.locked_quantity - released.quantity,
        is_gift=voucher.is_gift or c.coin is not None,
        available_credits=c.coin.available()
        if c.coin is not None
        else (voucher.gift_balance or 0) - (voucher.locked_credits - released.credits),
    )


def _own_failure(c: Checked, now: datetime, free: Mapping[str, sessions.FreeLock]) -> ItemFailure | None:
    """The first failing own check (:func:`stacking.checks.own_failure`) as the redeemable's failure; sets
    the credits a gift card takes."""
    gift = c.gift or GiftRequest()
    if c.reward is not None:  # a loyalty card paying with points asks for what they are worth
        gift = GiftRequest(problem=c.reward.problem) if c.coin is None else c.coin.gift_request(c.reward)
    check = own_failure(_state(c, free), now, gift)
    c.credits = check.credits
    code = check.failure
    if code is None:
        return None
    if code == FailureCode.RESOURCE_NOT_FOUND:
        resource_type = "voucher" if c.object == "voucher" else "promotion_tier"
        label = "voucher" if c.object == "voucher" else "promotion tier"
        details = f"Cannot find {label} with id {c.id}"
        return ItemFailure(code, details, resource_type=resource_type, resource_id=c.id)
    if code == FailureCode.INVALID_PAYLOAD:
        return ItemFailure(code, f"Property .redeemables[{c.index}].{gift.problem}")
    return ItemFailure(code, c.id)


def _referral_failure(voucher: Voucher, campaign: Campaign, customer: Customer | None) -> ItemFailure | None:
    """A referral code is redeemed by the customer it refers: one is needed, and not its own referrer."""
    if campaign.campaign_type != CampaignType.REFERRAL_PROGRAM:
        return None
    if customer is None:
        return ItemFailure(FailureCode.MISSING_CUSTOMER, f"Referral code {voucher.code} needs the referred customer")
    if conversion.self_referral(voucher, customer):
        return ItemFailure(FailureCode.CUSTOMER_RULES_VIOLATED, "A customer cannot redeem their own referral code")
    return None


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
    """False only when the row was read with :func:`campaigns.statements.rule_flags` and neither it nor its
    campaign has rules."""
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
        if c.voucher is not None and (c.voucher.is_gift or c.coin is not None):
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
        if c.failure is None and c.voucher is not None and c.campaign is not None:
            c.failure = _referral_failure(c.voucher, c.campaign, customer)
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
    redeemables: Sequence[RedeemableRef],
    *,
    amount: int,
    customer: Customer | None,
    settings_row: StackingRules,
) -> StackCheck:
    """The engine's verdict on ``redeemables`` for an order of ``amount`` minor units, as
    ``POST /v1/validations`` would reach it, without writing anything: no customer, order, validation,
    session or event, no lock taken (every active session lock counts as taken). ``customer`` is an
    existing customer or None. Raises a DomainError for a stack the API would refuse (too many
    redeemables, duplicates). The Stacking Rules tab's simulator is its user."""
    settings = settings_facts(settings_row)
    checked = requested(redeemables, settings)
    _, _, stack = _check(
        checked,
        settings=settings,
        order_input=parse_order(OrderRequest(amount=amount)),
        customer=customer,
        metadata={},
        lock=False,
        session_key=None,
    )
    return StackCheck(checked=checked, stack=stack, settings=settings)


def evaluate(
    request: StackRequest, *, lock: bool, settings_row: StackingRules, checked: list[Checked], caller: Caller
) -> Call:
    """Inside the call's transaction: customer, order, vouchers (locked when ``lock``), checks, stack."""
    settings = settings_facts(settings_row)
    customer_obj = customer_of(request.customer, caller)
    order_input = parse_order(request.order)
    vouchers, now, stack = _check(
        checked,
        settings=settings,
        order_input=order_input,
        customer=customer_obj,
        metadata=request.metadata,
        lock=lock,
        session_key=request.session_key,
    )
    # None sent: an opaque id (the platform's track_...), stable per customer, never the source id itself.
    tracking = request.tracking_id or tracking_id_for(customer_obj.source_id if customer_obj else None)
    return Call(
        checked=checked,
        settings_row=settings_row,
        settings=settings,
        customer=customer_obj,
        order_input=order_input,
        stack=stack,
        vouchers=vouchers,
        tracking_id=tracking,
        now=now,
    )


def store_order(call: Call, *, status: str, applied: bool, keep_stored_status: bool) -> Order | None:
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
