"""LOCK validation sessions and the voucher locks they hold (seed document "Locking Validation Session")."""

from datetime import timedelta
from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone

from campaigns.models import Customer, Voucher
from voucherhub.models import ChannelType


class SessionStatus(models.TextChoices):
    ACTIVE = "ACTIVE", "Active"
    RELEASED = "RELEASED", "Released"
    EXPIRED = "EXPIRED", "Expired"


class ReleaseReason(models.TextChoices):
    MANUAL = "MANUAL", "Released in the dashboard"
    REDEEMED = "REDEEMED", "Redeemed"
    EXPIRED = "EXPIRED", "Expired"
    API = "API", "Released through the API"


class TtlUnit(models.TextChoices):
    DAYS = "DAYS"
    HOURS = "HOURS"
    MINUTES = "MINUTES"
    SECONDS = "SECONDS"
    MILLISECONDS = "MILLISECONDS"
    MICROSECONDS = "MICROSECONDS"
    NANOSECONDS = "NANOSECONDS"


_UNIT_SECONDS = {
    TtlUnit.DAYS: Decimal(86400),
    TtlUnit.HOURS: Decimal(3600),
    TtlUnit.MINUTES: Decimal(60),
    TtlUnit.SECONDS: Decimal(1),
    TtlUnit.MILLISECONDS: Decimal("0.001"),
    TtlUnit.MICROSECONDS: Decimal("0.000001"),
    TtlUnit.NANOSECONDS: Decimal("0.000000001"),
}
DEFAULT_TTL = Decimal(7)
DEFAULT_TTL_UNIT = TtlUnit.DAYS
MAX_LIFETIME_DAYS = 36_500  # a hundred years: long past any checkout, and far inside the dates a row can hold
# The ttl column keeps 9 decimal places: a smaller ttl would be stored as 0.
MIN_TTL = Decimal("1e-9")


def max_ttl(unit: str) -> Decimal:
    """The largest ttl a session accepts in ``unit`` (MAX_LIFETIME_DAYS, expressed in that unit)."""
    return MAX_LIFETIME_DAYS * _UNIT_SECONDS[TtlUnit.DAYS] / _UNIT_SECONDS[TtlUnit(unit)]


def ttl_to_timedelta(ttl: Decimal | int | float, unit: str) -> timedelta:
    """The lifetime of a session as a timedelta (nanoseconds round down to microseconds)."""
    seconds = Decimal(str(ttl)) * _UNIT_SECONDS[TtlUnit(unit)]
    return timedelta(seconds=float(seconds))


class ValidationSession(models.Model):
    """A LOCK session. The key is the id: generated (``ssn_...``) or given by the client."""

    key = models.CharField(primary_key=True, max_length=200)
    type = models.CharField(max_length=10, default="LOCK", editable=False)
    ttl = models.DecimalField(max_digits=24, decimal_places=9, default=DEFAULT_TTL)
    ttl_unit = models.CharField(max_length=12, choices=TtlUnit.choices, default=DEFAULT_TTL_UNIT)
    expires_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=10, choices=SessionStatus.choices, default=SessionStatus.ACTIVE)
    release_reason = models.CharField(max_length=10, choices=ReleaseReason.choices, blank=True, default="")
    released_at = models.DateTimeField(null=True, blank=True)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, db_index=False, related_name="sessions"
    )
    channel_type = models.CharField(max_length=8, choices=ChannelType.choices, default=ChannelType.API)
    channel_id = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("release_session", "Can release a validation session")]
        constraints = [
            models.CheckConstraint(condition=Q(type="LOCK"), name="session_type_lock"),
            models.CheckConstraint(condition=Q(ttl__gt=0), name="session_ttl_positive"),
            models.CheckConstraint(condition=Q(ttl_unit__in=TtlUnit.values), name="session_ttl_unit_valid"),
            models.CheckConstraint(condition=Q(status__in=SessionStatus.values), name="session_status_valid"),
            models.CheckConstraint(
                condition=Q(status="ACTIVE", release_reason="")
                | (~Q(status="ACTIVE") & Q(release_reason__in=ReleaseReason.values)),
                name="session_release_reason_matches_status",
            ),
        ]
        # No varchar_pattern_ops twins (migration 0002): nothing looks these columns up with LIKE.
        indexes = [
            models.Index(fields=["-created_at", "-key"], name="session_date_idx"),
            models.Index(fields=["status", "-created_at"], name="session_status_idx"),
            models.Index(fields=["customer"], name="session_customer_idx"),
        ]

    def __str__(self) -> str:
        return self.key


class SessionLock(models.Model):
    """What one session holds on one voucher: one redemption and ``credits`` of gift balance.

    Mirrored on the voucher's ``locked_quantity`` / ``locked_credits`` while ``released_at`` is empty.
    """

    # session_lock_unique (session, voucher) serves the session's lookups; the voucher gets its own index.
    session = models.ForeignKey(ValidationSession, on_delete=models.CASCADE, db_index=False, related_name="locks")
    voucher = models.ForeignKey(Voucher, on_delete=models.CASCADE, db_index=False, related_name="session_locks")
    quantity = models.PositiveSmallIntegerField(default=1)
    credits = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "voucher"], name="session_lock_unique"),
            models.CheckConstraint(condition=Q(quantity__in=[0, 1]), name="session_lock_quantity_0_1"),
            models.CheckConstraint(condition=Q(credits__gte=0), name="session_lock_credits_nonneg"),
        ]
        indexes = [
            models.Index(fields=["voucher"], name="session_lock_voucher_idx"),
            models.Index(fields=["voucher"], condition=Q(released_at__isnull=True), name="session_lock_active_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.session_id} → {self.voucher_id}"
