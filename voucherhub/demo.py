"""Demo data: campaigns of the three types, vouchers, customers, orders, redemptions, validations,
sessions and the audit trail, plus one login per role. ``python manage.py seed_demo`` calls
:func:`seed_demo`; this module holds the logic so that the command stays thin.

What a run guarantees:

- **Consistent books**, as the engine keeps them: for every voucher ``redeemed_quantity`` is the number
  of its SUCCEEDED non-parent redemptions; for every gift card ``gift_balance = gift_amount - sum of its
  SUCCEEDED redemptions' amounts = sum of its VoucherTransaction amounts`` and ``redeemed_amount =
  gift_amount - gift_balance``; ``locked_quantity`` / ``locked_credits`` are exactly the unreleased locks
  of ACTIVE sessions; no limit is ever exceeded, at any point of the simulated history. Failed attempts
  change nothing. A stacked parent's children share its order, customer and time.
- **History that could have happened.** Calls, rollbacks and session releases are replayed in time order
  over the last 90 days against the vouchers' state at that moment, and every discount is computed by the
  stacking engine (``stacking.engine``) under the installation's stacking rules. Validations only go back
  30 days (older ones would have been purged); sessions older than that keep no validation.
- **Coverage**: each of the fifteen failure codes, the three campaign types and session statuses, rolled
  back and stacked redemptions, vouchers expired / disabled / used up / not active yet / unlimited.
- **Reproducible**: the same ``seed`` gives the same data relative to "now" (ids differ in their random
  part only; they sort by time).
- **Once**: demo data is recognised by its marker campaign (:data:`MARKER_CAMPAIGN`); a second run creates
  nothing unless ``reset`` deletes the previous demo data first. Demo customers and orders carry
  ``source_id`` values starting with ``demo-``; :func:`delete_demo_data` removes exactly what a run made.

Generation (:class:`_Builder`) and writing (:func:`write_rows`) are separate: the builder produces unsaved
model instances grouped by model, the writer inserts them with ``bulk_create`` in dependency order. A
faster writer (PostgreSQL COPY) can replace :func:`write_rows` without touching the builder.
"""

from __future__ import annotations

import heapq
import itertools
import random
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from auditlog.models import Event, RequestLog
from campaigns.models import (
    Campaign,
    CampaignType,
    Customer,
    Effect,
    Order,
    OrderStatus,
    PromotionTier,
    Segment,
    ValidationRule,
    ValidationRuleAssignment,
    Voucher,
    VoucherTransaction,
    VoucherType,
)
from campaigns.serializers import discount_json
from demo.catalogue import (  # the catalogue moved to the demo app
    ACCESSORIES,
    API_CHANNELS,
    CAMPAIGNS,
    CATEGORIES,
    CODE_ALPHABET,
    DEFAULT_REDEMPTIONS,
    DEFAULT_SEED,
    DEMO_CAMPAIGN_NAMES,
    DISCOUNT_KEYS,
    FAILURE_WEIGHTS,
    GIFT_KEYS,
    HISTORY,
    MARKER_CAMPAIGN,
    MIN_REDEMPTIONS,
    NAMES,
    PRODUCTS,
    ROLLBACK_REASONS,
    RULES,
    SEGMENTS,
    SKIP_MESSAGES,
    SOURCE_ID_PREFIX,
    TIER_WEIGHTS,
    TIERS,
    UNKNOWN_CODES,
    VALIDATIONS_KEPT,
    ascii_name,
    rule_condition,
)
from demo.catalogue import (
    CampaignSpec as _CampaignSpec,
)
from demo.catalogue import (
    RuleSpec as _RuleSpec,
)
from demo.catalogue import (
    TierSpec as _TierSpec,
)
from demo.users import DemoUser, ensure_demo_users
from redemptions.models import Redemption, RedemptionResult, RedemptionStatus, RelatedObjectType, Rollback, Validation
from sessions.models import ReleaseReason, SessionLock, SessionStatus, TtlUnit, ValidationSession, ttl_to_timedelta
from stacking import engine
from stacking.checks import FailureCode
from stacking.facts import category_facts, discount_facts, settings_facts
from stacking.models import Category, StackingRules
from stacking.serializers import category_json
from voucherhub.ids import new_id, new_request_id
from voucherhub.models import ChannelType

# --- presence and deletion ----------------------------------------------------------------------------------


def demo_data_present() -> bool:
    return Campaign.objects.filter(name=MARKER_CAMPAIGN).exists()


def delete_demo_data() -> int:
    """Delete what :func:`seed_demo` created (recognised by campaign, rule, segment and category names and
    ``demo-`` source ids), and the audit rows that belong to it. Returns the number of rows deleted.

    Everything is selected by subqueries, never by lists of ids, so the size of the data does not matter.
    """
    campaigns = Campaign.objects.filter(name__in=DEMO_CAMPAIGN_NAMES)
    customers = Customer.objects.filter(source_id__startswith=SOURCE_ID_PREFIX)
    orders = Order.objects.filter(source_id__startswith=SOURCE_ID_PREFIX)
    redemptions = Redemption.objects.filter(Q(order__in=orders) | Q(campaign__in=campaigns) | Q(customer__in=customers))
    validations = Validation.objects.filter(Q(order__in=orders) | Q(customer__in=customers))
    rollbacks = Rollback.objects.filter(redemption__in=redemptions)
    locked = SessionLock.objects.filter(voucher__campaign__in=campaigns).values("session_id")
    sessions = ValidationSession.objects.filter(Q(customer__in=customers) | Q(key__in=locked))
    events = Event.objects.filter(
        Q(campaign_id__in=campaigns.values("id"))
        | Q(resource_id__in=redemptions.values("id"))
        | Q(resource_id__in=rollbacks.values("id"))
        | Q(resource_id__in=sessions.values("key"))
    )
    # Every demo log is referenced by one of these rows (the builder sees to it), so the logs go first.
    logs = RequestLog.objects.filter(
        Q(id__in=redemptions.values("request_log_id"))
        | Q(id__in=validations.values("request_log_id"))
        | Q(id__in=rollbacks.values("request_log_id"))
        | Q(id__in=events.values("request_log_id"))
    )
    deleted = 0
    for queryset in (
        logs,
        events,
        rollbacks,
        redemptions.filter(parent=None),  # children go with their parent
        redemptions,
        validations,
        sessions,
        Voucher.objects.filter(campaign__in=campaigns),
        campaigns,
        ValidationRule.objects.filter(name__in=[rule.name for rule in RULES]),
        Segment.objects.filter(name__in=[segment.name for segment in SEGMENTS]),
        orders,
        customers,
        Category.objects.filter(name__in=[category.name for category in CATEGORIES]),
    ):
        deleted += queryset.delete()[0]
    return deleted


# --- writing ------------------------------------------------------------------------------------------------

Rows = Mapping[type[models.Model], Sequence[models.Model]]

WRITE_ORDER: tuple[type[models.Model], ...] = (
    Category,
    Customer,
    Segment,
    Segment.customers.through,
    ValidationRule,
    Campaign,
    PromotionTier,
    Voucher,
    ValidationRuleAssignment,
    Order,
    RequestLog,
    ValidationSession,
    SessionLock,
    Validation,
    Redemption,
    Rollback,
    VoucherTransaction,
    Event,
)


def write_rows(rows: Rows, *, batch_size: int = 1000) -> None:
    """Insert the builder's rows with ``bulk_create`` in dependency order (the caller holds the transaction)."""
    unknown = set(rows) - set(WRITE_ORDER)
    if unknown:
        raise ValueError(f"no place in WRITE_ORDER for {sorted(m.__name__ for m in unknown)}")
    for model in WRITE_ORDER:
        objs = rows.get(model)
        if objs:
            model.objects.bulk_create(objs, batch_size=batch_size)


# --- the service ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedResult:
    users: list[DemoUser]
    created: dict[str, int] | None  # label -> rows; None when demo data was already present
    deleted: int | None  # rows deleted by reset, None without reset
    seconds: float

    @property
    def summary(self) -> str:
        if self.created is None:
            return (
                f'Demo data already present (campaign "{MARKER_CAMPAIGN}" exists): nothing created. '
                "Run with --reset to recreate it."
            )
        parts = ", ".join(f"{count:,} {label}" for label, count in self.created.items())
        prefix = f"Deleted the previous demo data ({self.deleted:,} rows). " if self.deleted is not None else ""
        return f"{prefix}Demo data created in {self.seconds:.1f} s: {parts}."


def seed_demo(
    *,
    redemptions: int = DEFAULT_REDEMPTIONS,
    seed: int = DEFAULT_SEED,
    password: str | None = None,
    reset: bool = False,
    now: datetime | None = None,
) -> SeedResult:
    """Ensure the demo users (fresh passwords) and, unless present, create the demo data; one transaction.

    ``redemptions`` is the exact number of Redemption rows (stacked parents included). With ``reset`` the
    previous demo data is deleted first. Nothing else in the database is touched, except that the
    StackingRules row is created with its defaults if missing.
    """
    if redemptions < MIN_REDEMPTIONS:
        raise ValueError(f"at least {MIN_REDEMPTIONS} redemptions are needed to cover every case")
    started = time.monotonic()
    with transaction.atomic():
        users = ensure_demo_users(password=password)
        deleted = delete_demo_data() if reset else None
        if demo_data_present():
            return SeedResult(users, None, deleted, time.monotonic() - started)
        builder = _Builder(
            target=redemptions,
            seed=seed,
            now=now or timezone.now(),
            settings=settings_facts(StackingRules.load()),
            categories={c.name: c for c in Category.objects.filter(name__in=[s.name for s in CATEGORIES])},
            operator=get_user_model().objects.get(username="admin"),
        )
        rows = builder.build()
        write_rows(rows)
    created = {
        label: len(rows.get(model, ()))
        for label, model in (
            ("campaigns", Campaign),
            ("vouchers", Voucher),
            ("promotion tiers", PromotionTier),
            ("customers", Customer),
            ("orders", Order),
            ("redemptions", Redemption),
            ("rollbacks", Rollback),
            ("validations", Validation),
            ("sessions", ValidationSession),
            ("gift card transactions", VoucherTransaction),
            ("request logs", RequestLog),
            ("events", Event),
        )
    }
    return SeedResult(users, created, deleted, time.monotonic() - started)


