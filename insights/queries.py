"""Read side of insights: the home page's cards, the Campaigns section's list with computed statuses and
counts, the calendar, and each campaign's dashboard figures (the same figures
``GET /v1/campaigns/{id}/summary`` answers with). The statuses are campaigns.queries' own definition.

How the figures stay cheap — indexes, not roll-ups (measured with EXPLAIN ANALYZE; bench/README.md):
- The figures cover a period (the last 7, 30, 90 or 365 days; 30 by default), and every redemption
  aggregate is one range of one campaign's rows on ``(campaign_id, created_at)``: its cost follows the
  period and the campaign, never the table. All-time totals over a 200k-redemption campaign cost ~70 ms
  even from a covering index (~1 s through the current one); the default month reads a tenth of that.
  With the covering index proposed in bench/README.md (``campaign_id, created_at`` INCLUDE the summed
  columns) PostgreSQL answers from the index alone.
- Roll-ups were the alternative. Daily roll-ups stay exact only if written in the same transaction as every
  redemption and rollback (the engine's services, not this read side), and a rollback changes a past
  day's figures; a roll-up a task refreshes would be stale by design. Indexes keep one source of truth.
- Rollbacks are ``status = ROLLED_BACK`` rows (a redemption is rolled back at most once), so counting
  them needs no join to the rollbacks table, which has no campaign column.
- Validations hold their campaigns inside JSON (``redeemables``): a GIN index (``jsonb_path_ops``) on it
  turns the containment filter into an index scan (proposed in bench/README.md).
- The vouchers "as they are now" (how many, published, a gift campaign's value issued and balance) are not
  bounded by a period: for a campaign of more than campaigns.services.figures.LIVE_LIMIT vouchers they are
  read from its CampaignFigures row, which the beat adds up every minute, and the page says as of when.
"""

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo

from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextField,
    When,
)
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils import timezone

from auditlog.models import Event
from campaigns.models import (
    Campaign,
    CampaignFigures,
    CampaignType,
    Customer,
    PromotionTier,
    Publication,
    Segment,
    ValidationRuleAssignment,
    Voucher,
)
from campaigns.queries import CampaignStatus, campaigns_with_status
from loyalty.models import ProgramFigures
from redemptions.models import Redemption, RedemptionResult, RedemptionStatus, Validation
from voucherhub.privacy import VIEW_CUSTOMER

PERIODS = (7, 30, 90, 365)  # days a chart may cover; the URL's ?days= picks one
DEFAULT_PERIOD = 30


def _count_subquery(qs: QuerySet) -> Subquery:
    """``COUNT(*)`` of ``qs`` (already correlated with ``OuterRef``) as an annotation."""
    counted = qs.order_by().values("campaign_id").annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted), 0)


def campaign_list(now: datetime | None = None) -> QuerySet[Campaign]:
    """Live campaigns with their status, vouchers count and redemptions that stand (succeeded, not
    rolled back).

    The counts are correlated subqueries, evaluated only for the rows of the page (no query per row in
    Python, no count over campaigns that are not shown). For vouchers' campaigns the redemptions are the
    sum of ``Voucher.redeemed_quantity``, the counter the engine keeps in the same transaction as every
    redemption and rollback: a few thousand voucher rows instead of every redemption of the campaign.
    Promotion tiers keep no counter, so their redemptions are counted (from the index alone with the
    covering index proposed in bench/README.md)."""
    live_vouchers = Voucher.objects.filter(campaign_id=OuterRef("pk"), deleted_at__isnull=True)
    redeemed = (
        Voucher.objects.filter(campaign_id=OuterRef("pk"))
        .order_by()
        .values("campaign_id")
        .annotate(n=Sum("redeemed_quantity"))
        .values("n")
    )
    tier_redemptions = Redemption.objects.filter(campaign_id=OuterRef("pk"), status=RedemptionStatus.SUCCEEDED)
    return campaigns_with_status(now).annotate(
        vouchers_count=_count_subquery(live_vouchers),
        redemptions_count=Case(
            When(campaign_type=CampaignType.PROMOTION, then=_count_subquery(tier_redemptions)),
            default=Coalesce(Subquery(redeemed), 0),
            output_field=IntegerField(),
        ),
    )


# --- a campaign's dashboard ------------------------------------------------------------------------------


@dataclass
class DayPoint:
    day: date
    validations: int = 0
    redemptions_succeeded: int = 0
    redemptions_failed: int = 0
    rollbacks: int = 0
    vouchers_created: int = 0
    publications: int = 0


