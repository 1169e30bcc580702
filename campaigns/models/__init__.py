"""Campaigns, vouchers, promotion tiers (and their stacks, in .stacks), customers, segments, orders,
validation rules, gift transactions.

Money is integer minor units everywhere (200000 = 2,000.00). Times are UTC. Every limit the engine
enforces is also a database constraint, so that a bug cannot oversell.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from stacking.models import Category
from voucherhub.ids import ID_LENGTH, id_default, new_id
from voucherhub.jobs import BackgroundJob

# Re-exported: every campaigns model is imported from campaigns.models.
from .figures import CampaignFigures as CampaignFigures
from .stacks import MAX_STACK_TIERS as MAX_STACK_TIERS
from .stacks import PromotionStack as PromotionStack
from .stacks import PromotionStackTier as PromotionStackTier


class CampaignType(models.TextChoices):
    DISCOUNT_COUPONS = "DISCOUNT_COUPONS", "Discount coupons"
    GIFT_VOUCHERS = "GIFT_VOUCHERS", "Gift cards"
    PROMOTION = "PROMOTION", "Promotion"
    LOYALTY_PROGRAM = "LOYALTY_PROGRAM", "Loyalty program"
    REFERRAL_PROGRAM = "REFERRAL_PROGRAM", "Referral program"


class CampaignGeneration(models.TextChoices):
    STATIC = "STATIC", "Static"
    AUTO_UPDATE = "AUTO_UPDATE", "Auto update"
    STANDALONE = "STANDALONE", "Standalone"


class CreationStatus(models.TextChoices):
    DONE = "DONE", "Done"
    IN_PROGRESS = "IN_PROGRESS", "In progress"
    FAILED = "FAILED", "Failed"
    DRAFT = "DRAFT", "Draft"
    MODIFYING = "MODIFYING", "Modifying"


class VoucherType(models.TextChoices):
    DISCOUNT_VOUCHER = "DISCOUNT_VOUCHER", "Discount voucher"
    GIFT_VOUCHER = "GIFT_VOUCHER", "Gift card"
    LOYALTY_CARD = "LOYALTY_CARD", "Loyalty card"


class DiscountType(models.TextChoices):
    PERCENT = "PERCENT", "Percent"
    AMOUNT = "AMOUNT", "Amount"
    FIXED = "FIXED", "Fixed price"


class Effect(models.TextChoices):
    APPLY_TO_ORDER = "APPLY_TO_ORDER", "Whole order"
    APPLY_TO_ITEMS = "APPLY_TO_ITEMS", "Matching items"


class OrderStatus(models.TextChoices):
    CREATED = "CREATED", "Created"
    PAID = "PAID", "Paid"
    CANCELED = "CANCELED", "Canceled"
    FULFILLED = "FULFILLED", "Fulfilled"


class Discount(models.Model):
    """The discount of a discount voucher or a promotion tier (abstract; the columns repeat in both).

    PERCENT takes ``percent_off`` (capped by ``amount_limit`` when set), AMOUNT ``amount_off``,
    FIXED ``fixed_amount`` (the order total becomes that amount).
    """

    discount_type = models.CharField(max_length=10, choices=DiscountType.choices, blank=True, default="")
    percent_off = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    amount_off = models.BigIntegerField(null=True, blank=True)
    fixed_amount = models.BigIntegerField(null=True, blank=True)
    amount_limit = models.BigIntegerField(null=True, blank=True)
    discount_effect = models.CharField(max_length=20, choices=Effect.choices, default=Effect.APPLY_TO_ORDER)

    class Meta:
        abstract = True

    @classmethod
    def discount_constraints(cls, prefix: str) -> list[models.BaseConstraint]:
        return [
            models.CheckConstraint(
                condition=Q(discount_type__in=["", *DiscountType.values]), name=f"{prefix}_discount_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(discount_effect__in=Effect.values), name=f"{prefix}_discount_effect_valid"
            ),
            models.CheckConstraint(
                condition=Q(percent_off__isnull=True) | Q(percent_off__gte=0, percent_off__lte=100),
                name=f"{prefix}_percent_off_range",
            ),
            models.CheckConstraint(
                condition=Q(amount_off__isnull=True) | Q(amount_off__gte=0), name=f"{prefix}_amount_off_nonneg"
            ),
            models.CheckConstraint(
                condition=Q(fixed_amount__isnull=True) | Q(fixed_amount__gte=0),
                name=f"{prefix}_fixed_amount_nonneg",
            ),
            models.CheckConstraint(
                condition=Q(amount_limit__isnull=True) | Q(amount_limit__gte=0),
                name=f"{prefix}_amount_limit_nonneg",
            ),
        ]


class Customer(models.Model):
    """A shop's customer, created on first sight; ``source_id`` is the shop's own id."""

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=id_default("cust_"), editable=False)
    source_id = models.CharField(max_length=200, unique=True, null=True, blank=True)
    name = models.CharField(max_length=200, blank=True, default="")
    email = models.EmailField(max_length=254, blank=True, default="")
    description = models.TextField(blank=True, default="")
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["email"], name="customer_email_idx")]

    def __str__(self) -> str:
        return self.name or self.source_id or self.id


class Segment(models.Model):
    """A customer segment: a static list of customers, or an auto-update filter on metadata."""

    class Type(models.TextChoices):
        STATIC = "static", "Static"
        AUTO_UPDATE = "auto-update", "Auto update"

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=id_default("seg_"), editable=False)
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=20, choices=Type.choices, default=Type.STATIC)
    customers = models.ManyToManyField(Customer, blank=True, related_name="segments")
    # For auto-update segments: {"<metadata key>": <value> or [values]}; a customer matches all keys.
    filter = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(type__in=["static", "auto-update"]), name="segment_type_valid")
        ]

    def __str__(self) -> str:
        return self.name


class ValidationRule(models.Model):
    """A named set of conditions, evaluated by the engine; assigned to objects."""

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=id_default("val_"), editable=False)
    name = models.CharField(max_length=200)
    # {"1": {"name": "order.amount", "conditions": {"$more_than": [1000]}, ...}, "logic": "1 and 2"}
    rules = models.JSONField(default=dict)
    error_message = models.CharField(max_length=500, blank=True, default="")
    applicable_to = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name


class Campaign(models.Model):
    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=id_default("camp_"), editable=False)
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True, default="")
    campaign_type = models.CharField(max_length=20, choices=CampaignType.choices)
    type = models.CharField(max_length=20, choices=CampaignGeneration.choices, default=CampaignGeneration.STATIC)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="campaigns")
    active = models.BooleanField(default=True)
    start_date = models.DateTimeField(null=True, blank=True)
    expiration_date = models.DateTimeField(null=True, blank=True)
    # The template new vouchers are generated from: type, discount, gift, redemption.quantity, code_config.
    voucher_template = models.JSONField(default=dict, blank=True)
    # REFERRAL_PROGRAM only, in the platform's shape: how a referral converts (``conversion_event_type``
    # "redemption" of the code or a "custom_event" of that ``custom_event.name``) and the ``referee_reward``
    # (``amount`` points or gift credits in the ``related_object_parent`` campaign). Empty for other types.
    referral_program = models.JSONField(default=dict, blank=True)
    creation_status = models.CharField(max_length=20, choices=CreationStatus.choices, default=CreationStatus.DONE)
    metadata = models.JSONField(default=dict, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(campaign_type__in=CampaignType.values), name="campaign_type_valid"),
            models.CheckConstraint(condition=Q(type__in=CampaignGeneration.values), name="campaign_generation_valid"),
            models.CheckConstraint(
                condition=Q(creation_status__in=CreationStatus.values), name="campaign_creation_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(expiration_date__isnull=True)
                | Q(start_date__lte=F("expiration_date")),
                name="campaign_dates_ordered",
            ),
        ]
        indexes = [models.Index(fields=["campaign_type", "active"], name="campaign_type_active_idx")]

    def __str__(self) -> str:
        return self.name


class PromotionTier(Discount):
    """One level of a PROMOTION campaign; applies without a code (redeemable object ``promotion_tier``)."""

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=id_default("promo_"), editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="tiers")
    name = models.CharField(max_length=200)
    banner = models.CharField(max_length=500, blank=True, default="")
    position = models.PositiveIntegerField(default=1, help_text="Order of the tier within its campaign.")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="tiers")
    active = models.BooleanField(default=True)
    start_date = models.DateTimeField(null=True, blank=True)
    expiration_date = models.DateTimeField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["campaign", "position"]
        constraints = [
            *Discount.discount_constraints("tier"),
            models.UniqueConstraint(fields=["campaign", "position"], name="tier_position_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Voucher(Discount):
    """A code: a discount voucher or a gift card.

    ``redeemed_quantity`` counts successful, not rolled back redemptions. ``locked_quantity`` and
    ``locked_credits`` are what active LOCK sessions hold; the database refuses any row where
    redemptions plus locks exceed the quantity limit, or locks exceed the gift balance.
    """

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=id_default("v_"), editable=False)
    code = models.CharField(max_length=100, unique=True)  # case-sensitive, as the platform
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="vouchers")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="vouchers")
    type = models.CharField(max_length=20, choices=VoucherType.choices, default=VoucherType.DISCOUNT_VOUCHER)
    gift_amount = models.BigIntegerField(null=True, blank=True, help_text="Initial gift value.")
    gift_balance = models.BigIntegerField(null=True, blank=True)
    gift_effect = models.CharField(max_length=20, choices=Effect.choices, blank=True, default="")
    active = models.BooleanField(default=True)
    start_date = models.DateTimeField(null=True, blank=True)
    expiration_date = models.DateTimeField(null=True, blank=True)
    redemption_quantity = models.PositiveIntegerField(null=True, blank=True, help_text="Empty = unlimited.")
    redeemed_quantity = models.PositiveIntegerField(default=0)
    redeemed_amount = models.BigIntegerField(default=0, help_text="Gift credits spent.")
    locked_quantity = models.PositiveIntegerField(default=0)
    locked_credits = models.BigIntegerField(default=0)
    holder = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="held_vouchers")
    metadata = models.JSONField(default=dict, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            *Discount.discount_constraints("voucher"),
            models.CheckConstraint(condition=Q(type__in=VoucherType.values), name="voucher_type_valid"),
            models.CheckConstraint(condition=~Q(code=""), name="voucher_code_not_empty"),
            models.CheckConstraint(condition=~Q(code__contains="/"), name="voucher_code_no_slash"),
            models.CheckConstraint(condition=Q(gift_effect__in=["", *Effect.values]), name="voucher_gift_effect_valid"),
            models.CheckConstraint(
                condition=Q(gift_balance__isnull=True) | Q(gift_balance__gte=0), name="voucher_gift_balance_nonneg"
            ),
            models.CheckConstraint(
                condition=Q(gift_amount__isnull=True) | Q(gift_amount__gte=0), name="voucher_gift_amount_nonneg"
            ),
            models.CheckConstraint(condition=Q(redeemed_amount__gte=0), name="voucher_redeemed_amount_nonneg"),
            models.CheckConstraint(condition=Q(locked_credits__gte=0), name="voucher_locked_credits_nonneg"),
            models.CheckConstraint(
                condition=Q(locked_credits=0) | Q(gift_balance__gte=F("locked_credits")),
                name="voucher_locks_within_balance",
            ),
            models.CheckConstraint(
                condition=Q(redemption_quantity__isnull=True)
                | Q(redemption_quantity__gte=F("redeemed_quantity") + F("locked_quantity")),
                name="voucher_quantity_not_exceeded",
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(expiration_date__isnull=True)
                | Q(start_date__lte=F("expiration_date")),
                name="voucher_dates_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "-created_at"], name="voucher_campaign_idx"),
            # A campaign's live vouchers created per day (its overview's chart), read from the index alone.
            models.Index(
                fields=["campaign", "created_at"], condition=Q(deleted_at__isnull=True), name="voucher_live_created_idx"
            ),
            # Whether a campaign has deleted vouchers at all (few do: lists skip the check when none has).
            models.Index(fields=["campaign"], condition=Q(deleted_at__isnull=False), name="voucher_deleted_idx"),
            models.Index(fields=["holder"], name="voucher_holder_idx"),
            # A campaign's next free code for a publication (campaigns.services.publications), oldest first.
            models.Index(
                fields=["campaign", "created_at", "id"],
                condition=Q(holder__isnull=True, deleted_at__isnull=True),
                name="voucher_unpublished_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_gift(self) -> bool:
        return self.type == VoucherType.GIFT_VOUCHER


class ValidationRuleAssignment(models.Model):
    """Links a validation rule to exactly one campaign, voucher or promotion tier."""

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=id_default("asgm_"), editable=False)
    rule = models.ForeignKey(ValidationRule, on_delete=models.CASCADE, related_name="assignments")
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.CASCADE, related_name="rule_assignments"
    )
    voucher = models.ForeignKey(
        Voucher, null=True, blank=True, on_delete=models.CASCADE, related_name="rule_assignments"
    )
    promotion_tier = models.ForeignKey(
        PromotionTier, null=True, blank=True, on_delete=models.CASCADE, related_name="rule_assignments"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(campaign__isnull=False, voucher__isnull=True, promotion_tier__isnull=True)
                | Q(campaign__isnull=True, voucher__isnull=False, promotion_tier__isnull=True)
                | Q(campaign__isnull=True, voucher__isnull=True, promotion_tier__isnull=False),
                name="assignment_exactly_one_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} → {self.related_object_id}"

    @property
    def related_object_type(self) -> str:
        if self.campaign_id:
            return "campaign"
        return "voucher" if self.voucher_id else "promotion_tier"

    @property
    def related_object_id(self) -> str:
        return self.campaign_id or self.voucher_id or self.promotion_tier_id


class Order(models.Model):
    """An order as sent with a validation or redemption, with the totals the engine computed.

    ``items`` keeps the order lines as sent (sku/product id, quantity, price, amount) plus their
    computed discounts; the platform's shape, so it can be echoed on the wire unchanged.
    """

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=id_default("ord_"), editable=False)
    source_id = models.CharField(max_length=200, unique=True, null=True, blank=True)
    status = models.CharField(max_length=10, choices=OrderStatus.choices, default=OrderStatus.CREATED)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders")
    # The customer whose referral code the order redeemed (referrals.services.conversion).
    referrer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    amount = models.BigIntegerField(null=True, blank=True)
    initial_amount = models.BigIntegerField(null=True, blank=True)
    discount_amount = models.BigIntegerField(default=0)
    items_discount_amount = models.BigIntegerField(default=0)
    total_discount_amount = models.BigIntegerField(default=0)
    total_amount = models.BigIntegerField(null=True, blank=True)
    items = models.JSONField(default=list, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=OrderStatus.values), name="order_status_valid"),
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gte=0), name="order_amount_nonneg"),
            models.CheckConstraint(
                condition=Q(discount_amount__gte=0, items_discount_amount__gte=0, total_discount_amount__gte=0),
                name="order_discounts_nonneg",
            ),
            models.CheckConstraint(
                condition=Q(total_amount__isnull=True) | Q(total_amount__gte=0), name="order_total_nonneg"
            ),
        ]
        # Few orders name a referrer: indexed where set, for the look-ups a deleted customer makes.
        indexes = [models.Index(fields=["referrer"], condition=Q(referrer__isnull=False), name="order_referrer_idx")]

    def __str__(self) -> str:
        return self.source_id or self.id


class VoucherTransaction(models.Model):
    """One change of a gift card's balance, with the balance after it. The sum of ``amount`` over a
    voucher's transactions equals its balance (the creation transaction carries the initial amount)."""

    class Source(models.TextChoices):
        CREATION = "CREATION", "Card created"
        REDEMPTION = "REDEMPTION", "Redemption"
        ROLLBACK = "ROLLBACK", "Redemption rollback"
        MANUAL = "MANUAL", "Manual balance change"

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=id_default("vtx_"), editable=False)
    voucher = models.ForeignKey(Voucher, on_delete=models.CASCADE, related_name="transactions")
    source = models.CharField(max_length=12, choices=Source.choices)
    amount = models.BigIntegerField(help_text="Signed change: negative when credits are spent.")
    balance_after = models.BigIntegerField()
    # The redemption (r_...) or rollback (rr_...) behind the change; plain text to keep apps acyclic.
    related_object_id = models.CharField(max_length=ID_LENGTH, blank=True, default="")
    reason = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(source__in=["CREATION", "REDEMPTION", "ROLLBACK", "MANUAL"]), name="vtx_source_valid"
            ),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="vtx_balance_after_nonneg"),
        ]
        indexes = [models.Index(fields=["voucher", "-created_at"], name="vtx_voucher_idx")]

    def __str__(self) -> str:
        return f"{self.voucher_id} {self.amount:+d}"