# --- the builder ------------------------------------------------------------------------------------------


@dataclass(eq=False)
class _Redeemable:
    """A voucher or promotion tier with what the simulation needs to check it at a moment in time."""

    object: str  # "voucher" | "promotion_tier"
    code: str  # the voucher code or the tier id (what a client sends as the redeemable id)
    campaign: Campaign
    spec: _CampaignSpec
    rules: tuple[_RuleSpec, ...]
    valid_from: datetime | None
    valid_to: datetime | None
    facts_category: engine.CategoryFacts | None
    facts_discount: engine.DiscountFacts | None
    voucher: Voucher | None = None
    tier: PromotionTier | None = None
    disabled_at: datetime | None = None
    status: str = "normal"  # normal, not_active, expired, disabled or used_up: what the voucher was made to show
    reserved: bool = False  # planned to be used up early; random calls leave it alone

    @property
    def is_gift(self) -> bool:
        return self.voucher is not None and self.voucher.type == VoucherType.GIFT_VOUCHER

    @property
    def available_credits(self) -> int:
        assert self.voucher is not None
        return (self.voucher.gift_balance or 0) - self.voucher.locked_credits


@dataclass
class _Channel:
    type: str
    id: str
    user: object | None = None
    user_agent: str = ""
    origin: str = ""
    metadata: dict = field(default_factory=dict)


@dataclass(frozen=True)
class _Story:
    """A successful call the plan insists on: a given code, or one of some campaigns; by a dashboard
    user; rolled back later."""

    redeemable: _Redeemable | None = None
    keys: tuple[str, ...] | None = None
    user: bool = False
    rollback: bool = False


@dataclass
class _Call:
    """A successful call kept for its rollback."""

    parent: Redemption | None
    children: list[tuple[_Redeemable, Redemption]]
    order: Order
    customer: Customer | None


