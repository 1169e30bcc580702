"""``seed_demo``'s small demo: the shop and its last 90 days, made by the product's own services.

What a run guarantees (tests/demo/test_seed_demo.py checks it):

- **Rows the product would write**: the catalogue is created by the admin through the campaign, voucher,
  customer, segment, rule and category services (:mod:`demo.shop`); every validation, redemption
  (single and stacked), rollback and session release is the service call its endpoint makes, with the
  typed request its schema builds, and an API call's request log is the middleware's (:mod:`demo.channels`).
  The books (quantities, gift balances and their ledger, locks) are therefore the engine's own.
- **History**: the clock is moved forward over the last 90 days (:mod:`demo.clock`), so rows, ids and
  events carry the moment of their call and ids sort by time. Validations are made in the last 30 days
  only (older ones would have been purged); the daily session expiry runs as the beat would.
- **Coverage**: each of the fifteen failure codes, the three campaign types, sessions of every status,
  rolled back and stacked redemptions, API key and dashboard user channels (:mod:`demo.history`).
- **Reproducible**: the same seed gives the same data relative to "now" (voucher codes, customers,
  amounts); ids differ in their random part, which the product draws from ``secrets``.
- **Once**: the marker campaign says the demo is loaded; ``reset`` deletes what a run made first
  (:func:`delete_demo_data`). Everything runs in one transaction.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.fields.json import KT
from django.utils import timezone

from auditlog.models import Event, RequestLog
from campaigns.models import (
    Campaign,
    Customer,
    Order,
    PromotionTier,
    Publication,
    Segment,
    ValidationRule,
    Voucher,
    VoucherTransaction,
)
from loyalty.models import Reward
from redemptions.models import Redemption, Rollback, Validation
from referrals.models import ReferralTier
from sessions.models import SessionLock, ValidationSession
from stacking.models import Category
from stacking.services import held_for_load

from .bodies import Bodies
from .catalogue import (
    CATEGORIES,
    DEFAULT_REDEMPTIONS,
    DEFAULT_SEED,
    DEMO,
    HISTORY,
    MARKER_CAMPAIGN,
    MIN_REDEMPTIONS,
    PAY_WITH_POINTS,
    REFERRAL_BONUS,
    REWARD,
    Namespace,
)
from .channels import Channel, api_channels
from .clock import Traveller
from .history import Story
from .shop import ShopBuilder
from .users import DemoUser, ensure_demo_users

COUNTED = (
    ("campaigns", Campaign),
    ("vouchers", Voucher),
    ("promotion tiers", PromotionTier),
    ("customers", Customer),
    ("publications", Publication),
    ("orders", Order),
    ("redemptions", Redemption),
    ("rollbacks", Rollback),
    ("validations", Validation),
    ("sessions", ValidationSession),
    ("gift card transactions", VoucherTransaction),
    ("request logs", RequestLog),
    ("events", Event),
)


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
    now=None,
) -> SeedResult:
    """Ensure the demo users and, unless present, create the demo data with exactly ``redemptions``
    Redemption rows (stacked parents included); with ``reset`` the previous demo data goes first."""
    if redemptions < MIN_REDEMPTIONS:
        raise ValueError(f"at least {MIN_REDEMPTIONS} redemptions are needed to cover every case")
    started = time.monotonic()
    with transaction.atomic(), quiet_queries(), held_for_load():
        users = ensure_demo_users(password=password)
        deleted = delete_demo_data() if reset else None
        if demo_data_present():
            return SeedResult(users, None, deleted, time.monotonic() - started)
        before = {label: model.objects.count() for label, model in COUNTED}
        replay(redemptions, seed, now or timezone.now())
        created = {label: model.objects.count() - before[label] for label, model in COUNTED}
    return SeedResult(users, created, deleted, time.monotonic() - started)


def replay(redemptions: int, seed: int, now, names: Namespace = DEMO) -> None:
    """Make the shop in ``names`` and its last :data:`HISTORY` with ``redemptions`` Redemption rows, through
    the product's services under a moved clock (the caller holds the transaction)."""
    admin_user = get_user_model().objects.get(username="admin")
    admin = Channel("admin", user=admin_user)
    with Traveller(now - HISTORY, now) as traveller:
        shop = ShopBuilder(random.Random(f"{seed}:shop"), admin.caller(None), now, redemptions, names).build()
        bodies = Bodies(random.Random(f"{seed}:bodies"), shop)
        story = Story(traveller=traveller, bodies=bodies, channels=api_channels(admin_user), admin=admin, seed=seed)
        story.run(redemptions)