def new_async_action_id() -> str:
    """The platform's ``async_action_id`` shape (``aa_...``): a generation job is named by it."""
    return new_id("aa_")


class GenerationStatus(models.TextChoices):
    SCHEDULED = "SCHEDULED", "Scheduled"
    IN_PROGRESS = "IN_PROGRESS", "In progress"
    DONE = "DONE", "Done"
    FAILED = "FAILED", "Failed"


UNFINISHED_GENERATION = (GenerationStatus.SCHEDULED, GenerationStatus.IN_PROGRESS)


class VoucherGenerationJob(BackgroundJob):
    """Codes of a campaign generated in the background (more than fit in one request); a job run by
    ``campaigns.services.generation.JOBS`` (voucherhub.jobs), its heartbeat written with every batch.

    ``done`` counts the vouchers this job has inserted; it moves in the same transaction as each batch,
    so it is exactly what exists, and the database refuses ``done > total``. ``params`` holds what the
    new vouchers change from the campaign's template (code_config, category_id, metadata, quantity, dates).
    The caller's channel, user and request id are kept for the audit event written when the job ends.
    """

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=new_async_action_id, editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="generation_jobs")
    status = models.CharField(max_length=12, choices=GenerationStatus.choices, default=GenerationStatus.SCHEDULED)
    total = models.PositiveIntegerField()
    done = models.PositiveIntegerField(default=0)
    params = models.JSONField(default=dict, blank=True)
    channel_type = models.CharField(max_length=8, blank=True, default="")
    channel_id = models.CharField(max_length=200, blank=True, default="")
    request_log_id = models.CharField(max_length=ID_LENGTH, blank=True, default="")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=GenerationStatus.values), name="generation_status_valid"),
            models.CheckConstraint(condition=Q(total__gte=1), name="generation_total_positive"),
            models.CheckConstraint(condition=Q(done__gte=0), name="generation_done_nonneg"),
            models.CheckConstraint(condition=Q(done__lte=F("total")), name="generation_done_within_total"),
            models.CheckConstraint(condition=~Q(status="DONE") | Q(done=F("total")), name="generation_done_complete"),
        ]
        indexes = [
            models.Index(fields=["campaign", "-created_at"], name="generation_campaign_idx"),
            # The reaper's scan: only unfinished jobs, a handful at any time.
            models.Index(
                fields=["status"],
                condition=Q(status__in=["SCHEDULED", "IN_PROGRESS"]),
                name="generation_unfinished_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.id


class Publication(models.Model):
    """Codes given to a customer (``POST /v1/publications``): a voucher named by its code, or the next free
    codes of a campaign (``campaigns.services.publications``). Each published voucher's holder becomes the
    customer. A publication that found no free code is kept as a FAILURE with its reason."""

    class Result(models.TextChoices):
        SUCCESS = "SUCCESS", "Published"
        FAILURE = "FAILURE", "Failed"

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=id_default("pub_"), editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="publications"
    )
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="publications"
    )
    vouchers = models.ManyToManyField(Voucher, blank=True, related_name="publications")
    codes = models.JSONField(default=list, blank=True, help_text="The codes published, in order.")
    # The merchant's own id of the publication: a second request with it answers the first publication.
    source_id = models.CharField(max_length=200, null=True, blank=True)
    channel = models.CharField(max_length=100, blank=True, default="API")
    channel_type = models.CharField(max_length=8, default="API")
    channel_id = models.CharField(max_length=200, blank=True, default="")
    metadata = models.JSONField(default=dict, blank=True)
    result = models.CharField(max_length=8, choices=Result.choices, default=Result.SUCCESS)
    failure_code = models.CharField(max_length=64, blank=True, default="")
    failure_message = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(result__in=["SUCCESS", "FAILURE"]), name="publication_result_valid"),
            models.UniqueConstraint(
                fields=["source_id"], condition=Q(source_id__isnull=False), name="publication_source_id_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="publication_date_idx"),
            models.Index(fields=["campaign", "-created_at", "-id"], name="publication_campaign_idx"),
            models.Index(fields=["customer", "-created_at", "-id"], name="publication_customer_idx"),
        ]

    def __str__(self) -> str:
        return self.id