class _Builder:
    """Builds the demo rows in memory. Calls, rollbacks and session releases are replayed in time order
    (a heap of timed actions) against the vouchers' live state, so every row is what the engine would
    have written at that moment."""

    def __init__(
        self,
        *,
        target: int,
        seed: int,
        now: datetime,
        settings: engine.StackingSettings,
        categories: dict[str, Category],
        operator,
    ) -> None:
        self.target = target
        self.rng = random.Random(seed)
        self.now = now
        self.start = now - HISTORY
        self.settings = settings
        self.existing_categories = categories
        self.operator = operator  # the dashboard user behind USER-channel actions
        self.scale = target / DEFAULT_REDEMPTIONS
        self.rows: dict[type[models.Model], list[models.Model]] = defaultdict(list)
        self.categories: dict[str, Category] = {}
        self.segments: dict[str, Segment] = {}
        self.rules: dict[str, ValidationRule] = {}
        self.campaigns: dict[str, Campaign] = {}
        self.redeemables: dict[str, list[_Redeemable]] = {}  # campaign key -> its vouchers or tiers
        self.forced: dict[str, list[_Redeemable]] = defaultdict(list)  # not_active / expired / disabled / used_up
        self.customers: list[Customer] = []
        self.customers_by_tier: dict[str, list[Customer]] = defaultdict(list)
        self.segment_members: dict[str, list[Customer]] = {}
        self.uses: dict[tuple[str, str], int] = defaultdict(int)  # (campaign id, customer id) -> successes
        self.welcome_users: list[Customer] = []
        self.order_seq = itertools.count(1)
        self.heap: list[tuple[datetime, int, str, object]] = []
        self.heap_seq = itertools.count()
        self.redemption_rows = 0
        self.request_ids: set[str] = set()

    # -- small helpers ----------------------------------------------------------------------------------

    def add(self, obj: models.Model) -> None:
        self.rows[type(obj)].append(obj)

    def at(self, days: float) -> datetime:
        return self.now + timedelta(days=days)

    def id(self, prefix: str, moment: datetime) -> str:
        return new_id(prefix, at_ms=int(moment.timestamp() * 1000))

    def between(self, low: datetime, high: datetime) -> datetime:
        return low + (high - low) * self.rng.random()

    def push(self, moment: datetime, kind: str, payload: object) -> None:
        heapq.heappush(self.heap, (moment, next(self.heap_seq), kind, payload))

    def weighted(self, options: Sequence, weights: Sequence[int]):
        return self.rng.choices(options, weights=weights)[0]

    def code(self, prefix: str, taken: set[str]) -> str:
        while True:
            candidate = prefix + "".join(self.rng.choices(CODE_ALPHABET, k=6))
            if candidate not in taken:
                taken.add(candidate)
                return candidate

    def count(self, base: int) -> int:
        return max(8, round(base * self.scale))

    # -- the run ------------------------------------------------------------------------------------------

    def build(self) -> dict[type[models.Model], list[models.Model]]:
        self.build_categories()
        self.build_customers()
        self.build_segments()
        self.build_rules()
        self.build_campaigns()
        self.plan()
        self.replay()
        self.pad()
        return self.rows

    def build_categories(self) -> None:
        created = self.at(-450)
        for spec in CATEGORIES:
            category = self.existing_categories.get(spec.name)
            if category is None:
                category = Category(
                    id=self.id("cat_", created),
                    name=spec.name,
                    hierarchy=spec.hierarchy,
                    stacking_rules_type=spec.eligibility,
                    discount_calculation=spec.calculation,
                    created_at=created,
                    updated_at=created,
                )
                self.add(category)
            self.categories[spec.name] = category

    def build_customers(self) -> None:
        countries = list(NAMES)
        weights = [NAMES[c][0] for c in countries]
        for n in range(1, max(60, round(250 * self.scale)) + 1):
            country = self.weighted(countries, weights)
            _, language, firsts, lasts = NAMES[country]
            first, last = self.rng.choice(firsts), self.rng.choice(lasts)
            tier = self.weighted(TIERS, TIER_WEIGHTS)
            created = self.at(-self.rng.uniform(95, 700))
            domain = self.rng.choice(("example.com", "example.org", "example.net"))
            customer = Customer(
                id=self.id("cust_", created),
                source_id=f"{SOURCE_ID_PREFIX}cust-{n:05d}",
                name=f"{first} {last}",
                email=f"{ascii_name(first)}.{ascii_name(last)}{n}@{domain}",
                metadata={
                    "tier": tier,
                    "country": country,
                    "language": language,
                    "newsletter": self.rng.random() < 0.6,
                },
                created_at=created,
                updated_at=created,
            )
            self.add(customer)
            self.customers.append(customer)
            self.customers_by_tier[tier].append(customer)

    def build_segments(self) -> None:
        created = self.at(-380)
        for spec in SEGMENTS:
            segment = Segment(
                id=self.id("seg_", created), name=spec.name, type=spec.type, filter=spec.filter, created_at=created
            )
            self.add(segment)
            self.segments[spec.key] = segment
            if spec.type == Segment.Type.STATIC:
                members = self.rng.sample(self.customers, min(25, len(self.customers)))
                for customer in members:
                    self.add(Segment.customers.through(segment_id=segment.id, customer_id=customer.id))
            else:
                members = [c for c in self.customers if _matches(c.metadata, spec.filter)]
            self.segment_members[spec.key] = members

    def build_rules(self) -> None:
        created = self.at(-420)
        for spec in RULES:
            rule = ValidationRule(
                id=self.id("val_", created),
                name=spec.name,
                rules={"1": rule_condition(spec, self.segments), "logic": "1"},
                error_message=spec.error_message,
                created_at=created,
                updated_at=created,
            )
            self.add(rule)
            self.rules[spec.key] = rule

    def build_campaigns(self) -> None:
        rule_specs = {spec.key: spec for spec in RULES}
        codes: set[str] = set()
        for spec in CAMPAIGNS:
            start = self.at(spec.start) if spec.start is not None else None
            end = self.at(spec.end) if spec.end is not None else None
            created = (start or self.at(-400)) - timedelta(days=3, hours=self.rng.uniform(0, 48))
            category = self.categories[spec.category]
            campaign = Campaign(
                id=self.id("camp_", created),
                name=spec.name,
                description=spec.description,
                campaign_type=spec.type,
                category=category,
                start_date=start,
                expiration_date=end,
                voucher_template=self.voucher_template(spec),
                metadata=spec.metadata,
                created_at=created,
                updated_at=created,
            )
            self.add(campaign)
            self.campaigns[spec.key] = campaign
            campaign_rules = tuple(rule_specs[key] for key in spec.rules)
            for key in spec.rules:
                self.assign(key, created, campaign=campaign)
            if spec.type == CampaignType.PROMOTION:
                self.redeemables[spec.key] = [
                    self.build_tier(spec, campaign, category, position, tier_spec, rule_specs)
                    for position, tier_spec in enumerate(spec.tiers, start=1)
                ]
            else:
                self.redeemables[spec.key] = [
                    self.build_voucher(spec, campaign, category, index, campaign_rules, codes)
                    for index in range(self.count(spec.vouchers))
                ]
        # A few Back to School codes were only for Polish customers: a voucher-level rule assignment.
        for redeemable in self.redeemables["school"][5:8]:
            assert redeemable.voucher is not None
            self.assign("poland", redeemable.voucher.created_at, voucher=redeemable.voucher)
            redeemable.rules = (*redeemable.rules, rule_specs["poland"])

    def voucher_template(self, spec: _CampaignSpec) -> dict:
        if spec.type == CampaignType.PROMOTION:
            return {}
        if spec.type == CampaignType.GIFT_VOUCHERS:
            body = {"type": VoucherType.GIFT_VOUCHER, "gift": {"amount": spec.gift_amounts[0]}}
        else:
            body = {"type": VoucherType.DISCOUNT_VOUCHER, "discount": _discount_json_from(spec.discounts[0])}
        return {
            **body,
            "redemption": {"quantity": spec.quantities[0]},
            "code_config": {"length": 6, "charset": CODE_ALPHABET, "prefix": spec.prefix},
        }

    def assign(self, rule_key: str, created: datetime, **target: object) -> None:
        self.add(
            ValidationRuleAssignment(
                id=self.id("asgm_", created), rule=self.rules[rule_key], created_at=created, **target
            )
        )

    def build_tier(
        self,
        spec: _CampaignSpec,
        campaign: Campaign,
        category: Category,
        position: int,
        tier_spec: _TierSpec,
        rule_specs: dict[str, _RuleSpec],
    ) -> _Redeemable:
        created = campaign.created_at
        tier = PromotionTier(
            id=self.id("promo_", created),
            campaign=campaign,
            name=tier_spec.name,
            banner=tier_spec.name,
            position=position,
            category=category,
            created_at=created,
            updated_at=created,
            **tier_spec.discount,
        )
        self.add(tier)
        if tier_spec.rule:
            self.assign(tier_spec.rule, created, promotion_tier=tier)
        return _Redeemable(
            object="promotion_tier",
            code=tier.id,
            campaign=campaign,
            spec=spec,
            rules=(rule_specs[tier_spec.rule],) if tier_spec.rule else (),
            valid_from=campaign.start_date,
            valid_to=campaign.expiration_date,
            facts_category=category_facts(category),
            facts_discount=discount_facts(tier),
            tier=tier,
        )

    def build_voucher(
        self,
        spec: _CampaignSpec,
        campaign: Campaign,
        category: Category,
        index: int,
        rules: tuple[_RuleSpec, ...],
        codes: set[str],
    ) -> _Redeemable:
        rng = self.rng
        created = campaign.created_at + timedelta(hours=rng.uniform(0, 36))
        valid_from = max(created, campaign.start_date or created)
        end = campaign.expiration_date
        gift = spec.type == CampaignType.GIFT_VOUCHERS
        # Every campaign has an unlimited code that works: the failures of the last days need one.
        quantity = None if gift or index == 5 else rng.choice(spec.quantities)
        # The first vouchers of each campaign take the statuses every demo must show; the rest are normal.
        status = {0: "not_active", 1: "expired", 2: "disabled", 3: "used_up", 4: "used_up"}.get(index, "normal")
        if status == "normal" and index != 5:  # the sixth stays normal (and unlimited, below)
            status = self.weighted(("normal", "expired", "disabled"), (90, 5, 5))
        if status == "used_up" and gift:
            status = "normal"
        if status == "not_active" and end is not None and end < self.at(32):
            status = "normal"  # a campaign that ends soon gets no codes starting after it
        start = campaign.start_date
        expiration = end
        disabled_at = None
        if status == "not_active":
            start = self.at(rng.uniform(2, 30))
        elif status == "expired":
            # Expired before the last week (the coverage failures happen then), some before the history.
            latest = min(end or self.at(-6), self.at(-6))
            expiration = max(valid_from + timedelta(days=1), latest - timedelta(days=rng.uniform(0, 60)))
            expiration = min(expiration, latest)
        elif status == "disabled":
            latest = min(end or self.at(-6), self.at(-6))
            disabled_at = min(latest, valid_from + timedelta(days=rng.uniform(1, 60)))
        elif status == "used_up":
            quantity = rng.choice((1, 1, 2, 3))
        voucher = Voucher(
            id=self.id("v_", created),
            code=self.code(spec.prefix, codes),
            campaign=campaign,
            category=category,
            type=VoucherType.GIFT_VOUCHER if gift else VoucherType.DISCOUNT_VOUCHER,
            active=disabled_at is None,
            start_date=start,
            expiration_date=expiration,
            redemption_quantity=quantity,
            metadata={"batch": f"{spec.prefix.rstrip('-')}-{created:%Y%m}"},
            created_at=created,
            updated_at=disabled_at or created,
        )
        if gift:
            amount = rng.choice(spec.gift_amounts)
            voucher.gift_amount = voucher.gift_balance = amount
            voucher.gift_effect = Effect.APPLY_TO_ORDER
            if rng.random() < 0.3:
                voucher.holder = rng.choice(self.customers)
            self.add(
                VoucherTransaction(
                    id=self.id("vtx_", created),
                    voucher=voucher,
                    source=VoucherTransaction.Source.CREATION,
                    amount=amount,
                    balance_after=amount,
                    reason="Card issued",
                    created_at=created,
                )
            )
        else:
            for name, value in rng.choice(spec.discounts).items():
                setattr(voucher, name, value)
        self.add(voucher)
        redeemable = _Redeemable(
            object="voucher",
            code=voucher.code,
            campaign=campaign,
            spec=spec,
            rules=rules,
            valid_from=max(valid_from, start or valid_from),
            valid_to=expiration,
            facts_category=category_facts(category),
            facts_discount=None if gift else discount_facts(voucher),
            voucher=voucher,
            disabled_at=disabled_at,
            status=status,
            reserved=status == "used_up",
        )
        if status != "normal":
            self.forced[status].append(redeemable)
        return redeemable

    # -- the plan: what happens when ----------------------------------------------------------------------

    def plan(self) -> None:
        """Schedule every call and standalone validation. Redemption rows add up to ``target``."""
        rng = self.rng
        rows = 0
        # Used-up codes: exactly their quantity of successful calls, well before the last week.
        for redeemable in self.forced["used_up"]:
            assert redeemable.voucher is not None and redeemable.voucher.redemption_quantity is not None
            low = max(redeemable.valid_from or self.start, self.start)
            high = min(redeemable.valid_to or self.at(-10), self.at(-10))
            if low >= high:
                redeemable.reserved = False
                continue
            for _ in range(redeemable.voucher.redemption_quantity):
                self.push(self.between(low, high), "success", _Story(redeemable))
                rows += 1
        # Welcome codes used by a few customers, so the once-per-customer rule has someone to refuse.
        welcome = [r for r in self.redeemables["welcome"] if r.status == "normal"]
        for _ in range(3):
            self.push(self.between(self.at(-80), self.at(-10)), "success", _Story(welcome[-1]))
            rows += 1
        # Stories every demo tells, early enough for their rollback to follow: gift cards paid back,
        # redemptions made in the dashboard, a stack undone.
        gift = _Story(keys=GIFT_KEYS, rollback=True)
        by_hand = _Story(keys=DISCOUNT_KEYS, user=True, rollback=True)
        for story in (gift, gift, by_hand, by_hand):
            self.push(self.between(self.at(-80), self.at(-20)), "success", story)
            rows += 1
        self.push(self.between(self.at(-80), self.at(-20)), "stacked", (2, True))
        rows += 3
        # Each failure code at least once, in the last days: by then the expired and used-up codes exist.
        for code in FailureCode:
            self.push(self.between(self.at(-5), self.at(-1 / 12)), "failure", code)
            rows += 1
        codes, weights = list(FAILURE_WEIGHTS), list(FAILURE_WEIGHTS.values())
        while rows < self.target:
            moment = self.call_time()
            roll = rng.random()
            left = self.target - rows
            if roll < 0.10 and left >= 3:
                children = min(rng.choice((2, 2, 3)), left - 1)
                self.push(moment, "stacked", (children, False))
                rows += 1 + children
            elif roll < 0.32:
                self.push(moment, "failure", self.weighted(codes, weights))
                rows += 1
            else:
                self.push(moment, "success", None)
                rows += 1
        for _ in range(max(20, round(0.12 * self.target))):
            # Most in the kept 30 days; older ones only leave their sessions and audit rows behind.
            days = rng.uniform(*self.weighted(((0, 7), (7, 30), (30, 60)), (35, 45, 20)))
            self.push(self.at(-days) - timedelta(minutes=1), "validate", None)
        # Sessions of each outcome. ACTIVE ones: shoppers at the checkout now, holding locks on the vouchers.
        for _ in range(max(3, round(0.01 * self.target))):
            self.push(self.between(self.at(-3), self.at(-1 / 1440)), "validate", SessionStatus.ACTIVE)
        for outcome in (ReleaseReason.EXPIRED, ReleaseReason.MANUAL, ReleaseReason.API) * 2:
            self.push(self.between(self.at(-25), self.at(-8)), "validate", outcome)

    def call_time(self) -> datetime:
        # Busier lately (the Black Friday week), otherwise even over the 90 days.
        if self.rng.random() < 0.15:
            return self.between(self.at(-10), self.at(-1 / 720))
        return self.between(self.start, self.at(-1 / 720))

    def replay(self) -> None:
        debt = 0  # rows planned but not made (a stack that applied fewer redeemables); paid back below
        while self.heap:
            moment, _, kind, payload = heapq.heappop(self.heap)
            before = self.redemption_rows
            if kind == "success":
                if payload is None and debt >= 2:
                    children = min(3, debt)
                    self.stacked_call(moment, children)
                    debt -= self.redemption_rows - before - 1
                else:
                    self.success_call(moment, payload)
            elif kind == "stacked":
                children, rollback = payload
                self.stacked_call(moment, children, rollback=rollback)
                debt += 1 + children - (self.redemption_rows - before)
            elif kind == "failure":
                self.failure_call(moment, payload)
            elif kind == "validate":
                self.validate_call(moment, outcome=payload)
            elif kind == "rollback":
                self.rollback(moment, payload)
            elif kind == "release":
                self.release(moment, *payload)

    def pad(self) -> None:
        """Unknown codes tried in the last hours make up any rows a stack did not use (no state involved)."""
        while self.redemption_rows < self.target:
            self.failure_call(self.between(self.at(-1 / 12), self.at(-1 / 1440)), FailureCode.RESOURCE_NOT_FOUND)

    # -- checks: the engine's order of SPEC section 3 -----------------------------------------------------

    def own_failure(self, r: _Redeemable, moment: datetime, credits: int = 0) -> FailureCode | None:
        if r.valid_from is not None and moment < r.valid_from:
            return FailureCode.VOUCHER_NOT_ACTIVE
        if r.valid_to is not None and moment > r.valid_to:
            return FailureCode.VOUCHER_EXPIRED
        if r.disabled_at is not None and moment >= r.disabled_at:
            return FailureCode.VOUCHER_DISABLED
        voucher = r.voucher
        if voucher is not None:
            limit = voucher.redemption_quantity
            if limit is not None and voucher.redeemed_quantity + voucher.locked_quantity >= limit:
                return FailureCode.QUANTITY_EXCEEDED
            if r.is_gift and credits > r.available_credits:
                return FailureCode.GIFT_AMOUNT_EXCEEDED
        return None

    def rule_failure(self, r: _Redeemable, customer: Customer | None, order: Order) -> FailureCode | None:
        for rule in r.rules:
            failure = self.check_rule(rule, r, customer, order)
            if failure is not None:
                return failure
        return None

    def check_rule(
        self, rule: _RuleSpec, r: _Redeemable, customer: Customer | None, order: Order
    ) -> FailureCode | None:
        if rule.kind == "min_amount":
            return None if (order.amount or 0) >= rule.value else FailureCode.ORDER_RULES_VIOLATED
        if rule.kind == "product":
            if not order.items:
                return FailureCode.MISSING_ORDER_ITEMS
            return None if _has_product(order, rule.value) else FailureCode.ORDER_RULES_VIOLATED
        if rule.kind == "per_customer":
            if customer is None:
                return FailureCode.MISSING_CUSTOMER
            used = self.uses[(r.campaign.id, customer.id)]
            return None if used < rule.value else FailureCode.REDEMPTION_RULES_VIOLATED
        if customer is None:
            return FailureCode.CUSTOMER_RULES_VIOLATED
        if rule.kind == "segment":
            ok = customer in self.segment_members[rule.value]
        else:
            ok = customer.metadata.get("tier") == rule.value
        return None if ok else FailureCode.CUSTOMER_RULES_VIOLATED

    def customer_for(self, r: _Redeemable, *, violate: str | None = None) -> Customer | None:
        """A customer who passes ``r``'s customer rules (or fails the rule of kind ``violate``)."""
        if violate is None and r.voucher is not None and r.voucher.holder is not None:
            return r.voucher.holder
        pool: Sequence[Customer] = self.customers
        for rule in r.rules:
            if violate is None and rule.kind == "segment":
                pool = self.segment_members[rule.value]
            elif violate is None and rule.kind == "customer_tier":
                pool = self.customers_by_tier[str(rule.value)]
            elif violate == "per_customer" and rule.kind == "per_customer":
                pool = self.welcome_users
        if not pool:
            return None
        probe = Order(amount=1, items=[])  # customer rules only
        for _ in range(25):
            customer = self.rng.choice(pool)
            failures = [self.check_rule(rule, r, customer, probe) for rule in r.rules if rule.kind not in _ORDER_KINDS]
            if violate is None and not any(failures):
                return customer
            if violate is not None and any(f is not None for f in failures):
                return customer
        return None

    # -- orders -----------------------------------------------------------------------------------------

    def items(self, *, minimum: int = 0, require: str | None = None, below: int | None = None) -> list[dict]:
        rng = self.rng
        if below is not None:
            product = rng.choice([p for p in PRODUCTS if p[3] < below and p[0] != require])
            return [_item(product, 1)]
        if require is not None:
            sneakers = next(p for p in PRODUCTS if p[0] == require)
            lines = [_item(sneakers, 1), _item(rng.choice(ACCESSORIES), 1)]
        else:
            chosen = rng.sample(PRODUCTS, rng.choice((1, 1, 2, 2, 3, 4)))
            lines = [_item(p, rng.choice((1, 1, 1, 2))) for p in chosen]
        while sum(line["amount"] for line in lines) < minimum:
            lines.append(_item(rng.choice(PRODUCTS[1:5]), 1))  # never adds sneakers by accident
        return lines

    def order(self, moment: datetime, customer: Customer | None, items: list[dict], **fields) -> Order:
        amount = fields.pop("amount", sum(line.get("amount", 0) for line in items))
        order = Order(
            id=self.id("ord_", moment),
            source_id=f"{SOURCE_ID_PREFIX}ord-{next(self.order_seq):07d}",
            status=OrderStatus.CREATED,
            customer=customer,
            amount=amount,
            initial_amount=amount,
            total_amount=amount,
            items=items,
            metadata={"payment": self.rng.choice(("card", "card", "blik", "paypal", "transfer"))},
            created_at=moment,
            updated_at=moment,
            **fields,
        )
        self.add(order)
        return order

    def order_for(self, moment: datetime, customer: Customer | None, redeemables: Iterable[_Redeemable]) -> Order:
        minimum, require = 0, None
        for r in redeemables:
            for rule in r.rules:
                if rule.kind == "min_amount":
                    minimum = max(minimum, int(rule.value))
                elif rule.kind == "product":
                    require = str(rule.value)
        return self.order(moment, customer, self.items(minimum=minimum, require=require))

    # -- channels, logs and events ------------------------------------------------------------------------

    def api_channel(self) -> _Channel:
        name, _, agent, origin, metadata = self.weighted(API_CHANNELS, [c[1] for c in API_CHANNELS])
        if name == "Mobile app":
            metadata = {**metadata, "platform": self.rng.choice(("android", "ios"))}
            agent = "okhttp/4.12.0" if metadata["platform"] == "android" else "VoucherShop/5.2 CFNetwork/1568"
        return _Channel(ChannelType.API, name, None, agent, origin, metadata)

    def user_channel(self) -> _Channel:
        return _Channel(
            ChannelType.USER,
            self.operator.username,
            self.operator,
            metadata={"store": "customer service", "platform": "dashboard"},
        )

    def log(
        self,
        moment: datetime,
        channel: _Channel,
        method: str,
        path: str,
        status: int,
        request: dict | None = None,
        response: dict | None = None,
        query: dict | None = None,
    ) -> RequestLog | None:
        """The API call's log (dashboard actions have none). Bodies as sent and answered; never a token."""
        if channel.type != ChannelType.API:
            return None
        request_id = new_request_id()
        while request_id in self.request_ids:
            request_id = new_request_id()
        self.request_ids.add(request_id)
        log = RequestLog(
            id=request_id,
            created_at=moment,
            method=method,
            path=path,
            query=query or {},
            request_body=request,
            response_status=status,
            response_body=response,
            ip=f"203.0.113.{self.rng.randint(2, 254)}",
            origin=channel.origin,
            user_agent=channel.user_agent,
            channel_type=channel.type,
            channel_id=channel.id,
            duration_ms=self.rng.randint(12, 180),
        )
        self.add(log)
        return log

    def event(
        self,
        type_: str,
        moment: datetime,
        channel: _Channel,
        log: RequestLog | None,
        resource_type: str,
        resource_id: str,
        campaign: Campaign | None,
        data: dict,
    ) -> None:
        self.add(
            Event(
                id=self.id("evt_", moment),
                type=type_,
                occurred_at=moment,
                channel_type=channel.type,
                channel_id=channel.id,
                user=channel.user,
                resource_type=resource_type,
                resource_id=resource_id,
                campaign_id=campaign.id if campaign else "",
                data=data,
                request_log=log,
            )
        )

    # -- successful calls ---------------------------------------------------------------------------------

    def pick_for_success(self, keys: Sequence[str] | None = None) -> _Redeemable:
        specs = [s for s in CAMPAIGNS if keys is None or s.key in keys]
        spec = self.weighted(specs, [s.weight for s in specs])
        pool = [r for r in self.redeemables[spec.key] if not r.reserved] or self.redeemables[spec.key]
        return self.rng.choice(pool)

    def success_call(self, moment: datetime, story: _Story | None) -> None:
        """A single-redeemable call meant to succeed; if no code works at ``moment``, the customer's last
        try is stored as the failure it is (people do type expired codes)."""
        story = story or _Story()
        forced = story.redeemable
        last: tuple[_Redeemable, FailureCode] | None = None
        for _ in range(1 if forced else 12):
            r = forced or self.pick_for_success(story.keys)
            failure = self.own_failure(r, moment, credits=1 if r.is_gift else 0)
            if failure is not None:
                last = (r, failure)
                continue
            customer = self.customer_for(r)
            if customer is None and r.rules:
                continue
            order = self.order_for(moment, customer, [r])
            if self.rule_failure(r, customer, order) is not None:
                continue
            by_hand = story.user or (forced is None and self.rng.random() < 0.04)
            channel = self.user_channel() if by_hand else self.api_channel()
            credits = self.gift_request(r, order.amount) if r.is_gift else None
            call = self.redeem(moment, channel, customer, order, [(r, credits)])
            if forced is None and call is not None:
                self.maybe_schedule_rollback(moment, call, force=story.rollback)
            if forced is not None and forced.spec.key == "welcome" and customer is not None:
                self.welcome_users.append(customer)
            return
        if last is not None:
            self.store_failure(moment, last[0], last[1])
        else:
            self.failure_call(moment, FailureCode.ORDER_RULES_VIOLATED)

    def gift_request(self, r: _Redeemable, amount: int | None) -> int:
        """Credits a shopper asks for: part of or the whole order, never more than the card can give."""
        wanted = self.rng.randint(max(1, (amount or 1) // 3), max(1, amount or 1))
        return max(1, min(r.available_credits, wanted))

    def stacked_call(self, moment: datetime, children: int, *, rollback: bool = False) -> None:
        """Several redeemables in one call: a parent redemption and one child per applied redeemable."""
        rng = self.rng
        customer = rng.choice(self.customers)
        order = self.order(
            moment, customer, self.items(minimum=20_000, require="prod-sneakers" if rng.random() < 0.25 else None)
        )
        candidates: list[_Redeemable] = []
        for _ in range(8):
            candidates.append(self.pick_for_success(DISCOUNT_KEYS))
        tier = self.customer_tier(customer)
        if tier is not None:
            candidates.insert(rng.randint(0, 1), tier)
        if rng.random() < 0.6:
            candidates.insert(rng.randint(0, 2), self.redeemables["delivery"][0])
        if rng.random() < 0.5:
            for _ in range(4):
                candidates.append(self.pick_for_success(GIFT_KEYS))
        chosen: list[tuple[_Redeemable, int | None]] = []
        remaining = order.amount or 0
        for r in candidates:
            if any(r is c for c, _ in chosen) or len(chosen) >= self.settings.redeemables_limit:
                continue
            if self.own_failure(r, moment, credits=1 if r.is_gift else 0) or self.rule_failure(r, customer, order):
                continue
            if r.is_gift and any(c.is_gift for c, _ in chosen):
                continue
            trial = [*chosen, (r, self.gift_request(r, remaining) if r.is_gift else None)]
            applied = sum(res.status == engine.Status.APPLICABLE for res in self.evaluate(trial, order).results)
            if applied > children:
                continue
            chosen = trial
            if applied == children:
                break
        if len(chosen) < 2:
            self.success_call(moment, None)
            return
        call = self.redeem(moment, self.api_channel(), customer, order, chosen)
        if call is not None:
            self.maybe_schedule_rollback(moment, call, force=rollback)

    def customer_tier(self, customer: Customer) -> _Redeemable | None:
        for r in self.redeemables["loyalty"]:
            if r.rules and r.rules[0].value == customer.metadata.get("tier"):
                return r
        return None

    def evaluate(self, picks: Sequence[tuple[_Redeemable, int | None]], order: Order) -> engine.StackResult:
        facts = [
            engine.RedeemableFacts(
                object=r.object,
                id=r.code,
                category=r.facts_category,
                discount=r.facts_discount,
                gift_credits=credits,
            )
            for r, credits in picks
        ]
        return engine.evaluate_stack(self.settings, facts, engine.OrderFacts(amount=order.amount or 0))

    def redeem(
        self,
        moment: datetime,
        channel: _Channel,
        customer: Customer | None,
        order: Order,
        picks: Sequence[tuple[_Redeemable, int | None]],
    ) -> _Call | None:
        """Redeem what the engine applies: update vouchers, write the redemptions, their log and events, and
        sometimes the validation (and LOCK session) that came a few minutes before."""
        result = self.evaluate(picks, order)
        applied = [(r, res) for (r, _), res in zip(picks, result.results, strict=True) if res.status == "APPLICABLE"]
        if not applied:
            return None
        stacked = len(picks) > 1
        tracking = customer.source_id if customer else self.id("track_", moment)
        session = None
        validated = moment - timedelta(minutes=self.rng.uniform(1, 20))
        vouchers = [(r, res) for r, res in applied if r.voucher is not None]
        if vouchers and customer is not None and channel.type == ChannelType.API and self.rng.random() < 0.12:
            session = self.redeemed_session(validated, moment, channel, customer, vouchers)
        if session is not None or (
            channel.type == ChannelType.API and validated >= self.now - VALIDATIONS_KEPT and self.rng.random() < 0.5
        ):
            order.created_at = validated  # the shop sent the order with the validation first
            self.validation(validated, channel, customer, order, picks, result, session, tracking)

        order.status = OrderStatus.PAID
        order.discount_amount = order.total_discount_amount = result.total_discount_amount
        order.total_amount = result.total_amount
        order.updated_at = moment
        request = self.request_body(picks, order, customer, session)
        parent = None
        if stacked:
            parent = Redemption(
                id=self.id("r_", moment),
                created_at=moment,
                result=RedemptionResult.SUCCESS,
                status=RedemptionStatus.SUCCEEDED,
                related_object_type=RelatedObjectType.REDEMPTION,
                customer=customer,
                order=order,
                order_amount=order.amount,
                discount_amount=result.discount_amount,
                gift_amount=result.gift_credits,
                amount=result.total_discount_amount,
                metadata=channel.metadata,
                channel_type=channel.type,
                channel_id=channel.id,
                user=channel.user,
                tracking_id=tracking,
                session_key=session.key if session else "",
            )
        children = []
        for r, res in applied:
            redemption = Redemption(
                id=self.id("r_", moment),
                created_at=moment,
                result=RedemptionResult.SUCCESS,
                status=RedemptionStatus.SUCCEEDED,
                parent=parent,
                related_object_type=r.object,
                voucher=r.voucher,
                voucher_code=r.voucher.code if r.voucher else "",
                promotion_tier=r.tier,
                campaign=r.campaign,
                customer=customer,
                order=order,
                order_amount=order.amount,
                discount_amount=res.discount_amount,
                gift_amount=res.gift_credits,
                amount=res.gift_credits if r.is_gift else res.discount_amount,
                metadata=channel.metadata,
                channel_type=channel.type,
                channel_id=channel.id,
                user=channel.user,
                tracking_id=tracking,
                session_key=session.key if session else "",
            )
            children.append((r, redemption))
        response = {
            "redemptions": [_redemption_json(red) for _, red in children],
            "order": _order_json(order),
        }
        if parent is not None:
            response["parent_redemption"] = _redemption_json(parent)
        log = self.log(moment, channel, "POST", "/v1/redemptions", 200, request, response)
        for redemption in [parent] if parent else []:
            redemption.request_log = log
            self.add(redemption)
            self.redemption_rows += 1
        for r, redemption in children:
            redemption.request_log = log
            self.add(redemption)
            self.redemption_rows += 1
            self.take(r, redemption, moment)
            self.event(
                "redemption.succeeded",
                moment,
                channel,
                log,
                "redemption",
                redemption.id,
                r.campaign,
                {"redemption_id": redemption.id, "code": r.code, "amount": redemption.amount, "order_id": order.id},
            )
        if session is not None:
            self.event(
                "session.released",
                moment,
                channel,
                log,
                "session",
                session.key,
                vouchers[0][0].campaign,
                {"key": session.key, "reason": ReleaseReason.REDEEMED},
            )
        return _Call(parent, children, order, customer)

    def take(self, r: _Redeemable, redemption: Redemption, moment: datetime) -> None:
        """The voucher side of a successful redemption (quantity, balance, its transaction)."""
        if customer := redemption.customer:
            self.uses[(r.campaign.id, customer.id)] += 1
        voucher = r.voucher
        if voucher is None:
            return
        voucher.redeemed_quantity += 1
        voucher.updated_at = max(voucher.updated_at, moment)
        if r.is_gift and redemption.amount:
            voucher.gift_balance -= redemption.amount
            voucher.redeemed_amount += redemption.amount
            self.add(
                VoucherTransaction(
                    id=self.id("vtx_", moment),
                    voucher=voucher,
                    source=VoucherTransaction.Source.REDEMPTION,
                    amount=-redemption.amount,
                    balance_after=voucher.gift_balance,
                    related_object_id=redemption.id,
                    reason="Redemption",
                    created_at=moment,
                )
            )

    def request_body(
        self,
        picks: Sequence[tuple[_Redeemable | None, int | None]],
        order: Order,
        customer: Customer | None,
        session: ValidationSession | None,
        code: str = "",
    ) -> dict:
        redeemables = []
        for r, credits in picks:
            item = {"object": r.object if r else "voucher", "id": r.code if r else code}
            if credits is not None:
                item["gift"] = {"credits": credits}
            redeemables.append(item)
        body: dict = {"redeemables": redeemables, "order": _order_request(order)}
        if customer is not None:
            body["customer"] = {"source_id": customer.source_id}
        if session is not None:
            body["session"] = {"type": "LOCK", "key": session.key}
        return body

    def maybe_schedule_rollback(self, moment: datetime, call: _Call, *, force: bool = False) -> None:
        if force or self.rng.random() < 0.07:
            when = moment + timedelta(minutes=self.rng.uniform(10, (5 if force else 20) * 1440))
            if when < self.now - timedelta(minutes=1):
                self.push(when, "rollback", call)

    def rollback(self, moment: datetime, call: _Call) -> None:
        """Roll the call back: one rollback per redemption (a parent one first for a stack), balances and
        quantities restored, the order canceled. Sometimes a client retries it later and is refused."""
        channel = self.user_channel() if self.rng.random() < 0.4 else self.api_channel()
        reason = self.rng.choice(ROLLBACK_REASONS)
        target = call.parent or call.children[0][1]
        path = f"/v1/redemptions/{target.id}/rollback" + ("s" if call.parent else "")
        parent_rollback = None
        rollbacks = []
        if call.parent is not None:
            credits = sum(red.gift_amount for _, red in call.children)
            parent_rollback = self.rollback_row(moment, call.parent, None, -credits, channel, reason)
            rollbacks.append(parent_rollback)
        for r, redemption in call.children:
            credits = redemption.amount if r.is_gift else 0
            rollback = self.rollback_row(moment, redemption, parent_rollback, -credits, channel, reason)
            rollbacks.append(rollback)
            self.give_back(r, redemption, rollback, moment)
        call.order.status = OrderStatus.CANCELED
        call.order.updated_at = moment
        response = {"rollbacks": [_rollback_json(rb) for rb in rollbacks], "order": _order_json(call.order)}
        log = self.log(moment, channel, "POST", path, 200, {}, response, {"reason": reason})
        for rollback in rollbacks:
            rollback.request_log = log
            redemption = rollback.redemption
            campaign = redemption.campaign or call.children[0][0].campaign
            self.event(
                "redemption.rollback.succeeded",
                moment,
                channel,
                log,
                "redemption_rollback",
                rollback.id,
                campaign,
                {"rollback_id": rollback.id, "redemption_id": redemption.id, "amount": rollback.amount},
            )
        retry = moment + timedelta(minutes=self.rng.uniform(2, 600))
        if self.rng.random() < 0.1 and retry < self.now:
            self.refused_rollback(retry, target)

    def rollback_row(
        self,
        moment: datetime,
        redemption: Redemption,
        parent: Rollback | None,
        amount: int,
        channel: _Channel,
        reason: str,
    ) -> Rollback:
        redemption.status = RedemptionStatus.ROLLED_BACK
        rollback = Rollback(
            id=self.id("rr_", moment),
            redemption=redemption,
            parent=parent,
            created_at=moment,
            result=RedemptionResult.SUCCESS,
            status="SUCCEEDED",
            reason=reason,
            amount=amount,
            channel_type=channel.type,
            channel_id=channel.id,
            user=channel.user,
            tracking_id=redemption.tracking_id,
        )
        self.add(rollback)
        return rollback

    def give_back(self, r: _Redeemable, redemption: Redemption, rollback: Rollback, moment: datetime) -> None:
        if customer := redemption.customer:
            self.uses[(r.campaign.id, customer.id)] -= 1
        voucher = r.voucher
        if voucher is None:
            return
        voucher.redeemed_quantity -= 1
        voucher.updated_at = max(voucher.updated_at, moment)
        if r.is_gift and redemption.amount:
            voucher.gift_balance += redemption.amount
            voucher.redeemed_amount -= redemption.amount
            self.add(
                VoucherTransaction(
                    id=self.id("vtx_", moment),
                    voucher=voucher,
                    source=VoucherTransaction.Source.ROLLBACK,
                    amount=redemption.amount,
                    balance_after=voucher.gift_balance,
                    related_object_id=rollback.id,
                    reason=rollback.reason,
                    created_at=moment,
                )
            )

    def refused_rollback(self, moment: datetime, redemption: Redemption) -> None:
        channel = self.api_channel()
        rollback = Rollback(
            id=self.id("rrf_", moment),
            redemption=redemption,
            created_at=moment,
            result=RedemptionResult.FAILURE,
            status="FAILED",
            reason="Retry",
            failure_code="already_rolled_back",
            failure_message="Redemption has already been rolled back",
            channel_type=channel.type,
            channel_id=channel.id,
            tracking_id=redemption.tracking_id,
        )
        error = {
            "code": 400,
            "key": "already_rolled_back",
            "message": "Redemption has already been rolled back",
            "details": redemption.id,
            "resource_id": rollback.id,
            "resource_type": "redemption_rollback",
        }
        path = f"/v1/redemptions/{redemption.id}/rollback"
        log = self.log(moment, channel, "POST", path, 400, {}, error, {"reason": "Retry"})
        if log is not None:
            error["request_id"] = log.id
        rollback.request_log = log
        self.add(rollback)

    # -- failed calls -------------------------------------------------------------------------------------

    def failure_call(self, moment: datetime, code: FailureCode) -> None:
        """A redemption attempt that fails with ``code``, if the state at ``moment`` allows it; otherwise an
        order below a promotion's minimum (always possible)."""
        if code == FailureCode.RESOURCE_NOT_FOUND:
            self.store_failure(moment, None, code, unknown=self.rng.choice(UNKNOWN_CODES))
            return
        if code in _OWN_CODES:
            # Codes in that state are few: look through all of them rather than guess.
            pool = [r for r in self.failure_pool(code) if self.own_failure(r, moment) == code]
            if pool:
                self.store_failure(moment, self.rng.choice(pool), code)
                return
        for _ in range(60 if code not in _OWN_CODES else 0):
            r = self.failure_candidate(code)
            if r is None:
                break
            if self.own_failure(r, moment) is not None:
                continue
            if code == FailureCode.GIFT_AMOUNT_EXCEEDED:
                self.store_failure(moment, r, code, credits=r.available_credits + self.rng.randint(500, 5_000))
                return
            if code in _RULE_CODES:
                if self.store_rule_failure(moment, r, code):
                    return
                continue
            self.store_failure(moment, r, code)
            return
        if not self.store_rule_failure(moment, self.redeemables["delivery"][0], FailureCode.ORDER_RULES_VIOLATED):
            self.failure_call(moment, FailureCode.RESOURCE_NOT_FOUND)  # the promotion itself is not running yet

    def failure_candidate(self, code: FailureCode) -> _Redeemable | None:
        pool = self.failure_pool(code)
        return self.rng.choice(pool) if pool else None

    def failure_pool(self, code: FailureCode) -> list[_Redeemable]:
        everything = [r for key in DISCOUNT_KEYS + GIFT_KEYS for r in self.redeemables[key]]
        if code == FailureCode.VOUCHER_NOT_ACTIVE:
            pool = self.forced["not_active"]
        elif code == FailureCode.VOUCHER_EXPIRED:
            pool = self.forced["expired"] + self.redeemables["school"]
        elif code == FailureCode.VOUCHER_DISABLED:
            pool = self.forced["disabled"]
        elif code == FailureCode.QUANTITY_EXCEEDED:
            pool = [r for r in everything if r.voucher and r.voucher.redemption_quantity is not None]
        elif code == FailureCode.GIFT_AMOUNT_EXCEEDED:
            pool = [r for key in GIFT_KEYS for r in self.redeemables[key]]
        elif code == FailureCode.ORDER_RULES_VIOLATED:
            pool = self.redeemables["bf"] + self.redeemables["bundle"] + self.redeemables["delivery"]
        elif code == FailureCode.CUSTOMER_RULES_VIOLATED:
            pool = self.redeemables["vip"] + self.redeemables["loyalty"]
        elif code == FailureCode.REDEMPTION_RULES_VIOLATED:
            pool = self.redeemables["welcome"] if self.welcome_users else []
        elif code == FailureCode.MISSING_ORDER_ITEMS:
            pool = self.redeemables["bundle"]
        elif code == FailureCode.MISSING_CUSTOMER:
            pool = self.redeemables["welcome"]
        else:
            pool = everything
        return pool

    def store_rule_failure(self, moment: datetime, r: _Redeemable, code: FailureCode) -> bool:
        """Build the customer or order that breaks ``r``'s rule for ``code``; False if there is none."""
        kinds = {
            FailureCode.ORDER_RULES_VIOLATED: _ORDER_KINDS,
            FailureCode.CUSTOMER_RULES_VIOLATED: ("segment", "customer_tier"),
            FailureCode.REDEMPTION_RULES_VIOLATED: ("per_customer",),
        }[code]
        rule = next((rule for rule in r.rules if rule.kind in kinds), None)
        if rule is None:
            return False
        if code == FailureCode.ORDER_RULES_VIOLATED:
            customer = self.customer_for(r)
            if customer is None and any(rl.kind not in _ORDER_KINDS for rl in r.rules):
                return False
            if rule.kind == "min_amount":
                items = self.items(below=int(rule.value))
            else:
                items = [_item(p, 1) for p in self.rng.sample(PRODUCTS[1:], 2)]
            order = self.order(moment, customer, items)
        else:
            customer = self.customer_for(r, violate=rule.kind)
            if customer is None:
                return False
            order = self.order_for(moment, customer, [r])
        if self.rule_failure(r, customer, order) != code:
            return False
        self.store_failure(moment, r, code, customer=customer, order=order)
        return True

    def store_failure(
        self,
        moment: datetime,
        r: _Redeemable | None,
        code: FailureCode,
        *,
        unknown: str = "",
        customer: Customer | None = None,
        order: Order | None = None,
        credits: int | None = None,
    ) -> None:
        """Write the failed attempt (``rf_``), its log (the error of API.md section 3) and its event."""
        rng = self.rng
        if customer is None and code != FailureCode.MISSING_CUSTOMER:
            customer = (r and r.voucher and r.voucher.holder) or rng.choice(self.customers)
        if order is None:
            order = self.broken_order(moment, customer, r, code, credits)
        channel = self.api_channel()
        if r is not None and r.is_gift and credits is None:
            credits = self.gift_request(r, order.amount) if r.available_credits > 0 else 1_000
        picks = [(r, credits)]
        request = self.request_body(picks, order, customer, None, code=unknown)
        if code == FailureCode.INVALID_PAYLOAD:
            request["redeemables"][0]["gift"] = {"credits": "ten euros"}
        redemption = Redemption(
            id=self.id("rf_", moment),
            created_at=moment,
            result=RedemptionResult.FAILURE,
            status=RedemptionStatus.FAILED,
            failure_code=code,
            failure_message=code.label,
            related_object_type=r.object if r else RelatedObjectType.VOUCHER,
            voucher=r.voucher if r else None,
            voucher_code=r.voucher.code if r and r.voucher else unknown,
            promotion_tier=r.tier if r else None,
            campaign=r.campaign if r else None,
            customer=customer,
            order=order,
            order_amount=order.amount,
            metadata=channel.metadata,
            channel_type=channel.type,
            channel_id=channel.id,
            tracking_id=customer.source_id if customer else self.id("track_", moment),
        )
        not_found = code == FailureCode.RESOURCE_NOT_FOUND
        error = {
            "code": 404 if not_found else 400,
            "key": code.error_key,
            "message": code.label,
            "details": f"Cannot find voucher with id {unknown}" if not_found else (r.code if r else ""),
            "resource_id": redemption.id,
            "resource_type": "redemption",
        }
        log = self.log(moment, channel, "POST", "/v1/redemptions", error["code"], request, error)
        if log is not None:
            error["request_id"] = log.id
        redemption.request_log = log
        self.add(redemption)
        self.redemption_rows += 1
        self.event(
            "redemption.failed",
            moment,
            channel,
            log,
            "redemption",
            redemption.id,
            r.campaign if r else None,
            {"redemption_id": redemption.id, "code": redemption.voucher_code or (r.code if r else ""),
             "failure_code": code.value},
        )  # fmt: skip

    def broken_order(
        self, moment: datetime, customer: Customer | None, r: _Redeemable | None, code: FailureCode, credits: int | None
    ) -> Order:
        """The order the client sent with a failing call: as the rules want it, except for the shape codes."""
        if code == FailureCode.MISSING_ORDER_ITEMS:
            return self.order(moment, customer, [], amount=self.rng.choice((9_900, 15_000, 24_900)))
        if code == FailureCode.MISSING_AMOUNT:
            items = [{k: v for k, v in line.items() if k not in ("price", "amount", "subtotal_amount")}
                     for line in self.items()]  # fmt: skip
            return self.order(moment, customer, items, amount=None)
        if code == FailureCode.INVALID_AMOUNT:
            items = self.items()
            wrong = sum(line["amount"] for line in items) + self.rng.choice((1, 100, 10_000))
            return self.order(moment, customer, items, amount=wrong)
        if code == FailureCode.INVALID_ORDER:
            items = self.items()
            items.append({**_item(self.rng.choice(ACCESSORIES), 1), "quantity": 0})
            return self.order(moment, customer, items, amount=sum(line["amount"] for line in items[:-1]))
        order = self.order_for(moment, customer, [r] if r else [])
        if credits is not None and (order.amount or 0) < credits:
            extra = self.items(minimum=credits - (order.amount or 0))
            order.items = [*order.items, *extra]
            order.amount = order.initial_amount = order.total_amount = sum(li["amount"] for li in order.items)
        return order

    # -- validations and sessions -------------------------------------------------------------------------

    def validate_call(self, moment: datetime, *, outcome: str | None = None) -> None:
        """A standalone validation: mostly codes that work for this customer and order, some expired,
        disabled or unknown ones and promotion tiers, evaluated by the engine; a valid one often opens a
        LOCK session. Older than the 30 days kept, only a session leaves a trace. With ``outcome`` (ACTIVE or a
        release reason), one code that works, and a session that ends so."""
        rng = self.rng
        hold = outcome is not None
        first = self.pick_for_success(DISCOUNT_KEYS + GIFT_KEYS)
        # Shoppers mostly validate codes that work; some paste an old or used one.
        for _ in range(30 if hold else 3 if rng.random() < 0.75 else 0):
            if self.own_failure(first, moment, credits=1 if first.is_gift else 0) is None and self.customer_for(first):
                break
            first = self.pick_for_success(DISCOUNT_KEYS + GIFT_KEYS)
        customer = self.customer_for(first) or rng.choice(self.customers)
        if not hold and rng.random() < 0.06:
            customer = None
        picks: list[tuple[_Redeemable | None, str]] = [(first, first.code)]
        for _ in range(0 if hold else rng.choice((0, 0, 0, 1, 1, 2))):
            roll = rng.random()
            if roll < 0.5:
                r = self.pick_for_success(DISCOUNT_KEYS + GIFT_KEYS)
            elif roll < 0.8:
                r = (customer and self.customer_tier(customer)) or self.redeemables["delivery"][0]
            elif roll < 0.96:
                r = rng.choice(self.forced["expired"] + self.forced["disabled"] + self.forced["not_active"])
            else:
                r = None
            code = r.code if r else rng.choice(UNKNOWN_CODES)
            if all(code != c for _, c in picks):
                picks.append((r, code))
        known = [r for r, _ in picks if r is not None]
        fits = hold or rng.random() < 0.85
        order = self.order_for(moment, customer, known) if fits else self.order(moment, customer, self.items())
        facts = []
        gifts: list[tuple[_Redeemable | None, int | None]] = []
        for r, code in picks:
            credits = None
            if r is not None and r.is_gift:
                credits = self.gift_request(r, order.amount) if r.available_credits > 0 else 1_000
            gifts.append((r, credits))
            failure = FailureCode.RESOURCE_NOT_FOUND if r is None else (
                self.own_failure(r, moment, credits or 0) or self.rule_failure(r, customer, order)
            )  # fmt: skip
            facts.append(
                engine.RedeemableFacts(
                    object=r.object if r else "voucher",
                    id=code,
                    failure=engine.Failure(failure.value, failure.label, code) if failure else None,
                    category=r.facts_category if r else None,
                    discount=r.facts_discount if r else None,
                    gift_credits=credits,
                )
            )
        result = engine.evaluate_stack(self.settings, facts, engine.OrderFacts(amount=order.amount or 0))
        channel = self.api_channel()
        locked = [
            (r, res)
            for (r, _), res in zip(gifts, result.results, strict=True)
            if r is not None and r.voucher is not None and res.status == "APPLICABLE"
        ]
        session = None
        if result.valid and locked and customer is not None and (hold or rng.random() < 0.6):
            session = self.open_session(moment, channel, customer, locked, outcome=outcome)
        if session is None and moment < self.now - VALIDATIONS_KEPT:
            return  # purged long ago; its order stays, as orders do
        tracking = customer.source_id if customer else self.id("track_", moment)
        self.validation(moment, channel, customer, order, gifts, result, session, tracking, codes=[c for _, c in picks])

    def validation(
        self,
        moment: datetime,
        channel: _Channel,
        customer: Customer | None,
        order: Order,
        picks: Sequence[tuple[_Redeemable | None, int | None]],
        result: engine.StackResult,
        session: ValidationSession | None,
        tracking: str,
        codes: Sequence[str] | None = None,
    ) -> None:
        """The Validation row (if within the 30 days kept), its log and a voucher.validated event per voucher."""
        validation_id = self.id("valid_", moment)
        request = self.request_body(picks, order, customer, session)
        if codes is not None:
            for item, code in zip(request["redeemables"], codes, strict=True):
                item["id"] = code
        redeemables = []
        for (r, _), res in zip(picks, result.results, strict=True):
            redeemables.append(self.redeemable_json(r, res, order))
        counts = {status: sum(res.status == status for res in result.results) for status in engine.Status}
        response = {
            "id": validation_id,
            "valid": result.valid,
            "redeemables": [{k: item[k] for k in ("status", "id", "object")} for item in redeemables],
            "order": {"amount": order.amount, "total_discount_amount": result.total_discount_amount,
                      "total_amount": result.total_amount},
            "tracking_id": tracking,
        }  # fmt: skip
        if session is not None:
            response["session"] = {"key": session.key, "type": "LOCK", "ttl": float(session.ttl),
                                   "ttl_unit": session.ttl_unit}  # fmt: skip
        log = self.log(moment, channel, "POST", "/v1/validations", 200, request, response)
        for item in redeemables:
            error = item["result"].get("error")
            if error is not None and log is not None:
                error["request_id"] = log.id
        if moment >= self.now - VALIDATIONS_KEPT:
            self.add(
                Validation(
                    id=validation_id,
                    created_at=moment,
                    valid=result.valid,
                    customer=customer,
                    order=order,
                    order_amount=order.amount,
                    discount_amount=result.total_discount_amount,
                    session_key=session.key if session else "",
                    redeemables=redeemables,
                    applicable_count=counts[engine.Status.APPLICABLE],
                    inapplicable_count=counts[engine.Status.INAPPLICABLE],
                    skipped_count=counts[engine.Status.SKIPPED],
                    tracking_id=tracking,
                    channel_type=channel.type,
                    channel_id=channel.id,
                    request_log=log,
                )
            )
        for (r, _), res in zip(picks, result.results, strict=True):
            if r is not None and r.voucher is not None and res.status == "APPLICABLE":
                self.event(
                    "voucher.validated",
                    moment,
                    channel,
                    log,
                    "voucher",
                    r.voucher.id,
                    r.campaign,
                    {"validation_id": validation_id, "code": r.code, "valid": result.valid},
                )
        if session is not None:
            first = next(r for r, _ in picks if r is not None and r.voucher is not None)
            self.event(
                "session.created",
                moment,
                channel,
                log,
                "session",
                session.key,
                first.campaign,
                {"key": session.key, "ttl": float(session.ttl), "ttl_unit": session.ttl_unit},
            )

    def redeemable_json(self, r: _Redeemable | None, res: engine.RedeemableResult, order: Order) -> dict:
        """One redeemable of a validation, in the API's shape (API.md section 5.1)."""
        item: dict = {"status": str(res.status), "id": res.id, "object": res.object}
        if res.status == engine.Status.APPLICABLE:
            assert r is not None
            if r.is_gift:
                result = {"gift": {"balance": r.available_credits, "credits": res.gift_credits}}
            else:
                result = {"discount": discount_json(r.tier or r.voucher)}
            item["order"] = {
                "amount": order.amount,
                "total_discount_amount": (order.amount or 0) - res.order_total_after,
                "total_amount": res.order_total_after,
            }
        elif res.status == engine.Status.INAPPLICABLE:
            assert res.failure is not None
            code = FailureCode(res.failure.code)
            error = {
                "code": 404 if code == FailureCode.RESOURCE_NOT_FOUND else 400,
                "key": code.error_key,
                "message": code.label,
                "details": res.failure.details,
            }
            result = {"error": error, "details": {"key": code.error_key, "message": code.label}}
        else:
            assert res.skip_reason is not None
            result = {"details": {"key": str(res.skip_reason), "message": SKIP_MESSAGES[str(res.skip_reason)]}}
        item["result"] = result
        if r is not None:
            item["campaign_id"] = r.campaign.id
            item["campaign_name"] = r.campaign.name
            item["categories"] = [category_json(r.campaign.category)] if r.campaign.category else []
            if r.tier is not None:
                item["name"] = r.tier.name
        return item

    def new_session(
        self, moment: datetime, channel: _Channel, customer: Customer, ttl: int, unit: str
    ) -> ValidationSession:
        session = ValidationSession(
            key=self.id("ssn_", moment),
            ttl=Decimal(ttl),
            ttl_unit=unit,
            expires_at=moment + ttl_to_timedelta(ttl, unit),
            customer=customer,
            channel_type=channel.type,
            channel_id=channel.id,
            created_at=moment,
            updated_at=moment,
        )
        self.add(session)
        return session

    def open_session(
        self,
        moment: datetime,
        channel: _Channel,
        customer: Customer,
        locked: Sequence[tuple[_Redeemable, engine.RedeemableResult]],
        *,
        outcome: str | None = None,
    ) -> ValidationSession:
        """A LOCK session holding one redemption (and the credits) of each applied voucher until it is
        released or expires; the locks count on the vouchers meanwhile. ``outcome`` (ACTIVE or a release
        reason) decides how it ends; the caller picks a time at which that outcome can happen."""
        ttl, unit = self.weighted(((7, TtlUnit.DAYS), (1, TtlUnit.HOURS), (30, TtlUnit.MINUTES)), (6, 2, 2))
        if outcome is not None:
            ttl, unit = 7, TtlUnit.DAYS
        session = self.new_session(moment, channel, customer, ttl, unit)
        locks = []
        for r, res in locked:
            assert r.voucher is not None
            lock = SessionLock(
                session=session, voucher=r.voucher, quantity=1, credits=res.gift_credits, created_at=moment
            )
            self.add(lock)
            locks.append((r, lock))
            r.voucher.locked_quantity += 1
            r.voucher.locked_credits += res.gift_credits
        rng = self.rng
        expired = session.expires_at <= self.now
        if outcome is None:
            if expired:
                outcome = ReleaseReason.EXPIRED if rng.random() < 0.65 else rng.choice(_BY_HAND)
            else:
                outcome = SessionStatus.ACTIVE if rng.random() < 0.6 else rng.choice(_BY_HAND)
        if outcome == SessionStatus.ACTIVE:
            return session  # its locks stay on the vouchers
        if outcome == ReleaseReason.EXPIRED:
            self.push(session.expires_at, "release", (session, locks, outcome))
        else:
            until = min(session.expires_at, self.now - timedelta(seconds=1))
            self.push(self.between(moment, until), "release", (session, locks, outcome))
        return session

    def release(
        self,
        moment: datetime,
        session: ValidationSession,
        locks: Sequence[tuple[_Redeemable, SessionLock]],
        reason: str,
    ) -> None:
        session.status = SessionStatus.EXPIRED if reason == ReleaseReason.EXPIRED else SessionStatus.RELEASED
        session.release_reason = reason
        session.released_at = session.updated_at = moment
        if reason == ReleaseReason.MANUAL:
            channel = self.user_channel()
        elif reason == ReleaseReason.API:
            channel = self.api_channel()
        else:
            channel = _Channel(ChannelType.API, "")  # the expiry task
        for index, (r, lock) in enumerate(locks):
            assert r.voucher is not None
            lock.released_at = moment
            r.voucher.locked_quantity -= lock.quantity
            r.voucher.locked_credits -= lock.credits
            # The API releases one voucher's lock per call, so each call has its log and event; the dashboard
            # and the expiry task release the whole session at once.
            if reason == ReleaseReason.API or index == 0:
                path = f"/v1/vouchers/{r.code}/sessions/{session.key}"
                log = self.log(moment, channel, "DELETE", path, 204) if reason == ReleaseReason.API else None
                data = {"key": session.key, "reason": reason, "code": r.code}
                self.event("session.released", moment, channel, log, "session", session.key, r.campaign, data)

    def redeemed_session(
        self,
        opened: datetime,
        redeemed: datetime,
        channel: _Channel,
        customer: Customer,
        vouchers: Sequence[tuple[_Redeemable, engine.RedeemableResult]],
    ) -> ValidationSession:
        """The session of a validate-then-redeem flow, consumed by the redemption at ``redeemed``."""
        session = self.new_session(opened, channel, customer, 7, TtlUnit.DAYS)
        session.status = SessionStatus.RELEASED
        session.release_reason = ReleaseReason.REDEEMED
        session.released_at = session.updated_at = redeemed
        for r, res in vouchers:
            self.add(
                SessionLock(
                    session=session,
                    voucher=r.voucher,
                    quantity=1,
                    credits=res.gift_credits,
                    created_at=opened,
                    released_at=redeemed,
                )
            )
        return session


_OWN_CODES = (
    FailureCode.VOUCHER_NOT_ACTIVE,
    FailureCode.VOUCHER_EXPIRED,
    FailureCode.VOUCHER_DISABLED,
    FailureCode.QUANTITY_EXCEEDED,
)
_RULE_CODES = (
    FailureCode.ORDER_RULES_VIOLATED,
    FailureCode.CUSTOMER_RULES_VIOLATED,
    FailureCode.REDEMPTION_RULES_VIOLATED,
)
_ORDER_KINDS = ("min_amount", "product")
_BY_HAND = (ReleaseReason.MANUAL, ReleaseReason.API)


# --- plain helpers ------------------------------------------------------------------------------------------


def _matches(metadata: dict, conditions: dict) -> bool:
    """Whether customer metadata matches an auto-update segment filter (every key; a list means any of)."""
    for key, expected in conditions.items():
        allowed = expected if isinstance(expected, list) else [expected]
        if metadata.get(key) not in allowed:
            return False
    return True


def _has_product(order: Order, product: object) -> bool:
    return any(line.get("product", {}).get("source_id") == product for line in order.items)


def _item(product: tuple[str, str, str, int], quantity: int) -> dict:
    source, sku, name, price = product
    return {
        "object": "order_item",
        "source_id": sku,
        "related_object": "sku",
        "quantity": quantity,
        "price": price,
        "amount": price * quantity,
        "subtotal_amount": price * quantity,
        "discount_amount": 0,
        "product": {"source_id": source, "name": name, "price": price},
    }


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _discount_json_from(fields: dict) -> dict:
    body = {"type": str(fields["discount_type"]), "effect": Effect.APPLY_TO_ORDER.value}
    if fields.get("percent_off") is not None:
        body["percent_off"] = _number(fields["percent_off"])
    for key in ("amount_off", "fixed_amount", "amount_limit"):
        if fields.get(key) is not None:
            body[key] = fields[key]
    return body


def _order_request(order: Order) -> dict:
    body: dict = {"source_id": order.source_id, "items": order.items}
    if order.amount is not None:
        body["amount"] = order.amount
    return body


def _order_json(order: Order) -> dict:
    return {
        "id": order.id,
        "source_id": order.source_id,
        "status": order.status,
        "amount": order.amount,
        "discount_amount": order.discount_amount,
        "total_discount_amount": order.total_discount_amount,
        "total_amount": order.total_amount,
        "object": "order",
    }


def _redemption_json(redemption: Redemption) -> dict:
    return {
        "id": redemption.id,
        "object": "redemption",
        "date": _iso(redemption.created_at),
        "result": redemption.result,
        "status": redemption.status,
        "amount": redemption.amount,
        "related_object_type": redemption.related_object_type,
        "related_object_id": redemption.voucher_id or redemption.promotion_tier_id or redemption.id,
        "redemption": redemption.parent_id,
    }


def _rollback_json(rollback: Rollback) -> dict:
    return {
        "id": rollback.id,
        "object": "redemption_rollback",
        "date": _iso(rollback.created_at),
        "redemption": rollback.redemption_id,
        "reason": rollback.reason,
        "result": rollback.result,
        "status": rollback.status,
        "amount": rollback.amount,
    }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
