"""Big campaigns' voucher totals for their dashboards (CampaignFigures).

A campaign page shows how many live vouchers the campaign has, how many are published and, for gift cards,
the value issued and the balance left, all "as they are now". Adding these up reads every voucher of the
campaign, scattered over the table (80,000 gift cards: ~18,000 pages, ~100 ms), on every page view. For a
campaign of more than LIVE_LIMIT live vouchers the beat adds them up once a minute instead
(:func:`refresh_all`, one pass over the vouchers for every campaign) and the pages read that row and say as
of when. Until the beat has seen a campaign grow past the limit, its pages add up live.

An app above campaigns can keep figures of its own in the same row (``extra``), for the big campaigns of its
type: it registers a function with :func:`add_figures` (referrals: a program's rewards by tier and role).
"""

from collections.abc import Callable

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from ..models import CampaignFigures, CampaignType, Voucher

LIVE_LIMIT = 10_000  # live vouchers up to which a campaign's pages add up their totals themselves

# Campaign type -> a function of campaign ids giving {campaign id: {name: a JSON value}} (CampaignFigures.extra).
_EXTRA: dict[str, Callable[[list[str]], dict[str, dict]]] = {}


def add_figures(campaign_type: str, figures: Callable[[list[str]], dict[str, dict]]) -> None:
    """Have ``figures`` add up its own figures of the big campaigns of ``campaign_type`` at each refresh."""
    _EXTRA[campaign_type] = figures


def refresh_all() -> int:
    """The beat's task: a row for every campaign (loyalty programs aside) with more than LIVE_LIMIT live
    vouchers, none for the others. Returns how many rows there are now."""
    live = Voucher.objects.filter(deleted_at__isnull=True, campaign__isnull=False).exclude(
        campaign__campaign_type=CampaignType.LOYALTY_PROGRAM
    )
    big = list(
        live.values("campaign_id", "campaign__campaign_type")
        .annotate(**_sums())
        .filter(vouchers__gt=LIVE_LIMIT)
        .order_by("campaign_id")
    )
    extra: dict[str, dict] = {}
    for campaign_type, figures in _EXTRA.items():
        ids = [row["campaign_id"] for row in big if row["campaign__campaign_type"] == campaign_type]
        extra.update(figures(ids) if ids else {})
    now = timezone.now()
    rows = [
        CampaignFigures(
            campaign_id=row["campaign_id"],
            vouchers=row["vouchers"],
            published=row["published"],
            gift_issued=row["gift_issued"] or 0,
            gift_balance=row["gift_balance"] or 0,
            extra=extra.get(row["campaign_id"], {}),
            computed_at=now,
        )
        for row in big
    ]
    with transaction.atomic():
        CampaignFigures.objects.exclude(campaign_id__in=[row.campaign_id for row in rows]).delete()
        CampaignFigures.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["campaign"],
            update_fields=["vouchers", "published", "gift_issued", "gift_balance", "extra", "computed_at"],
        )
    return len(rows)


def _sums() -> dict:
    return {
        "vouchers": Count("pk"),
        "published": Count("pk", filter=Q(holder__isnull=False)),
        "gift_issued": Sum("gift_amount"),
        "gift_balance": Sum("gift_balance"),
    }
