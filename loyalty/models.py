"""Loyalty programs: a LOYALTY_PROGRAM campaign's cards (LOYALTY_CARD vouchers held by its members) and
their points.

Every change of a card's points is a row of the append-only ledger (PointsTransaction) written in the
same transaction as the card's running figures, which the database keeps consistent: ``balance`` (what can
be spent) is ``points`` (every point ever added) less ``subtracted_points`` and ``expired_points``, and no
figure goes below zero. The ledger's points of a card add up to its balance.
"""

from fractions import Fraction

from babel.numbers import get_currency_precision
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from campaigns.models import Campaign, Order, Voucher
from voucherhub.ids import ID_LENGTH, id_default


class LoyaltyCard(models.Model):
    """The points of one card. ``voucher`` is the card itself (its code, holder, dates, active flag)."""

    voucher = models.OneToOneField(Voucher, primary_key=True, on_delete=models.CASCADE, related_name="loyalty")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="loyalty_cards", db_index=False)
    points = models.BigIntegerField(default=0, help_text="Every point ever added to the card.")
    subtracted_points = models.BigIntegerField(default=0, help_text="Points removed, spent or transferred out.")
    expired_points = models.BigIntegerField(default=0)
    balance = models.BigIntegerField(default=0, help_text="Points the member can spend.")
    pending_points = models.BigIntegerField(default=0, help_text="Points earned, not usable yet (PendingPoints).")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="loyalty_card_balance_nonneg"),
            models.CheckConstraint(
                condition=Q(points__gte=0, subtracted_points__gte=0, expired_points__gte=0, pending_points__gte=0),
                name="loyalty_card_figures_nonneg",
            ),
            models.CheckConstraint(
                condition=Q(balance=F("points") - F("subtracted_points") - F("expired_points")),
                name="loyalty_card_balance_adds_up",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "-created_at"], name="loyalty_card_campaign_idx"),
            models.Index(fields=["campaign", "-balance"], name="loyalty_card_balance_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.voucher_id}: {self.balance} points"


class LedgerSource(models.TextChoices):
    """Who wrote a ledger row: a call of the API, someone in the dashboard, or a periodic task (pending
    points activated, points expired)."""

    API = "API", "API"
    USER = "USER", "Dashboard"
    SYSTEM = "SYSTEM", "Automation"


class PointsType(models.TextChoices):
    """The kinds of ledger rows, as the platform's loyalty card transaction types spell them."""

    ADDITION = "POINTS_ADDITION", "Points added"
    REMOVAL = "POINTS_REMOVAL", "Points removed"
    TRANSFER_IN = "POINTS_TRANSFER_IN", "Points transferred in"
    TRANSFER_OUT = "POINTS_TRANSFER_OUT", "Points transferred out"
    ACCRUAL = "POINTS_ACCRUAL", "Points earned"
    PENDING_ACTIVATION = "PENDING_POINTS_ACTIVATION", "Pending points activated"
    REDEMPTION = "POINTS_REDEMPTION", "Points spent on a reward"
    REFUND = "POINTS_REFUND", "Points given back"
    EXPIRATION = "POINTS_EXPIRATION", "Points expired"


class PointsTransaction(models.Model):
    """One change of a card's points."""

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=id_default("vtx_"), editable=False)
    card = models.ForeignKey(LoyaltyCard, on_delete=models.CASCADE, related_name="transactions", db_index=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", db_index=False)
    type = models.CharField(max_length=32, choices=PointsType.choices)
    points = models.BigIntegerField(help_text="Signed: added (+) or taken (-).")
    balance = models.BigIntegerField(help_text="The card's balance after this change.")
    total = models.BigIntegerField(help_text="The card's points (every point ever added) after this change.")
    reason = models.CharField(max_length=500, blank=True, default="")
    source_id = models.CharField(max_length=200, blank=True, default="")
    source = models.CharField(max_length=16, blank=True, default="", choices=LedgerSource.choices)
    related_transaction = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    # Points earned: the rule and the order (or event) that earned them; one accrual per rule, card and order.
    earning_rule = models.ForeignKey(
        "EarningRule", null=True, blank=True, on_delete=models.SET_NULL, related_name="transactions", db_index=False
    )
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    event = models.CharField(max_length=64, blank=True, default="", help_text="What earned the points (order.paid).")
    redemption_id = models.CharField(max_length=ID_LENGTH, blank=True, default="", help_text="The reward redemption.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(type__in=PointsType.values), name="points_transaction_type_valid"),
            models.CheckConstraint(condition=~Q(points=0), name="points_transaction_not_zero"),
            models.CheckConstraint(condition=Q(balance__gte=0, total__gte=0), name="points_transaction_nonneg"),
            models.UniqueConstraint(
                fields=["card", "earning_rule", "order"],
                condition=Q(type="POINTS_ACCRUAL", order__isnull=False),
                name="points_earned_once_per_order",
            ),
        ]
        # The ledger grows with every change (and by a million rows a big expiration run): its foreign keys
        # are indexed by these composites, and the rarely set ones only where set.
        indexes = [
            models.Index(fields=["card", "-id"], name="points_tx_card_idx"),
            models.Index(fields=["campaign", "-id"], name="points_tx_campaign_idx"),
            *(
                models.Index(fields=[name], condition=Q(**{f"{name}__isnull": False}), name=f"points_tx_{short}_idx")
                for name, short in (("earning_rule", "rule"), ("order", "order"), ("related_transaction", "related"))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.points:+} on {self.card_id}"


class EarningEvent(models.TextChoices):
    """What an earning rule listens to (a custom event's rule stores the event's name instead)."""

    ORDER_PAID = "order.paid", "Order paid"
    SEGMENT_ENTERED = "customer.segment.entered", "Customer entered a segment"


class EarningRule(models.Model):
    """How a program's members earn points: on an event, FIXED points or points PROPORTIONAL to the order
    (``loyalty`` keeps the platform's own shape: type, points, calculation_type and its ratio), optionally
    pending for some days first, for one tier or all, while active and inside its dates."""

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=id_default("ern_"), editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="earning_rules")
    event = models.CharField(max_length=100)
    custom_event_schema_id = models.CharField(max_length=100, blank=True, default="")
    segment_id = models.CharField(max_length=ID_LENGTH, blank=True, default="")
    loyalty = models.JSONField(default=dict, help_text="type FIXED/PROPORTIONAL, points, calculation_type, ratio.")
    loyalty_tier_id = models.CharField(max_length=ID_LENGTH, blank=True, default="")
    pending_days = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Days before points are usable.")
    banner = models.CharField(max_length=200, blank=True, default="", help_text="The rule's name.")
    active = models.BooleanField(default=True)
    start_date = models.DateTimeField(null=True, blank=True)
    expiration_date = models.DateTimeField(null=True, blank=True)
    validity_day_of_week = models.JSONField(null=True, blank=True)
    expiration_rules = models.JSONField(null=True, blank=True)
    validation_rule_id = models.CharField(max_length=ID_LENGTH, blank=True, default="")
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["campaign", "event"], name="earning_rule_event_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(pending_days__isnull=True) | Q(pending_days__gte=1, pending_days__lte=90),
                name="earning_rule_pending_days_range",
            ),
        ]

    def __str__(self) -> str:
        return self.banner or self.id