@dataclass
class Summary:
    """Everything the dashboard and the summary API show about one campaign."""

    campaign: Campaign
    period_days: int
    period_start: date
    period_end: date
    vouchers_total: int = 0  # live vouchers now
    vouchers_published: int = 0  # live vouchers with a holder now
    # When the vouchers' figures were added up, for a campaign big enough to have them counted every minute
    # (campaigns.services.figures; loyalty.ProgramFigures); None: just now.
    vouchers_as_of: datetime | None = None
    stored_extra: dict = field(default_factory=dict)  # the figures other apps keep with them (CampaignFigures.extra)
    # The period's figures:
    validations_total: int = 0  # validations are kept Validation.RETENTION_DAYS days
    validations_valid: int = 0
    redemptions_total: int = 0  # every attempt
    redemptions_succeeded: int = 0  # result SUCCESS, rolled back later or not
    redemptions_failed: int = 0
    redemptions_rolled_back: int = 0  # succeeded, then rolled back
    rollbacks_total: int = 0  # successful rollbacks
    orders: int = 0  # redemptions that stand (succeeded, not rolled back) with an order
    order_value: int = 0  # their order amounts, as sent with each redemption
    discounts_given: int = 0  # their discounts
    gift_value_spent: int = 0  # gift credits they took
    publications_succeeded: int = 0  # codes given to customers (POST /v1/publications), per publication
    publications_failed: int = 0  # publications that found no free code
    gift_value_issued: int | None = None  # gift cards: initial amounts of live cards
    gift_balance: int | None = None  # gift cards: what is left on them
    tiers: list[PromotionTier] = field(default_factory=list)
    series: list[DayPoint] = field(default_factory=list)

    @property
    def is_gift(self) -> bool:
        return self.campaign.campaign_type == CampaignType.GIFT_VOUCHERS

    @property
    def is_promotion(self) -> bool:
        return self.campaign.campaign_type == CampaignType.PROMOTION

    @property
    def is_loyalty(self) -> bool:
        return self.campaign.campaign_type == CampaignType.LOYALTY_PROGRAM


def period_days(value) -> int:
    """``?days=`` as one of PERIODS; anything else is the default (a bad URL never breaks the page)."""
    try:
        days = int(value)
    except (TypeError, ValueError):
        return DEFAULT_PERIOD
    return days if days in PERIODS else DEFAULT_PERIOD


def campaign_validations(campaign_id: str) -> QuerySet[Validation]:
    """Validations in which one of the redeemables belonged to the campaign.

    On PostgreSQL this is jsonb containment (``@>``), which a GIN index on ``redeemables`` answers;
    SQLite has no containment, so it matches the campaign's id as a JSON string value instead (ids are
    unique, fixed-length, and never a prefix of another id)."""
    if connection.vendor == "postgresql":
        return Validation.objects.filter(redeemables__contains=[{"campaign_id": campaign_id}])
    as_text = Cast("redeemables", TextField())
    return Validation.objects.annotate(redeemables_text=as_text).filter(redeemables_text__contains=f'"{campaign_id}"')


def _days(qs: QuerySet, column: str, since: datetime, until: datetime, tz: tzinfo = UTC) -> QuerySet:
    """Rows of ``qs`` from ``since`` to before ``until`` grouped by the day of ``column`` in the zone ``tz``."""
    return (
        qs.filter(**{f"{column}__gte": since, f"{column}__lt": until})
        .annotate(day=TruncDate(column, tzinfo=tz))
        .values("day")
        .order_by("day")
    )


# Settings for the summary's own transaction on PostgreSQL: memory for its sorts (the default work_mem of
# 4 MB sent a 200k-redemption campaign's month to disk: 73 ms, against 20 ms sorted in memory), and no
# JIT compilation, which cost ~24 ms per query and saves nothing on aggregates this short.
SUMMARY_SETTINGS = {"work_mem": "32MB", "jit": "off"}


