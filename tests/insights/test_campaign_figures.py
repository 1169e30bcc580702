"""A big campaign's voucher totals: the beat's task stores them (vouchers, published, gift value issued and
balance; a referral program's rewards by tier and role) for campaigns over the live limit, the overview
reads them and says as of when, and a campaign back under the limit is added up live again. And the
Analytics tab's top tiers, which leave out the redemptions of no tier."""

import pytest

from campaigns.models import CampaignFigures, CampaignType, PromotionTier
from campaigns.services import figures
from campaigns.tasks import refresh_campaign_figures
from tests.factories import make_campaign, make_customer, make_gift_card, make_voucher
from tests.insights.test_referral_tabs import friends  # noqa: F401  (a fixture)
from tests.redemptions.factories import make_redemption

pytestmark = pytest.mark.django_db


@pytest.fixture
def gifts():
    campaign = make_campaign(name="Gifts", campaign_type=CampaignType.GIFT_VOUCHERS)
    make_gift_card(amount=5_000, code="G-1", campaign=campaign, holder=make_customer())
    make_gift_card(amount=5_000, code="G-2", campaign=campaign)
    spent = make_gift_card(amount=2_000, code="G-3", campaign=campaign)
    spent.gift_balance = 500
    spent.save(update_fields=["gift_balance"])
    return campaign


def overview(client, role_user, campaign) -> str:
    role_user("Marketer")
    client.login(username="marketer", password="pw")
    return client.get(f"/campaigns/{campaign.pk}/").content.decode()


def test_a_campaign_over_the_live_limit_gets_its_totals_stored_and_its_overview_reads_them(
    gifts, monkeypatch, client, role_user
):
    monkeypatch.setattr(figures, "LIVE_LIMIT", 2)
    assert refresh_campaign_figures() == 1
    row = CampaignFigures.objects.get(campaign=gifts)
    assert (row.vouchers, row.published, row.gift_issued, row.gift_balance) == (3, 1, 12_000, 10_500)

    # A card added after the refresh shows at the next one; the page says as of when.
    make_gift_card(amount=1_000, code="G-4", campaign=gifts)
    html = overview(client, role_user, gifts)
    assert 'data-figure="vouchers" data-value="3"' in html and 'data-figure="gift_balance" data-value="10500"' in html
    assert 'data-testid="vouchers-as-of"' in html and "added up every minute" in html
    refresh_campaign_figures()
    assert CampaignFigures.objects.get(campaign=gifts).vouchers == 4


def test_a_campaign_under_the_limit_is_added_up_live_and_loses_its_stored_totals(gifts, monkeypatch, client, role_user):
    monkeypatch.setattr(figures, "LIVE_LIMIT", 2)
    refresh_campaign_figures()
    monkeypatch.setattr(figures, "LIVE_LIMIT", 3)
    assert refresh_campaign_figures() == 0
    assert not CampaignFigures.objects.exists()
    make_gift_card(amount=1_000, code="G-4", campaign=gifts)
    html = overview(client, role_user, gifts)
    assert 'data-figure="vouchers" data-value="4"' in html and 'data-figure="gift_balance" data-value="11500"' in html
    assert "vouchers-as-of" not in html


def test_a_big_referral_programs_rewards_are_stored_with_its_codes_and_its_overview_reads_them(
    friends,  # noqa: F811
    monkeypatch,
    client,
    role_user,
):
    program, _ = friends
    monkeypatch.setattr(figures, "LIVE_LIMIT", 0)
    refresh_campaign_figures()
    rewards = CampaignFigures.objects.get(campaign=program).extra["rewards"]
    assert [role for _, role, n in rewards] == ["REFERRER"] and [n for _, _, n in rewards] == [1]
    # As stored: the rewards granted since the refresh show at the next one.
    CampaignFigures.objects.filter(campaign=program).update(extra={"rewards": [[None, "REFEREE", 7]]})
    html = overview(client, role_user, program)
    assert 'data-figure="rewards_granted" data-value="7"' in html
    assert 'data-figure="referee_rewards" data-value="7"' in html
    assert "Codes and rewards as of" in html


def test_the_top_tiers_leave_out_the_redemptions_of_no_tier(client, role_user):
    promo = make_campaign(name="Promo", campaign_type=CampaignType.PROMOTION)
    tier = PromotionTier.objects.create(
        campaign=promo, name="Ten off", position=1, discount_type="AMOUNT", amount_off=1
    )
    for _ in range(3):  # more redemptions of no tier than of the tier: still only the tier is listed
        make_redemption(campaign=promo, voucher=make_voucher(campaign=promo), discount_amount=50)
    make_redemption(campaign=promo, promotion_tier=tier, related_object_type="promotion_tier", discount_amount=100)
    role_user("Marketer")
    client.login(username="marketer", password="pw")
    html = client.get(f"/campaigns/{promo.pk}/analytics/").content.decode()
    top = html.split('data-chart="chart-top"')[1].split("</figure>")[0]
    assert f'data-bar="{tier.pk}" data-value="1"' in top and top.count("data-bar=") == 1 and "Ten off" in top