class PendingStatus(models.TextChoices):
    PENDING = "PENDING", "Pending"
    ACTIVATED = "ACTIVATED", "Activated"
    CANCELED = "CANCELED", "Canceled"


class PendingPoints(models.Model):
    """Points earned by an order whose rule holds them for some days: they join the card's balance when
    activated (on ``activates_at`` by the beat task, or earlier by hand), or never when canceled."""

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=id_default("lpp_"), editable=False)
    card = models.ForeignKey(LoyaltyCard, on_delete=models.CASCADE, related_name="pending")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    earning_rule = models.ForeignKey(EarningRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    event = models.CharField(max_length=64, blank=True, default="")
    points = models.BigIntegerField()
    activates_at = models.DateField()
    status = models.CharField(max_length=10, choices=PendingStatus.choices, default=PendingStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(points__gt=0), name="pending_points_positive"),
            models.CheckConstraint(condition=Q(status__in=PendingStatus.values), name="pending_points_status_valid"),
            models.UniqueConstraint(
                fields=["card", "earning_rule", "order"],
                condition=Q(order__isnull=False),
                name="pending_points_once_per_order",
            ),
        ]
        indexes = [
            models.Index(fields=["card", "status", "-id"], name="pending_points_card_idx"),
            models.Index(fields=["campaign", "status", "-id"], name="pending_points_campaign_idx"),
            models.Index(fields=["status", "activates_at"], name="pending_points_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.points} pending on {self.card_id}"


class RewardType(models.TextChoices):
    CAMPAIGN = "CAMPAIGN", "From a campaign"  # a discount voucher, gift credits or loyalty points
    COIN = "COIN", "Pay with points"
    MATERIAL = "MATERIAL", "Material item"


class Reward(models.Model):
    """An entry of the rewards catalog, shared by the programs it is assigned to (RewardAssignment gives its
    cost in each). CAMPAIGN: a voucher of a discount campaign, ``balance`` credits on a new gift card, or
    ``balance`` points on the member's card of another program; COIN: points as money (``points_ratio``
    points are worth ``exchange_ratio`` of the currency); MATERIAL: a product or SKU, from ``stock``."""

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=id_default("rew_"), editable=False)
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=10, choices=RewardType.choices)
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    balance = models.BigIntegerField(null=True, blank=True, help_text="Points or gift credits (minor units) given.")
    exchange_ratio = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    points_ratio = models.PositiveIntegerField(null=True, blank=True)
    product_id = models.CharField(max_length=200, blank=True, default="")
    sku_id = models.CharField(max_length=200, blank=True, default="")
    stock = models.PositiveIntegerField(null=True, blank=True, help_text="Units left to give; empty: no limit.")
    redeemed = models.PositiveIntegerField(default=0)
    image_url = models.URLField(max_length=500, blank=True, default="")
    description = models.CharField(max_length=1000, blank=True, default="")
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(type__in=RewardType.values), name="reward_type_valid"),
            models.CheckConstraint(condition=Q(stock__isnull=True) | Q(stock__gte=0), name="reward_stock_nonneg"),
            models.CheckConstraint(
                condition=Q(balance__isnull=True) | Q(balance__gt=0), name="reward_balance_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def point_worth(self) -> Fraction:
        """A COIN reward's one point in minor units of the installation's currency (``points_ratio`` points
        are worth ``exchange_ratio`` of the currency): 100 points for 1.00 EUR is 1 cent a point."""
        minor = Fraction(self.exchange_ratio or 0) * 10 ** get_currency_precision(settings.VOUCHERHUB_CURRENCY)
        return minor / (self.points_ratio or 1)


class RewardAssignment(models.Model):
    """A reward offered by a loyalty program, for ``points`` of a member's card."""

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=id_default("rewa_"), editable=False)
    reward = models.ForeignKey(Reward, on_delete=models.CASCADE, related_name="assignments")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="reward_assignments")
    points = models.BigIntegerField()
    auto_redeem = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(points__gt=0), name="reward_assignment_costs_points"),
            models.UniqueConstraint(fields=["reward", "campaign"], name="reward_assigned_once_per_program"),
        ]

    def __str__(self) -> str:
        return f"{self.reward_id} for {self.points} points"