@contextmanager
def summary_transaction():
    """A read transaction with SUMMARY_SETTINGS (on PostgreSQL) for a campaign's aggregates."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for name, value in SUMMARY_SETTINGS.items():
                    cursor.execute(f"SET LOCAL {name} = '{value}'")
        yield


def campaign_summary(
    campaign: Campaign, *, days: int = DEFAULT_PERIOD, now: datetime | None = None, tz: tzinfo = UTC
) -> Summary:
    """The campaign's figures over the last ``days`` days (today included) of the zone ``tz``: UTC days
    for the API, the viewer's days on the dashboard. Totals and per day; vouchers, gift values issued
    and balances are as they are now.

    A fixed number of queries, each bounded by the campaign and the period, in one read transaction."""
    with summary_transaction():
        return _summary(campaign, days=days, now=now, tz=tz)


def _summary(campaign: Campaign, *, days: int, now: datetime | None, tz: tzinfo) -> Summary:
    now = now or timezone.now()
    end = now.astimezone(tz).date()
    start = end - timedelta(days=days - 1)
    since = datetime.combine(start, datetime.min.time(), tzinfo=tz)
    until = datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    summary = Summary(campaign=campaign, period_days=days, period_start=start, period_end=end)
    points = {start + timedelta(days=i): DayPoint(day=start + timedelta(days=i)) for i in range(days)}

    # One pass over the period's redemptions of the campaign (a range of index redemption_campaign_idx),
    # grouped by day, result and status: the series and the period's totals both come from it, so the
    # page's cost follows the period a person picks, not the campaign's whole history.
    redemptions = Redemption.objects.filter(campaign_id=campaign.pk)
    standing = Q(status=RedemptionStatus.SUCCEEDED)
    # Grouped by day alone with filtered aggregates: sorting by a date keeps the sort in memory (grouping
    # by day, result and status spilled a 200k-redemption campaign's month to disk).
    days_rows = _days(redemptions, "created_at", since, until, tz).annotate(
        ok=Count("created_at", filter=Q(result=RedemptionResult.SUCCESS)),
        failed=Count("created_at", filter=Q(result=RedemptionResult.FAILURE)),
        # Rollbacks count on the day of the redemption undone: the redemption row says it (ROLLED_BACK),
        # whereas dating them by the rollback would read every rollback of the period, of every
        # campaign (rollbacks carry no campaign), which grows with the table.
        rolled_back=Count("created_at", filter=Q(status=RedemptionStatus.ROLLED_BACK)),
        # Not DISTINCT (that sorts every row): an order counts once per redemption of this campaign's
        # codes on it.
        orders=Count("order_id", filter=standing),
        order_value=Sum("order_amount", filter=standing),
        discounts=Sum("discount_amount", filter=standing),
        gift=Sum("gift_amount", filter=standing),
    )
    for row in days_rows:
        point = points.get(row["day"])
        if point is not None:
            point.redemptions_succeeded = row["ok"]
            point.redemptions_failed = row["failed"]
            point.rollbacks = row["rolled_back"]
        summary.redemptions_succeeded += row["ok"]
        summary.redemptions_failed += row["failed"]
        summary.redemptions_rolled_back += row["rolled_back"]
        summary.orders += row["orders"]
        summary.order_value += row["order_value"] or 0
        summary.discounts_given += row["discounts"] or 0
        summary.gift_value_spent += row["gift"] or 0
    summary.redemptions_total = summary.redemptions_succeeded + summary.redemptions_failed
    # A redemption is rolled back successfully at most once (constraint rollback_once_per_redemption),
    # and that rollback is what makes it ROLLED_BACK: no second pass over the rollbacks table.
    summary.rollbacks_total = summary.redemptions_rolled_back

    # Validations (kept 30 days) of the period.
    validations = campaign_validations(campaign.pk)
    for row in _days(validations, "created_at", since, until, tz).annotate(
        n=Count("created_at"), valid=Count("created_at", filter=Q(valid=True))
    ):
        summary.validations_total += row["n"]
        summary.validations_valid += row["valid"]
        if row["day"] in points:
            points[row["day"]].validations = row["n"]

    _add_vouchers(summary, points, since, until, tz)
    _add_publications(summary, points, since, until, tz)

    if summary.is_promotion:
        summary.tiers = list(campaign.tiers.select_related("category").order_by("position"))
    summary.series = [points[day] for day in sorted(points)]
    return summary


def _add_vouchers(summary: Summary, points: dict, since: datetime, until: datetime, tz: tzinfo) -> None:
    """Live vouchers now (published ones, and a gift campaign's issued value and balance), and those the
    period created, by day."""
    campaign = summary.campaign
    vouchers = Voucher.objects.filter(campaign_id=campaign.pk, deleted_at__isnull=True)
    # A big campaign's totals as the beat last added them up: loyalty programs keep theirs with their points.
    if campaign.campaign_type == CampaignType.LOYALTY_PROGRAM:
        figures, counted = ProgramFigures.objects.filter(campaign_id=campaign.pk).first(), None
    else:
        figures, counted = None, CampaignFigures.objects.filter(campaign_id=campaign.pk).first()
    if figures is not None:  # a big loyalty program: its cards and members as the beat last counted them
        gift = {"n": figures.cards, "published": figures.members}
        summary.vouchers_as_of = figures.computed_at
    elif counted is not None:  # a big campaign: its vouchers as the beat last added them up
        gift = {"n": counted.vouchers, "published": counted.published, "issued": counted.gift_issued,
                "balance": counted.gift_balance}  # fmt: skip
        summary.vouchers_as_of, summary.stored_extra = counted.computed_at, counted.extra
    else:
        gift = vouchers.aggregate(
            n=Count("*"),
            published=Count("id", filter=Q(holder__isnull=False)),
            issued=Sum("gift_amount"),
            balance=Sum("gift_balance"),
        )
    summary.vouchers_total = gift["n"]
    summary.vouchers_published = gift["published"]
    if summary.is_gift:
        summary.gift_value_issued = gift["issued"] or 0
        summary.gift_balance = gift["balance"] or 0
    for row in _days(vouchers, "created_at", since, until, tz).annotate(n=Count("*")):
        if row["day"] in points:
            points[row["day"]].vouchers_created = row["n"]


def _add_publications(summary: Summary, points: dict, since: datetime, until: datetime, tz: tzinfo) -> None:
    """The period's publications by day and result (index publication_campaign_idx)."""
    campaign = summary.campaign
    publications = Publication.objects.filter(campaign_id=campaign.pk)
    for row in _days(publications, "created_at", since, until, tz).annotate(
        ok=Count("created_at", filter=Q(result=Publication.Result.SUCCESS)),
        failed=Count("created_at", filter=Q(result=Publication.Result.FAILURE)),
    ):
        summary.publications_succeeded += row["ok"]
        summary.publications_failed += row["failed"]
        if row["day"] in points:
            points[row["day"]].publications = row["ok"]


# --- the tabs' lists -------------------------------------------------------------------------------------


def campaign_vouchers(campaign: Campaign) -> QuerySet[Voucher]:
    return Voucher.objects.filter(campaign=campaign, deleted_at__isnull=True).select_related("holder", "category")


def campaign_rules(campaign: Campaign) -> list[ValidationRuleAssignment]:
    """The validation rules assigned to the campaign, then those of its tiers."""
    return list(
        ValidationRuleAssignment.objects.filter(Q(campaign=campaign) | Q(promotion_tier__campaign=campaign))
        .select_related("rule", "promotion_tier")
        .order_by("promotion_tier__position", "created_at", "id")
    )


def segment_names(ids: set[str]) -> dict[str, str]:
    """Segment id -> name, for the segments a campaign's rules name (one query)."""
    return dict(Segment.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}


def campaign_events(campaign: Campaign) -> QuerySet[Event]:
    """The campaign's events, newest first (index ``event_campaign_idx``)."""
    return Event.objects.filter(campaign_id=campaign.pk).select_related("user").order_by("-occurred_at", "-id")


def campaign_publications(campaign: Campaign) -> QuerySet[Publication]:
    """The campaign's publications, newest first (index ``publication_campaign_idx``)."""
    return Publication.objects.filter(campaign=campaign).select_related("customer")


# --- the home page ---------------------------------------------------------------------------------------


def home_stats(user) -> list[dict]:
    """Cards for the sections this user may open, each with a cheap figure (no full-table COUNT)."""
    cards = []
    if user.has_perm("redemptions.view_redemption"):
        latest = Redemption.objects.order_by("-created_at").values_list("created_at", flat=True).first()
        cards.append(
            {
                "title": "Redemptions",
                "url": "/redemptions/",
                "text": "Every redemption attempt, failed ones included, with their reasons.",
                "figure": latest,
                "figure_kind": "datetime",
                "figure_label": "Latest redemption",
                "figure_empty": "None recorded yet",
            }
        )
    if user.has_perm("campaigns.view_campaign"):
        cards.append(
            {
                "title": "Campaigns",
                "url": "/campaigns/",
                "text": "Discount coupons, gift cards, promotions, loyalty and referral programs.",
                # The Campaigns list's own status definition (not yet expired, already started, enabled).
                "figure": campaigns_with_status().filter(status=CampaignStatus.ACTIVE).count(),
                "figure_kind": "number",
                "figure_label": "Active campaigns",
                "figure_empty": "",
            }
        )
    if user.has_perms((VIEW_CUSTOMER, "campaigns.view_customer")):  # the Customers section's (personal data)
        newest = Customer.objects.order_by("-created_at").values_list("created_at", flat=True).first()
        cards.append(
            {
                "title": "Customers",
                "url": "/customers/",
                "text": "Each customer's profile, the codes they hold and their activity across campaigns.",
                "figure": newest,
                "figure_kind": "datetime",
                "figure_label": "Newest customer",
                "figure_empty": "None yet",
            }
        )
    if user.has_perm("auditlog.view_requestlog"):
        cards.append(
            {
                "title": "Audit log",
                "url": "/audit-log/",
                "text": "Every API call and the events it caused.",
                "figure": None,
                "figure_kind": "",
                "figure_label": "",
                "figure_empty": "",
            }
        )
    return cards
