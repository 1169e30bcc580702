"""Read side of a campaign's Analytics tab: its redemptions of a period by result, by failure code, by
channel, its top vouchers (or tiers), and the discounts (or gift credits) they gave over time.

Every figure is one aggregate over one range of index ``redemption_campaign_idx`` (campaign, created_at),
the range insights.queries' summary reads: its cost follows the campaign and the period a person picks,
never the table, and nothing is counted in Python. The queries run in the summary's read transaction
(its work_mem and no JIT on PostgreSQL).

Measured on a 1M-redemption database (bench/campaign_dashboard.py, a busy shared machine): the tab over
the default 30 days answers in 40-110 ms at p50 for the busiest campaign of each type. Over 365 days the
busiest campaign (186k redemptions) takes ~2 s: the result counts and the values over time read only
the covering index, but failure codes, channels and voucher codes are not among its INCLUDE columns, so
those three aggregates visit the rows. Adding ``failure_code``, ``channel_type``, ``channel_id`` and ``voucher_code`` to
``redemption_campaign_idx``'s INCLUDE (a redemptions migration) would make them index-only too.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from campaigns.models import Campaign, CampaignType, PromotionTier
from dashboard.labels import channel_label
from redemptions.models import Redemption, RedemptionResult, RedemptionStatus
from stacking.reasons import sentence
from voucherhub.models import ChannelType

from .queries import DEFAULT_PERIOD, summary_transaction

TOP_VOUCHERS = 10


@dataclass
class Row:
    key: str
    label: str
    value: int
    title: str = ""  # for a hover (a failure code's key)


@dataclass
class Analytics:
    campaign: Campaign
    period_days: int
    period_start: date
    period_end: date
    by_result: list[Row] = field(default_factory=list)
    by_failure: list[Row] = field(default_factory=list)
    by_channel: list[Row] = field(default_factory=list)
    top: list[Row] = field(default_factory=list)  # vouchers, or tiers for a promotion
    top_values: dict[str, int] = field(default_factory=dict)  # key -> value given (discount or gift credits)
    values_by_day: list[dict] = field(default_factory=list)  # {"day", "value"} for days with redemptions

    @property
    def is_gift(self) -> bool:
        return self.campaign.campaign_type == CampaignType.GIFT_VOUCHERS

    @property
    def is_promotion(self) -> bool:
        return self.campaign.campaign_type == CampaignType.PROMOTION

    @property
    def gives_credits(self) -> bool:
        """Its redemptions pay in credits (``gift_amount``), not discounts: a gift card's, and a loyalty
        card's paying with points (redemptions.services.coin)."""
        return self.campaign.campaign_type in (CampaignType.GIFT_VOUCHERS, CampaignType.LOYALTY_PROGRAM)


RESULTS = [
    ("succeeded", "Succeeded", Q(result=RedemptionResult.SUCCESS, status=RedemptionStatus.SUCCEEDED)),
    ("rolled_back", "Succeeded, then rolled back", Q(status=RedemptionStatus.ROLLED_BACK)),
    ("failed", "Failed", Q(result=RedemptionResult.FAILURE)),
]


def campaign_analytics(
    campaign: Campaign, *, days: int = DEFAULT_PERIOD, now: datetime | None = None, tz: tzinfo = UTC
) -> Analytics:
    """The Analytics tab's figures over the last ``days`` days of the zone ``tz`` (the viewer's; today
    included): five aggregates."""
    end = (now or timezone.now()).astimezone(tz).date()
    start = end - timedelta(days=days - 1)
    since = datetime.combine(start, datetime.min.time(), tzinfo=tz)
    result = Analytics(campaign=campaign, period_days=days, period_start=start, period_end=end)
    period = Redemption.objects.filter(campaign_id=campaign.pk, created_at__gte=since).order_by()
    standing = Q(status=RedemptionStatus.SUCCEEDED)
    value_column = "gift_amount" if result.gives_credits else "discount_amount"
    with summary_transaction():
        counts = period.aggregate(**{key: Count("created_at", filter=where) for key, _, where in RESULTS})
        result.by_result = [Row(key, label, counts[key]) for key, label, _ in RESULTS]
        failures = (
            period.filter(result=RedemptionResult.FAILURE)
            .values("failure_code")
            .annotate(n=Count("created_at"))
            .order_by("-n", "failure_code")
        )
        # The reason in words, as every page shows it (stacking.reasons), the key at hand in a hover.
        result.by_failure = [
            Row(row["failure_code"] or "unknown", sentence(row["failure_code"]), row["n"], row["failure_code"])
            for row in failures
        ]
        # Each channel by its name, as the Redemptions list shows it: the API key's ("Web shop") or the user's.
        channels = (
            period.values("channel_type", "channel_id")
            .annotate(n=Count("created_at"))
            .order_by("-n", "channel_type", "channel_id")
        )
        result.by_channel = [_channel_row(row) for row in channels]
        result.top, result.top_values = _top(period.filter(standing), value_column, promotion=result.is_promotion)
        result.values_by_day = list(
            period.filter(standing)
            .annotate(day=TruncDate("created_at", tzinfo=tz))
            .values("day")
            .annotate(value=Sum(value_column))
            .order_by("day")
        )
    return result


def _channel_row(row: dict) -> Row:
    kind, name = row["channel_type"], row["channel_id"]
    text = name or channel_label(kind)
    if name and kind == ChannelType.USER:
        text = f"{name} ({channel_label(kind)})"
    return Row(f"{kind}:{name}", text, row["n"], channel_label(kind))


def _top(standing, value_column: str, *, promotion: bool) -> tuple[list[Row], dict[str, int]]:
    """The most redeemed vouchers (or tiers) among redemptions that stand, with the value each gave."""
    if promotion:
        return _top_tiers(standing, value_column)
    group = "voucher_code"
    rows = standing.exclude(voucher_code="").values(group)
    rows = rows.annotate(n=Count("created_at"), value=Sum(value_column)).order_by("-n", group)[:TOP_VOUCHERS]
    top = [Row(row[group], row[group], row["n"]) for row in rows]
    return top, {row[group]: row["value"] or 0 for row in rows}


def _top_tiers(standing, value_column: str) -> tuple[list[Row], dict[str, int]]:
    """The most redeemed tiers. Grouped by the tier id alone, the redemptions without one included and left
    out after: a filter on ``promotion_tier_id IS NOT NULL`` let PostgreSQL combine the campaign's index with
    the partial index of every tiered redemption of the table (140 ms at 5M rows, against a few ms)."""
    rows = (
        standing.values("promotion_tier_id")
        .annotate(n=Count("created_at"), value=Sum(value_column))
        .order_by("-n", "promotion_tier_id")[: TOP_VOUCHERS + 1]
    )
    rows = [row for row in rows if row["promotion_tier_id"] is not None][:TOP_VOUCHERS]
    ids = [row["promotion_tier_id"] for row in rows]
    names = dict(PromotionTier.objects.filter(pk__in=ids).values_list("pk", "name"))
    top = [Row(tier, names.get(tier) or tier, row["n"]) for tier, row in zip(ids, rows, strict=True)]
    return top, {tier: row["value"] or 0 for tier, row in zip(ids, rows, strict=True)}