class LoyaltyTier(models.Model):
    """A level of a program: members whose balance is within [``points_from``, ``points_to``] (no top when
    empty) are in it, so a member's tier follows their points as they change (loyalty.queries.tier_of).
    ``earning_rules`` and ``rewards`` map a rule or reward id to what the tier changes: ``{"type":
    "MULTIPLY", "multiplier": 2}`` or ``{"type": "CUSTOM", "points": 150}``."""

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=id_default("ltr_"), editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="loyalty_tiers")
    name = models.CharField(max_length=200)
    points_from = models.BigIntegerField()
    points_to = models.BigIntegerField(null=True, blank=True)
    earning_rules = models.JSONField(default=dict, blank=True)
    rewards = models.JSONField(default=dict, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["points_from", "id"]
        indexes = [models.Index(fields=["campaign", "points_from"], name="loyalty_tier_campaign_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(points_from__gte=0), name="loyalty_tier_from_nonneg"),
            models.CheckConstraint(
                condition=Q(points_to__isnull=True) | Q(points_to__gte=F("points_from")), name="loyalty_tier_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BucketStatus(models.TextChoices):
    ACTIVE = "ACTIVE", "Active"  # a bucket spent or expired is deleted: the ledger keeps the history


class PointsBucket(models.Model):
    """Points added to a card of a program whose points expire, and what is left of them (``remaining``)
    until ``expires_at``. Spending takes from the soonest-expiring buckets first; at ``expires_at`` the beat
    task expires what is left (loyalty.services.expiration). A bucket spent or expired is deleted. What a
    card's buckets hold never exceeds its balance (points added before the program's points expired have no
    bucket and never expire)."""

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=id_default("lpb_"), editable=False)
    card = models.ForeignKey(LoyaltyCard, on_delete=models.CASCADE, related_name="buckets", db_index=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", db_index=False)
    points = models.BigIntegerField()
    remaining = models.BigIntegerField()
    expires_at = models.DateField()
    status = models.CharField(max_length=8, choices=BucketStatus.choices, default=BucketStatus.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["expires_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(points__gt=0), name="points_bucket_positive"),
            models.CheckConstraint(
                condition=Q(remaining__gte=0, remaining__lte=F("points")), name="points_bucket_left"
            ),
            models.CheckConstraint(condition=Q(status__in=BucketStatus.values), name="points_bucket_status_valid"),
        ]
        indexes = [
            models.Index(fields=["card", "expires_at"], name="points_bucket_card_idx"),
            # A program's Points expiration tab, soonest first, keyset-paged (loyalty.tables.BucketTable).
            models.Index(fields=["campaign", "expires_at", "id"], name="points_bucket_program_idx"),
            models.Index(fields=["expires_at", "card"], condition=Q(status="ACTIVE"), name="points_bucket_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.remaining} of {self.points} on {self.card_id} until {self.expires_at}"


class ProgramFigures(models.Model):
    """A big program's totals as of ``computed_at`` (loyalty.services.figures, refreshed every minute by the
    beat): the overview's Total points and the Tiers tab's member counts read them instead of adding up a
    million cards on every page. Programs of up to ``figures.LIVE_LIMIT`` cards have none: their pages
    add up live."""

    campaign = models.OneToOneField(Campaign, primary_key=True, on_delete=models.CASCADE, related_name="+")
    cards = models.BigIntegerField(default=0)
    members = models.BigIntegerField(default=0)
    points = models.BigIntegerField(default=0)
    subtracted = models.BigIntegerField(default=0)
    expired = models.BigIntegerField(default=0)
    balance = models.BigIntegerField(default=0)
    pending = models.BigIntegerField(default=0)
    tier_members = models.JSONField(default=dict, blank=True, help_text="Tier id: members in it.")
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "program figures"

    def __str__(self) -> str:
        return f"{self.campaign_id} as of {self.computed_at:%Y-%m-%d %H:%M}"
