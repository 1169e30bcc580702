"""Referral programs (campaigns of type REFERRAL_PROGRAM, whose codes are discount vouchers published to
referrers): the referrals they converted, each referrer's count, the reward tiers and the rewards granted,
and the referees added to a code as its holders. Every rule that keeps the books exact is a constraint:
a referee counts once per program, nobody refers themselves, a tier's reward is granted once per referrer.
"""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from campaigns.models import Campaign, Customer, Voucher
from loyalty.models import Reward
from voucherhub.ids import ID_LENGTH, id_default


class ConversionSource(models.TextChoices):
    REDEMPTION = "redemption", "Redemption of the code"
    CUSTOM_EVENT = "custom_event", "Custom event"


class Referral(models.Model):
    """One conversion: ``referee`` was referred by ``referrer`` through the code ``voucher``, when the
    program's conversion event happened (``source``, and the redemption or event it was)."""

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=id_default("rfl_"), editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", db_index=False)
    voucher = models.ForeignKey(Voucher, on_delete=models.CASCADE, related_name="+", db_index=False)
    referrer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+", db_index=False)
    referee = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+", db_index=False)
    source = models.CharField(max_length=20, choices=ConversionSource.choices)
    related_object_id = models.CharField(max_length=ID_LENGTH, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "referee"], name="referee_once_per_program"),
            models.CheckConstraint(condition=~Q(referrer=F("referee")), name="referral_not_self"),
            models.CheckConstraint(condition=Q(source__in=ConversionSource.values), name="referral_source_valid"),
        ]
        indexes = [
            models.Index(fields=["campaign", "-created_at"], name="referral_campaign_idx"),
            models.Index(fields=["referrer", "campaign"], name="referral_referrer_idx"),
            models.Index(fields=["referee"], name="referral_referee_idx"),
            models.Index(fields=["voucher"], name="referral_voucher_idx"),
        ]

    def __str__(self) -> str:
        return self.pk


class Referrer(models.Model):
    """A customer who referred someone in a program, with their count (the row lock that adds one
    serializes parallel conversions, so each count, and each tier's threshold, is reached once)."""

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=id_default("rfr_"), editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+", db_index=False)
    referrals = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-referrals", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "customer"], name="referrer_once_per_program"),
            models.CheckConstraint(condition=Q(referrals__gte=0), name="referrer_count_nonneg"),
        ]
        indexes = [
            models.Index(fields=["campaign", "-referrals", "-id"], name="referrer_top_idx"),
            models.Index(fields=["customer"], name="referrer_customer_idx"),
        ]

    def __str__(self) -> str:
        return self.pk


class ReferralTier(models.Model):
    """A referrer's reward after ``referrals`` conversions in the program (e.g. 1, 5 and 10)."""

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=id_default("rft_"), editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="referral_tiers")
    referrals = models.PositiveIntegerField()
    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="+")
    banner = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["campaign", "referrals"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "referrals"], name="referral_tier_threshold_unique"),
            models.CheckConstraint(condition=Q(referrals__gte=1), name="referral_tier_threshold_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.referrals} referrals"


class RewardRole(models.TextChoices):
    REFERRER = "REFERRER", "Referrer"
    REFEREE = "REFEREE", "Referee"


class ReferralReward(models.Model):
    """A reward granted: a referrer's for reaching ``tier``, or a referee's for ``referral``; ``voucher`` is
    what it landed on (a published code, a gift card, a loyalty card); ``amount`` its points or credits."""

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=id_default("rfw_"), editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+", db_index=False)
    role = models.CharField(max_length=10, choices=RewardRole.choices)
    tier = models.ForeignKey(ReferralTier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    referral = models.ForeignKey(Referral, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    reward = models.ForeignKey(Reward, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    voucher = models.ForeignKey(Voucher, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    amount = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "customer", "tier"],
                condition=Q(role="REFERRER"),
                name="referrer_tier_rewarded_once",
            ),
            models.UniqueConstraint(fields=["referral"], condition=Q(role="REFEREE"), name="referee_rewarded_once"),
            models.CheckConstraint(condition=Q(role__in=RewardRole.values), name="referral_reward_role_valid"),
        ]
        indexes = [
            models.Index(fields=["campaign", "-created_at"], name="referral_reward_campaign_idx"),
            models.Index(fields=["customer"], name="referral_reward_customer_idx"),
        ]

    def __str__(self) -> str:
        return self.pk


class CodeHolder(models.Model):
    """A referee added to a referral code as its holder (``ReferralsApi`` add holders); the code's own
    holder, its referrer, comes from its publication."""

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=id_default("rh_"), editable=False)
    voucher = models.ForeignKey(Voucher, on_delete=models.CASCADE, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+", db_index=False)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["voucher", "customer"], name="code_holder_once")]
        indexes = [models.Index(fields=["customer"], name="code_holder_customer_idx")]

    def __str__(self) -> str:
        return self.pk
