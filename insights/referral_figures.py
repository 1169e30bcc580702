"""A referral program's overview figures (its campaign page's Overview): program in numbers, the conversion
event, the referrer rewards summary, the top 5 referrers and the total referred over the period's chart."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.utils import timezone

from referrals import queries as referral_queries
from voucherhub.privacy import can_see_customers

from . import charts


@dataclass
class ReferralOverview:
    numbers: referral_queries.ProgramNumbers
    conversion: str  # in words
    tiers: list[dict]  # each tier and how many referrers got its reward
    top: list  # the top referrers (None when the viewer may not see customers)
    referred_chart: dict
    referred_in_period: int


def referral_overview(campaign, summary, user) -> ReferralOverview:
    settings = campaign.referral_program or {}
    if settings.get("conversion_event_type") == "custom_event":
        conversion = f"Custom event {(settings.get('custom_event') or {}).get('name', '')}"
    else:
        conversion = "Redemption of the referral code"
    # A big program's rewards as the beat last added them up with its codes (summary.vouchers_as_of), else now.
    rewards = referral_queries.stored_rewards(summary.stored_extra)
    if rewards is None:
        rewards = referral_queries.rewards_by_tier_and_role(campaign)
    granted = referral_queries.tier_rewards_granted(campaign, rewards)
    tz = timezone.get_current_timezone()
    start = datetime.combine(summary.period_start, time.min, tzinfo=tz)
    end = datetime.combine(summary.period_end + timedelta(days=1), time.min, tzinfo=tz)
    by_day = referral_queries.referred_by_day(campaign, start, end, tz)
    rows = [{"day": day, "referred": count} for day, count in by_day.items()]
    points = charts.bucketed(rows, ["referred"], summary.period_start, summary.period_end)
    chart = charts.line_chart(points, [("referred", "Referred", "#6f42c1")], charts.bucket_for(summary.period_days))
    codes = (summary.vouchers_total, summary.vouchers_published)  # counted already by the campaign summary
    return ReferralOverview(
        numbers=referral_queries.program_numbers(campaign, codes=codes, rewards=rewards),
        conversion=conversion,
        tiers=[{"tier": t, "granted": granted.get(t.pk, 0)} for t in referral_queries.program_tiers(campaign)],
        top=referral_queries.top_referrers(campaign) if can_see_customers(user) else None,
        referred_chart=chart,
        referred_in_period=sum(by_day.values()),
    )
