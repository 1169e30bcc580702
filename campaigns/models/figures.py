"""A big campaign's voucher totals, counted by the beat rather than on every dashboard page."""

from django.db import models


class CampaignFigures(models.Model):
    """The live vouchers of a big campaign as of ``computed_at`` (campaigns.services.figures, refreshed every
    minute by the beat): how many, how many published, and a gift campaign's value issued and balance left.
    Its dashboard reads these instead of adding up every voucher on each page, and says as of when. A
    campaign of up to ``figures.LIVE_LIMIT`` vouchers has no row: its pages add up live. Loyalty programs
    keep theirs in loyalty.ProgramFigures."""

    campaign = models.OneToOneField("campaigns.Campaign", primary_key=True, on_delete=models.CASCADE, related_name="+")
    vouchers = models.BigIntegerField(default=0)
    published = models.BigIntegerField(default=0)
    gift_issued = models.BigIntegerField(default=0)
    gift_balance = models.BigIntegerField(default=0)
    # Figures an app above campaigns adds for its campaign type (figures.add_figures): a referral program's
    # rewards by tier and role.
    extra = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "campaign figures"

    def __str__(self) -> str:
        return f"{self.campaign_id} as of {self.computed_at:%Y-%m-%d %H:%M}"
