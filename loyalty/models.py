"""Loyalty programs: a LOYALTY_PROGRAM campaign's cards (LOYALTY_CARD vouchers held by its members) and
their points.

Every change of a card's points is a row of the append-only ledger (PointsTransaction) written in the
same transaction as the card's running figures, which the database keeps consistent: ``balance`` (what can
be spent) is ``points`` (every point ever added) less ``subtracted_points`` and ``expired_points``, and no
figure goes below zero. The ledger's points of a card add up to its balance.
"""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from campaigns.models import Campaign, Voucher
from voucherhub.ids import ID_LENGTH, id_default


class LoyaltyCard(models.Model):
    """The points of one card. ``voucher`` is the card itself (its code, holder, dates, active flag)."""

    voucher = models.OneToOneField(Voucher, primary_key=True, on_delete=models.CASCADE, related_name="loyalty")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="loyalty_cards")
    points = models.BigIntegerField(default=0, help_text="Every point ever added to the card.")
    subtracted_points = models.BigIntegerField(default=0, help_text="Points removed, spent or transferred out.")
    expired_points = models.BigIntegerField(default=0)
    balance = models.BigIntegerField(default=0, help_text="Points the member can spend.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="loyalty_card_balance_nonneg"),
            models.CheckConstraint(
                condition=Q(points__gte=0, subtracted_points__gte=0, expired_points__gte=0),
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


class PointsType(models.TextChoices):
    """The kinds of ledger rows, as the platform's loyalty card transaction types spell them."""

    ADDITION = "POINTS_ADDITION", "Points added"
    REMOVAL = "POINTS_REMOVAL", "Points removed"
    TRANSFER_IN = "POINTS_TRANSFER_IN", "Points transferred in"
    TRANSFER_OUT = "POINTS_TRANSFER_OUT", "Points transferred out"


class PointsTransaction(models.Model):
    """One change of a card's points."""

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=id_default("vtx_"), editable=False)
    card = models.ForeignKey(LoyaltyCard, on_delete=models.CASCADE, related_name="transactions")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=32, choices=PointsType.choices)
    points = models.BigIntegerField(help_text="Signed: added (+) or taken (-).")
    balance = models.BigIntegerField(help_text="The card's balance after this change.")
    total = models.BigIntegerField(help_text="The card's points (every point ever added) after this change.")
    reason = models.CharField(max_length=500, blank=True, default="")
    source_id = models.CharField(max_length=200, blank=True, default="")
    source = models.CharField(max_length=16, blank=True, default="", help_text="API or USER (the dashboard).")
    related_transaction = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(type__in=PointsType.values), name="points_transaction_type_valid"),
            models.CheckConstraint(condition=~Q(points=0), name="points_transaction_not_zero"),
            models.CheckConstraint(condition=Q(balance__gte=0, total__gte=0), name="points_transaction_nonneg"),
        ]
        indexes = [
            models.Index(fields=["card", "-id"], name="points_tx_card_idx"),
            models.Index(fields=["campaign", "-id"], name="points_tx_campaign_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.points:+} on {self.card_id}"