@contextmanager
def quiet_queries() -> Iterator[None]:
    """With DEBUG on (``make run``) Django keeps and logs every statement; the load makes tens of thousands."""
    debug = settings.DEBUG
    settings.DEBUG = False
    try:
        yield
    finally:
        settings.DEBUG = debug


def demo_data_present() -> bool:
    return Campaign.objects.filter(name=MARKER_CAMPAIGN).exists()


@dataclass(frozen=True)
class DemoRows:
    """What one run of the generator wrote in ``names``, as querysets (subqueries, whatever the size):
    the rows a bulk load clones and the rows :func:`delete_demo_data` deletes."""

    campaigns: QuerySet
    customers: QuerySet
    orders: QuerySet
    vouchers: QuerySet
    publications: QuerySet
    redemptions: QuerySet
    validations: QuerySet
    rollbacks: QuerySet
    sessions: QuerySet

    @classmethod
    def of(cls, names: Namespace) -> DemoRows:
        campaigns = Campaign.objects.filter(name__in=names.campaign_names())
        customers = Customer.objects.filter(source_id__startswith=names.source_prefix)
        orders = Order.objects.filter(source_id__startswith=names.source_prefix)
        redemptions = Redemption.objects.filter(
            Q(order__in=orders) | Q(campaign__in=campaigns) | Q(customer__in=customers)
        )
        locked = SessionLock.objects.filter(voucher__campaign__in=campaigns).values("session_id")
        return cls(
            campaigns=campaigns,
            customers=customers,
            orders=orders,
            vouchers=Voucher.objects.filter(campaign__in=campaigns),
            publications=Publication.objects.filter(Q(campaign__in=campaigns) | Q(customer__in=customers)),
            redemptions=redemptions,
            validations=Validation.objects.filter(Q(order__in=orders) | Q(customer__in=customers)),
            rollbacks=Rollback.objects.filter(redemption__in=redemptions),
            sessions=ValidationSession.objects.filter(Q(customer__in=customers) | Q(key__in=locked)),
        )


def delete_demo_data() -> int:
    """Delete what :func:`seed_demo` created (:class:`DemoRows` of :data:`DEMO`, its rules, segments and
    categories by name) and the audit rows that belong to it; the API keys stay. Returns the rows deleted.
    Everything is selected by subqueries, so the size of the data does not matter."""
    demo = DemoRows.of(DEMO)
    campaigns, customers, orders = demo.campaigns, demo.customers, demo.orders
    redemptions, validations, rollbacks, sessions = demo.redemptions, demo.validations, demo.rollbacks, demo.sessions
    rules = ValidationRule.objects.filter(name__in=DEMO.rule_names())
    segments = Segment.objects.filter(name__in=DEMO.segment_names())
    categories = Category.objects.filter(name__in=[category.name for category in CATEGORIES])
    rewards = Reward.objects.filter(name__in=[DEMO.name(name) for name in (REWARD, PAY_WITH_POINTS, REFERRAL_BONUS)])
    owned = [redemptions, rollbacks, customers, rules, segments, categories, demo.vouchers, demo.publications, rewards]
    events = Event.objects.annotate(validation=KT("data__validation_id")).filter(
        Q(campaign_id__in=campaigns.values("id"))
        | Q(resource_id__in=sessions.values("key"))
        | Q(validation__in=validations.values("id"))  # voucher.validated of an unknown code has no campaign
    )
    for queryset in owned:
        events = events | Event.objects.filter(resource_id__in=queryset.values("id"))
    # Every demo log is referenced by one of these rows, so the logs go first.
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
        demo.publications,
        demo.vouchers,
        ReferralTier.objects.filter(campaign__in=campaigns),  # a tier holds its reward, a reward its campaign
        rewards,
        campaigns,
        rules,
        segments,
        orders,
        customers,
        categories,
    ):
        deleted += queryset.delete()[0]
    return deleted
