"""Promotion stacks: a named, ordered set of a PROMOTION campaign's tiers, redeemed as one redeemable
(``{"object": "promotion_stack", "id": "stack_..."}`` stands for its tiers, in the stack's order)."""

from django.db import models
from django.utils import timezone

from voucherhub.ids import ID_LENGTH, id_default

MAX_STACK_TIERS = 30  # the stacking rules' largest redeemables_limit: a stack fits in one request


class PromotionStack(models.Model):
    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=id_default("stack_"), editable=False)
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="promotion_stacks")
    name = models.CharField(max_length=200)
    category = models.ForeignKey(
        "stacking.Category", null=True, blank=True, on_delete=models.SET_NULL, related_name="promotion_stacks"
    )
    tiers = models.ManyToManyField("campaigns.PromotionTier", through="PromotionStackTier", related_name="stacks")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["campaign", "-created_at"], name="promotion_stack_campaign_idx")]

    def __str__(self) -> str:
        return self.name


class PromotionStackTier(models.Model):
    """A tier's place in a stack; a tier deleted leaves the stacks it was in."""

    stack = models.ForeignKey(PromotionStack, on_delete=models.CASCADE, related_name="members")
    tier = models.ForeignKey("campaigns.PromotionTier", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["stack", "position"]
        constraints = [
            models.UniqueConstraint(fields=["stack", "position"], name="stack_tier_position_unique"),
            models.UniqueConstraint(fields=["stack", "tier"], name="stack_tier_once"),
        ]

    def __str__(self) -> str:
        return f"{self.stack_id} #{self.position}: {self.tier_id}"
