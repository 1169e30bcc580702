"""Validations, redemptions (every attempt, failed ones included) and rollbacks."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from auditlog.models import RequestLog
from campaigns.models import Campaign, Customer, Order, PromotionTier, Voucher
from stacking.checks import FailureCode
from voucherhub.ids import ID_LENGTH, id_default
from voucherhub.models import ChannelType


class RedemptionResult(models.TextChoices):
    SUCCESS = "SUCCESS", "Success"
    FAILURE = "FAILURE", "Failure"


class RedemptionStatus(models.TextChoices):
    SUCCEEDED = "SUCCEEDED", "Succeeded"
    FAILED = "FAILED", "Failed"
    ROLLED_BACK = "ROLLED_BACK", "Rolled back"


class RelatedObjectType(models.TextChoices):
    VOUCHER = "voucher", "Voucher"
    PROMOTION_TIER = "promotion_tier", "Promotion tier"
    REDEMPTION = "redemption", "Stacked redemption"


class Validation(models.Model):
    """One validation call. ``redeemables`` holds each redeemable's result as the API returned it;
    the counts are kept as columns for the list. Purged after 30 days."""

    RETENTION_DAYS = 30

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=id_default("valid_"), editable=False)
    created_at = models.DateTimeField()
    valid = models.BooleanField()
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, db_index=False, related_name="validations"
    )
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, db_index=False, related_name="validations"
    )
    order_amount = models.BigIntegerField(null=True, blank=True)
    discount_amount = models.BigIntegerField(default=0)
    session_key = models.CharField(max_length=200, blank=True, default="")
    redeemables = models.JSONField(default=list)
    applicable_count = models.PositiveSmallIntegerField(default=0)
    inapplicable_count = models.PositiveSmallIntegerField(default=0)
    skipped_count = models.PositiveSmallIntegerField(default=0)
    tracking_id = models.CharField(max_length=200, blank=True, default="")
    metadata = models.JSONField(default=dict, blank=True)
    channel_type = models.CharField(max_length=8, choices=ChannelType.choices, default=ChannelType.API)
    channel_id = models.CharField(max_length=200, blank=True, default="")
    request_log = models.ForeignKey(
        RequestLog,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_constraint=False,
        db_index=False,
        related_name="validations",
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="validation_date_idx"),
            models.Index(fields=["customer", "-created_at"], name="validation_customer_idx"),
            models.Index(fields=["valid", "-created_at"], name="validation_valid_idx"),
            models.Index(fields=["order"], name="validation_order_idx"),
            models.Index(fields=["session_key"], condition=~Q(session_key=""), name="validation_session_idx"),
            models.Index(fields=["request_log"], condition=Q(request_log__isnull=False), name="validation_log_idx"),
        ]

    def __str__(self) -> str:
        return self.id


# The columns a campaign's dashboard adds up, kept in redemption_campaign_idx beside (campaign, created_at).
CAMPAIGN_FIGURE_COLUMNS = (
    *("result", "status", "order", "order_amount", "discount_amount", "gift_amount"),
    *("failure_code", "channel_type", "channel_id", "voucher_code", "promotion_tier"),
)


class Redemption(models.Model):
    """One redemption attempt, or the parent of a stacked call (``related_object_type`` redemption).

    Successful ones have ``r_`` ids, failed attempts ``rf_``. The voucher and customer are kept as
    foreign keys and the code as text, so a failed attempt on an unknown code is kept too.
    """

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, editable=False)
    created_at = models.DateTimeField()
    result = models.CharField(max_length=8, choices=RedemptionResult.choices)
    status = models.CharField(max_length=12, choices=RedemptionStatus.choices)
    failure_code = models.CharField(max_length=32, choices=FailureCode.choices(), blank=True, default="")
    failure_message = models.CharField(max_length=500, blank=True, default="")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, db_index=False, related_name="children"
    )
    related_object_type = models.CharField(max_length=16, choices=RelatedObjectType.choices)
    voucher = models.ForeignKey(
        Voucher, null=True, blank=True, on_delete=models.SET_NULL, db_index=False, related_name="redemptions"
    )
    voucher_code = models.CharField(max_length=100, blank=True, default="")
    promotion_tier = models.ForeignKey(
        PromotionTier, null=True, blank=True, on_delete=models.SET_NULL, db_index=False, related_name="redemptions"
    )
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, db_index=False, related_name="redemptions"
    )
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, db_index=False, related_name="redemptions"
    )
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, db_index=False, related_name="redemptions"
    )
    order_amount = models.BigIntegerField(null=True, blank=True)
    discount_amount = models.BigIntegerField(default=0)
    amount = models.BigIntegerField(default=0, help_text="Gift credits taken, else the discount.")
    gift_amount = models.BigIntegerField(default=0)
    # A loyalty reward redeemed with a card's points (redemptions.services.rewards).
    reward = models.ForeignKey(
        "loyalty.Reward", null=True, blank=True, on_delete=models.SET_NULL, db_index=False, related_name="+"
    )
    # A database default too: rows written by hand-made SQL (loaders, tests) leave it out.
    reward_assignment_id = models.CharField(max_length=ID_LENGTH, blank=True, default="", db_default="")
    loyalty_points = models.BigIntegerField(null=True, blank=True, help_text="Points the reward cost.")
    reward_voucher = models.ForeignKey(
        Voucher, null=True, blank=True, on_delete=models.SET_NULL, db_index=False, related_name="+",
        help_text="The voucher or gift card the reward gave.",
    )  # fmt: skip
    metadata = models.JSONField(default=dict, blank=True)
    channel_type = models.CharField(max_length=8, choices=ChannelType.choices, default=ChannelType.API)
    channel_id = models.CharField(max_length=200, blank=True, default="")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, db_index=False, related_name="+"
    )
    tracking_id = models.CharField(max_length=200, blank=True, default="")
    session_key = models.CharField(max_length=200, blank=True, default="")
    request_log = models.ForeignKey(
        RequestLog,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_constraint=False,
        db_index=False,
        related_name="redemptions",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("rollback_redemption", "Can roll back a redemption"),
            ("view_customer", "Can filter and see redemptions by customer"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(result__in=RedemptionResult.values), name="redemption_result_valid"),
            models.CheckConstraint(condition=Q(status__in=RedemptionStatus.values), name="redemption_status_valid"),
            models.CheckConstraint(
                condition=Q(related_object_type__in=RelatedObjectType.values), name="redemption_object_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(failure_code__in=["", *(code.value for code in FailureCode)]),
                name="redemption_failure_code_valid",
            ),
            models.CheckConstraint(
                condition=Q(result="SUCCESS", status__in=["SUCCEEDED", "ROLLED_BACK"], failure_code="")
                | Q(result="FAILURE", status="FAILED") & ~Q(failure_code=""),
                name="redemption_result_status_consistent",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0, gift_amount__gte=0, discount_amount__gte=0),
                name="redemption_amounts_nonneg",
            ),
            models.CheckConstraint(condition=Q(channel_type__in=ChannelType.values), name="redemption_channel_valid"),
        ]
        # The Redemptions list sorts newest first and filters by each of these; every index ends in the
        # sort key so a filter plus the default sort is one index range scan (keyset pagination). The
        # foreign keys these start with take no index of their own (db_index=False); the others get a
        # partial one (most rows leave them empty), and no column gets Django's varchar_pattern_ops twin
        # (migration 0003): nothing looks them up with LIKE, and each index costs the bulk loader time.
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="redemption_date_idx"),
            # The sortable columns (redemptions.tables): one direction throughout, so a sort by the column
            # (either way) and a filter on it plus the default sort are one range scan each.
            models.Index(fields=["-status", "-created_at", "-id"], name="redemption_status_sort_idx"),
            models.Index(fields=["-voucher_code", "-created_at", "-id"], name="redemption_code_sort_idx"),
            models.Index(fields=["-channel_id", "-created_at", "-id"], name="redemption_channel_sort_idx"),
            models.Index(fields=["-amount", "-created_at", "-id"], name="redemption_amount_sort_idx"),
            models.Index(fields=["result", "-created_at"], name="redemption_result_idx"),
            # Covering (PostgreSQL): a campaign dashboard's period aggregates (its overview, and the Analytics
            # tab's results, failures, channels, top codes and tiers) read only this index.
            models.Index(
                fields=["campaign", "-created_at"],
                include=CAMPAIGN_FIGURE_COLUMNS,
                name="redemption_campaign_idx",
            ),
            models.Index(fields=["voucher", "-created_at"], name="redemption_voucher_idx"),
            models.Index(fields=["customer", "-created_at"], name="redemption_customer_idx"),
            models.Index(fields=["failure_code", "-created_at"], name="redemption_failure_idx"),
            models.Index(fields=["order", "-created_at"], name="redemption_order_idx"),
            models.Index(fields=["parent"], condition=Q(parent__isnull=False), name="redemption_parent_idx"),
            models.Index(
                fields=["promotion_tier"], condition=Q(promotion_tier__isnull=False), name="redemption_tier_idx"
            ),
            models.Index(fields=["user"], condition=Q(user__isnull=False), name="redemption_user_idx"),
            # Reward redemptions are few: indexed where set, for the look-ups a deleted reward or voucher makes.
            models.Index(fields=["reward"], condition=Q(reward__isnull=False), name="redemption_reward_idx"),
            models.Index(
                fields=["reward_voucher"],
                condition=Q(reward_voucher__isnull=False),
                name="redemption_reward_voucher_idx",
            ),
            # The "channel USER" filter: dashboard calls are a few percent of the rows, so without it the
            # capped count scanned the table for 10,000 of them (~130 ms at 5M rows, bench/list_pages.py).
            models.Index(
                fields=["-created_at", "-id"], condition=Q(channel_type="USER"), name="redemption_user_channel_idx"
            ),
            models.Index(fields=["request_log"], condition=Q(request_log__isnull=False), name="redemption_log_idx"),
        ]
        # PostgreSQL also gets a GIN index on metadata (migration 0002, skipped on SQLite).

    def __str__(self) -> str:
        return self.id

    @property
    def is_stacked_parent(self) -> bool:
        return self.related_object_type == RelatedObjectType.REDEMPTION


class Rollback(models.Model):
    """A rollback of a redemption (``rr_``) or a refused attempt (``rrf_``)."""

    ROLLBACK_WINDOW_MONTHS = 3

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, editable=False)
    redemption = models.ForeignKey(Redemption, on_delete=models.CASCADE, db_index=False, related_name="rollbacks")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, db_index=False, related_name="children"
    )
    created_at = models.DateTimeField(db_index=True)
    result = models.CharField(max_length=8, choices=RedemptionResult.choices)
    status = models.CharField(max_length=12, choices=[("SUCCEEDED", "Succeeded"), ("FAILED", "Failed")])
    reason = models.CharField(max_length=500, blank=True, default="")
    failure_code = models.CharField(max_length=40, blank=True, default="")
    failure_message = models.CharField(max_length=500, blank=True, default="")
    amount = models.BigIntegerField(default=0, help_text="Negative for gift credits returned.")
    channel_type = models.CharField(max_length=8, choices=ChannelType.choices, default=ChannelType.API)
    channel_id = models.CharField(max_length=200, blank=True, default="")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, db_index=False, related_name="+"
    )
    tracking_id = models.CharField(max_length=200, blank=True, default="")
    metadata = models.JSONField(default=dict, blank=True)
    request_log = models.ForeignKey(
        RequestLog,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_constraint=False,
        db_index=False,
        related_name="rollbacks",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(result__in=RedemptionResult.values), name="rollback_result_valid"),
            models.CheckConstraint(
                condition=Q(result="SUCCESS", status="SUCCEEDED") | Q(result="FAILURE", status="FAILED"),
                name="rollback_result_status_consistent",
            ),
            models.CheckConstraint(condition=Q(amount__lte=0), name="rollback_amount_nonpositive"),
            # A redemption is rolled back at most once: the database refuses a second success.
            models.UniqueConstraint(
                fields=["redemption"], condition=Q(result="SUCCESS"), name="rollback_once_per_redemption"
            ),
        ]
        indexes = [
            models.Index(fields=["redemption"], name="rollback_redemption_idx"),
            models.Index(fields=["parent"], condition=Q(parent__isnull=False), name="rollback_parent_idx"),
            models.Index(fields=["user"], condition=Q(user__isnull=False), name="rollback_user_idx"),
            models.Index(fields=["request_log"], condition=Q(request_log__isnull=False), name="rollback_log_idx"),
        ]

    def __str__(self) -> str:
        return self.id
