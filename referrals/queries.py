"""The read side of referral programs: a referral code and its holders, a program's referrers and referees,
its numbers for the dashboard."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from campaigns.models import Campaign, CampaignType, Publication, Voucher
from campaigns.queries import find_campaign, find_voucher
from voucherhub.errors import not_found

from .models import CodeHolder, Referral, ReferralReward, ReferralTier, Referrer, RewardRole


def find_code(ref: str, *, campaign: str | None = None, for_update: bool = False) -> Voucher:
    """The referral code ``ref`` (a code or an id), of the program ``campaign`` (id or name) when named;
    404 for any other voucher."""
    code = find_voucher(ref, for_update=for_update)
    program = find_campaign(campaign) if campaign is not None else None
    if code.campaign is None or code.campaign.campaign_type != CampaignType.REFERRAL_PROGRAM:
        raise not_found("voucher", ref, label="referral code")
    if program is not None and code.campaign_id != program.pk:
        raise not_found("voucher", ref, label=f"referral code of {program.name}")
    return code


def referrer_publication(code: Voucher) -> Publication | None:
    """The publication that gave the code to its referrer (its holder), if it was published."""
    if code.holder_id is None:
        return None
    return Publication.objects.filter(vouchers=code, customer_id=code.holder_id).order_by("created_at").first()


def code_holders(
    code: Voucher, *, limit: int, descending: bool = False, after: str | None = None
) -> tuple[list[CodeHolder | Publication], bool]:
    """A page of the code's holders by id (its referrer's publication, then the referees it was shared
    with), ``limit`` after the holder ``after``; and whether more follow."""
    rows = CodeHolder.objects.filter(voucher=code).order_by("-id" if descending else "id")
    if after:
        rows = rows.filter(id__lt=after) if descending else rows.filter(id__gt=after)
    entries: list[CodeHolder | Publication] = list(rows[: limit + 1])
    referrer = referrer_publication(code)
    if referrer is not None and (not after or (referrer.pk < after) == descending):
        entries = sorted([referrer, *entries], key=lambda entry: entry.pk, reverse=descending)
    return entries[:limit], len(entries) > limit


def find_holder(code: Voucher, holder_id: str) -> CodeHolder:
    holder = CodeHolder.objects.filter(voucher=code, pk=holder_id).first()
    if holder is None:
        raise not_found("redeemable_holder", holder_id, label=f"holder of {code.code}")
    return holder


def program_referrers(campaign: Campaign) -> QuerySet[Referrer]:
    """A program's referrers with their count, most referrals first (the Referrers tab)."""
    return Referrer.objects.filter(campaign=campaign).select_related("customer")


def program_referrals(campaign: Campaign) -> QuerySet[Referral]:
    """A program's conversions, newest first (the Referees tab)."""
    return Referral.objects.filter(campaign=campaign).select_related("referee", "referrer", "voucher")


def program_rewards(campaign: Campaign) -> QuerySet[ReferralReward]:
    """The rewards a program granted, newest first (its Reward redemptions tab)."""
    return ReferralReward.objects.filter(campaign=campaign).select_related("customer", "tier", "reward", "voucher")


def program_tiers(campaign: Campaign) -> list[ReferralTier]:
    return list(ReferralTier.objects.filter(campaign=campaign).select_related("reward", "reward__campaign"))


@dataclass(frozen=True)
class ProgramNumbers:
    """A program in numbers, all time: codes, referrers, referees (conversions), rewards granted."""

    codes: int
    codes_published: int
    referrers: int
    referees: int
    rewards_granted: int
    referee_rewards: int


def program_numbers(
    campaign: Campaign, *, codes: tuple[int, int] | None = None, rewards: dict | None = None
) -> ProgramNumbers:
    """Each figure from an index of its own table (the referrers' counts add up to the referees).
    ``codes`` (the live codes and the published ones) and ``rewards`` (rewards_by_tier_and_role): when the
    caller has them already (the campaign summary counts the codes), else they are counted here."""
    if codes is None:
        counted = Voucher.objects.filter(campaign=campaign, deleted_at__isnull=True).aggregate(
            total=Count("pk"), published=Count("pk", filter=Q(holder__isnull=False))
        )
        codes = (counted["total"], counted["published"])
    referrers = Referrer.objects.filter(campaign=campaign).aggregate(count=Count("pk"), referees=Sum("referrals"))
    rewards = rewards_by_tier_and_role(campaign) if rewards is None else rewards
    return ProgramNumbers(
        codes=codes[0],
        codes_published=codes[1],
        referrers=referrers["count"],
        referees=referrers["referees"] or 0,
        rewards_granted=sum(rewards.values()),
        referee_rewards=sum(n for (_, role), n in rewards.items() if role == RewardRole.REFEREE),
    )


def rewards_by_tier_and_role(campaign: Campaign) -> dict[tuple[str | None, str], int]:
    """Rewards granted, by (tier id, role): one pass over the program's rewards for every figure of them."""
    return stored_rewards(rewards_figures([campaign.pk])[campaign.pk])


def top_referrers(campaign: Campaign, count: int = 5) -> list[Referrer]:
    """The ``count`` referrers with the most referrals (read from referrer_top_idx)."""
    return list(program_referrers(campaign).order_by("-referrals", "-id")[:count])


def rewards_figures(campaign_ids: list[str]) -> dict[str, dict]:
    """The programs' rewards by tier and role, kept with their big campaigns' figures (campaigns.services.
    figures, every minute): {campaign id: {"rewards": [[tier id or null, role, count], ...]}}."""
    rows = (
        ReferralReward.objects.filter(campaign_id__in=campaign_ids)
        .values("campaign_id", "tier_id", "role")
        .annotate(n=Count("pk"))
        .order_by()
    )
    figures: dict[str, dict] = {campaign_id: {"rewards": []} for campaign_id in campaign_ids}
    for row in rows:
        figures[row["campaign_id"]]["rewards"].append([row["tier_id"], row["role"], row["n"]])
    return figures


def stored_rewards(extra: dict) -> dict[tuple[str | None, str], int] | None:
    """Rewards by (tier id, role) from what rewards_figures gave (a big program's stored figures, ``extra``),
    or None without."""
    if "rewards" not in extra:
        return None
    return {(tier, role): n for tier, role, n in extra["rewards"]}


def tier_rewards_granted(campaign: Campaign, rewards: dict | None = None) -> dict[str, int]:
    """How many referrers got each tier's reward, by tier id (the referrer rewards summary); from
    ``rewards`` (rewards_by_tier_and_role) when the caller has them."""
    rewards = rewards_by_tier_and_role(campaign) if rewards is None else rewards
    return {tier: n for (tier, role), n in rewards.items() if role == RewardRole.REFERRER}


def referred_by_day(campaign: Campaign, start: datetime, end: datetime, tz) -> dict[date, int]:
    """Referees converted each day of ``[start, end)`` in the time zone ``tz``."""
    rows = (
        Referral.objects.filter(campaign=campaign, created_at__gte=start, created_at__lt=end)
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("day")
        .annotate(count=Count("pk"))
    )
    return {row["day"]: row["count"] for row in rows}