class AsyncAction(BackgroundJob):
    """A bulk change (or import) of customers, vouchers or orders run by a worker
    (``campaigns.services.bulk.JOBS``), as the platform's async actions: ``POST /v1/customers/bulk/async``
    and friends answer its id at once. ``payload`` is what was asked, ``result`` what each item became;
    ``progress`` is a percentage."""

    class Type(models.TextChoices):
        CUSTOMERS_UPDATE = "CUSTOMERS_BULK_UPDATE", "Customers update"
        CUSTOMERS_METADATA = "CUSTOMERS_METADATA_UPDATE", "Customers' metadata update"
        VOUCHERS_UPDATE = "VOUCHERS_BULK_UPDATE", "Vouchers update"
        VOUCHERS_METADATA = "VOUCHERS_METADATA_UPDATE", "Vouchers' metadata update"
        VOUCHERS_IMPORT = "VOUCHERS_IMPORT", "Vouchers import"
        CAMPAIGN_IMPORT = "CAMPAIGN_VOUCHERS_IMPORT", "Campaign vouchers import"
        ORDERS_IMPORT = "ORDERS_IMPORT", "Orders import"

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=new_async_action_id, editable=False)
    type = models.CharField(max_length=32, choices=Type.choices)
    status = models.CharField(max_length=12, choices=GenerationStatus.choices, default=GenerationStatus.SCHEDULED)
    payload = models.JSONField(default=dict)
    result = models.JSONField(default=dict, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    request_log_id = models.CharField(max_length=ID_LENGTH, blank=True, default="")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=GenerationStatus.values), name="async_action_status_valid"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="async_action_progress_percent"),
        ]
        indexes = [models.Index(fields=["-created_at", "-id"], name="async_action_date_idx")]

    def __str__(self) -> str:
        return self.id
