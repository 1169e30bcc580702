"""A program's totals for its dashboard: members, points added, taken, expired, to spend and pending, and
the members in each tier. A program of up to ``LIVE_LIMIT`` cards is added up on every page; a bigger one
is read from its ProgramFigures row, which :func:`refresh_all` (the beat, every minute) writes, and the
pages say as of when. Until the beat has seen a program grow, its pages add up live.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from campaigns.models import Campaign, CampaignType

from .. import queries
from ..models import LoyaltyTier, ProgramFigures

LIVE_LIMIT = 50_000  # cards up to which a program's pages add up its figures live


@dataclass
class Figures:
    points: dict[str, int]  # members, points, subtracted, expired, balance, pending (queries.program_points)
    tier_members: dict[str, int] = field(default_factory=dict)  # tier id: members (live: none, see members_in)
    as_of: datetime | None = None  # None: added up just now

    def members_in(self, campaign: Campaign, tier: LoyaltyTier) -> int:
        if self.as_of is not None and tier.pk in self.tier_members:
            return self.tier_members[tier.pk]
        return queries.tier_members(campaign, tier)


def program_figures(campaign: Campaign) -> Figures:
    """The program's figures: its ProgramFigures row when it has one, else added up now."""
    row = ProgramFigures.objects.filter(campaign=campaign).first()
    if row is None:
        return Figures(points=queries.program_points(campaign))
    names = ("cards", "members", "points", "subtracted", "expired", "balance", "pending")
    return Figures(points={name: getattr(row, name) for name in names}, tier_members=row.tier_members,
                   as_of=row.computed_at)  # fmt: skip


def refresh(campaign: Campaign) -> ProgramFigures | None:
    """Adds up the program now: stores its row when it has more than LIVE_LIMIT cards, else drops any."""
    points = queries.program_points(campaign)
    if points["cards"] <= LIVE_LIMIT:
        ProgramFigures.objects.filter(campaign=campaign).delete()
        return None
    tiers = {tier.pk: queries.tier_members(campaign, tier) for tier in queries.tiers(campaign)}
    row, _ = ProgramFigures.objects.update_or_create(
        campaign=campaign, defaults={**points, "tier_members": tiers, "computed_at": timezone.now()}
    )
    return row


def refresh_all() -> int:
    """Every live program's figures (the beat's task); returns how many programs have a row now."""
    stored = 0
    programs = Campaign.objects.filter(campaign_type=CampaignType.LOYALTY_PROGRAM, deleted_at__isnull=True)
    for campaign in programs.order_by("pk"):
        with transaction.atomic():
            stored += refresh(campaign) is not None
    return stored
