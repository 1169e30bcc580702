"""Referrals are exact under concurrency (PostgreSQL): parallel calls, each in its own server thread,
connection and transaction. One referee converted by 30 parallel calls is referred once and rewards the
referrer once; referrers crossing a tier's threshold in parallel conversions get that tier's reward once."""

from collections import Counter

import pytest

from campaigns.models import Customer, Voucher
from loyalty.models import Reward
from referrals.models import Referral, ReferralReward, Referrer
from referrals.services.tiers import create_tier
from tests.factories import make_campaign, make_voucher
from tests.redemptions.test_concurrency import in_parallel
from voucherhub.caller import Caller

pytestmark = pytest.mark.postgres

RACE = 30


def _program(call, event: str) -> tuple[str, str]:
    """A program converting on ``event``, with its code published to ``ann``: (program id, code)."""
    body = {
        "name": "Race friends",
        "campaign_type": "REFERRAL_PROGRAM",
        "voucher": {"type": "DISCOUNT_VOUCHER", "discount": {"type": "PERCENT", "percent_off": 10}},
        "vouchers_count": 1,
        "referral_program": {"conversion_event_type": "custom_event", "custom_event": {"name": event}},
    }
    status, program = call("/v1/campaigns", body)
    assert status == 200, program
    status, publication = call(
        "/v1/publications", {"customer": {"source_id": "ann"}, "campaign": {"name": program["id"]}}
    )
    assert status == 200, publication
    return program["id"], publication["voucher"]["code"]


def _tier(program: str, referrals: int, name: str) -> None:
    coupons = make_campaign(name=name)
    for i in range(RACE):
        make_voucher(code=f"{name.upper()}-{i}", campaign=coupons)
    reward = Reward.objects.create(name=name, type="CAMPAIGN", campaign=coupons)
    create_tier(caller=Caller.system("test"), program=program, referrals=referrals, reward=reward.pk)


def test_one_referee_converted_in_parallel_is_referred_once_and_rewards_once(call):
    program, code = _program(call, "signed_up")
    _tier(program, 1, "Thanks")
    body = {"event": "signed_up", "customer": {"source_id": "bob"}, "referral": {"code": code}}

    answers = in_parallel(RACE, lambda i: call("/v1/events", body))
    assert Counter(status for status, _ in answers) == {200: RACE}
    bob = Customer.objects.get(source_id="bob")
    assert Referral.objects.filter(referee=bob).count() == 1
    assert Referrer.objects.get(customer__source_id="ann").referrals == 1
    assert ReferralReward.objects.filter(customer__source_id="ann").count() == 1
    assert Voucher.objects.filter(code__startswith="THANKS-", holder__source_id="ann").count() == 1


def test_a_tier_crossed_by_parallel_conversions_is_granted_once(call):
    program, code = _program(call, "signed_up")
    _tier(program, 5, "Five")
    _tier(program, 20, "Twenty")

    def convert(i: int):
        return call(
            "/v1/events", {"event": "signed_up", "customer": {"source_id": f"ref-{i}"}, "referral": {"code": code}}
        )

    answers = in_parallel(RACE, convert)
    assert Counter(status for status, _ in answers) == {200: RACE}
    assert Referral.objects.count() == RACE and Referrer.objects.get().referrals == RACE
    granted = Counter(r.tier.referrals for r in ReferralReward.objects.select_related("tier"))
    assert granted == {5: 1, 20: 1}
    assert Voucher.objects.filter(holder__source_id="ann").exclude(code=code).count() == 2
