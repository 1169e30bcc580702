"""A campaign's Redemptions tab (the Redemptions section's filters, table and paging, inside the campaign's
page, only its rows) and its Analytics tab (aggregates by result, failure code, channel, top vouchers and
values over time, checked against the rows behind them), with the permissions every tab needs."""

import re

import pytest

from campaigns.models import CampaignType, PromotionTier
from insights.analytics import campaign_analytics
from redemptions.models import RedemptionStatus
from stacking.checks import FailureCode
from tests.factories import make_campaign, make_voucher
from tests.redemptions.factories import make_redemption

pytestmark = pytest.mark.django_db


@pytest.fixture
def coupons():
    campaign = make_campaign(name="Coupons")
    other = make_campaign(name="Other")
    one, two = make_voucher(code="ONE", campaign=campaign), make_voucher(code="TWO", campaign=campaign)
    make_voucher(code="ELSE", campaign=other)
    for _ in range(3):
        make_redemption(voucher=one, campaign=campaign, discount_amount=500, channel_type="API", channel_id="Web shop")
    make_redemption(
        voucher=two, campaign=campaign, discount_amount=250, days_ago=2, channel_type="USER", channel_id="admin"
    )
    make_redemption(voucher=two, campaign=campaign, discount_amount=900, status=RedemptionStatus.ROLLED_BACK)
    make_redemption(failed=True, voucher=two, campaign=campaign)
    make_redemption(failed=True, voucher=one, campaign=campaign, failure_code=FailureCode.QUANTITY_EXCEEDED, days_ago=1)
    make_redemption(failed=True, voucher=one, campaign=campaign, days_ago=45)  # outside the default 30 days
    make_redemption(voucher=make_voucher(code="ELSE-2", campaign=other), campaign=other, discount_amount=7_000)
    return campaign


def row_ids(html: str) -> set[str]:
    return set(re.findall(r'<tr[^>]*id="row-(r[f]?_\w+)"', html)) or set(re.findall(r">(rf?_[A-Za-z0-9]+)<", html))


def test_the_redemptions_tab_lists_only_the_campaigns_rows_inside_its_page(client, role_user, coupons):
    client.force_login(role_user("Marketer"))
    url = f"/campaigns/{coupons.pk}/redemptions/"
    html = client.get(url).content.decode()
    assert 'aria-label="Campaign tabs"' in html and 'aria-current="page"' in html  # the campaign's tabs stay
    assert re.search(r'data-testid="row-count">\s*8 redemptions', html)  # 8 of this campaign, not the other's
    assert "ELSE-2" not in html
    # The section's filters: by result, and the campaign in the URL cannot widen the list.
    failed = client.get(url + "?result=FAILURE").content.decode()
    assert re.search(r'data-testid="row-count">\s*3 redemptions', failed)
    other = client.get(url + f"?campaign={make_campaign(name='X').pk}").content.decode()
    assert re.search(r'data-testid="row-count">\s*8 redemptions', other) and "ELSE-2" not in other
    # The section's paging, and filter forms and links that stay on the campaign's URL.
    paged = client.get(url + "?per_page=10").content.decode()
    assert f'action="{url}"' in paged and 'action="/redemptions/"' not in paged
    # A filter change swaps only the table; a bad date is a form error, never a 500.
    swap = client.get(url + "?result=SUCCESS", headers={"HX-Request": "true", "HX-Target": "redemptions-table"})
    assert swap.status_code == 200 and "<html" not in swap.content.decode()
    bad = client.get(url + "?created_from=not-a-date")
    assert bad.status_code == 200 and "Enter a valid date." in bad.content.decode()


def test_the_campaign_redemptions_export_sends_the_campaign_with_the_tabs_filters(client, role_user, coupons):
    client.force_login(role_user("Admin"))
    html = client.get(f"/campaigns/{coupons.pk}/redemptions/").content.decode()
    assert "Export…" in html
    assert f'<input type="hidden" name="campaign" value="{coupons.pk}">' in html
    assert 'hx-include="#campaign-redemption-export-filters, #list-filters"' in html


def test_analytics_aggregates_match_the_rows(coupons):
    data = campaign_analytics(coupons, days=30)
    assert {row.key: row.value for row in data.by_result} == {"succeeded": 4, "rolled_back": 1, "failed": 2}
    assert [(row.key, row.value) for row in data.by_failure] == [
        (FailureCode.QUANTITY_EXCEEDED, 1),
        (FailureCode.VOUCHER_EXPIRED, 1),
    ]
    assert data.by_failure[0].label == "The voucher has been redeemed as many times as it may be."
    # Each channel by its name, as the Redemptions list shows it (the factory's key is "shop-key").
    assert [(row.label, row.value, row.title) for row in data.by_channel] == [
        ("Web shop", 3, "API"),
        ("shop-key", 3, "API"),
        ("admin (Dashboard user)", 1, "Dashboard user"),
    ]
    assert [(row.key, row.value) for row in data.top] == [("ONE", 3), ("TWO", 1)]  # standing only
    assert data.top_values == {"ONE": 1_500, "TWO": 250}
    assert sum(row["value"] for row in data.values_by_day) == 1_750
    year = campaign_analytics(coupons, days=365)
    assert {row.key: row.value for row in year.by_result}["failed"] == 3


def test_the_analytics_tab_draws_its_charts_and_says_when_one_is_empty(client, role_user, coupons):
    client.force_login(role_user("Marketer"))
    html = client.get(f"/campaigns/{coupons.pk}/analytics/").content.decode()
    bars = dict(re.findall(r'data-bar="([\w]+)" data-value="(\d+)"', html))
    assert bars["succeeded"] == "4" and bars["failed"] == "2" and bars["ONE"] == "3"
    assert "15.00 discounts" in html  # voucher ONE gave 3 x 5.00
    assert 'data-bar="API:Web shop" data-value="3" title="API">Web shop<' in html
    assert "Discounts given per day" in html and 'data-series-total="value" data-value="1750">€17.50<' in html
    year = client.get(f"/campaigns/{coupons.pk}/analytics/?days=365").content.decode()
    assert "Discounts given per week" in year
    empty = make_campaign(name="Quiet", campaign_type=CampaignType.GIFT_VOUCHERS)
    quiet = client.get(f"/campaigns/{empty.pk}/analytics/").content.decode()
    assert quiet.count("None in this period.") == 5  # five charts, each one line, no empty frames
    assert "<svg" not in quiet.split('id="section-body"')[1]
    assert "Gift credits spent per day" in quiet
    promo = make_campaign(name="Promo", campaign_type=CampaignType.PROMOTION)
    tier = PromotionTier.objects.create(
        campaign=promo, name="Ten off", position=1, discount_type="AMOUNT", amount_off=1
    )
    make_redemption(campaign=promo, promotion_tier=tier, related_object_type="promotion_tier", discount_amount=100)
    promo_html = client.get(f"/campaigns/{promo.pk}/analytics/").content.decode()
    assert "Top tiers" in promo_html and "Ten off" in promo_html


@pytest.mark.parametrize("tab", ["", "redemptions/", "analytics/", "rules/", "metadata/"])
def test_every_tab_needs_login_and_the_campaign_view_permission(client, role_user, coupons, tab):
    url = f"/campaigns/{coupons.pk}/{tab}"
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(role_user("Staff"))  # may see redemptions, not campaigns
    assert client.get(url).status_code == 403
    client.force_login(role_user("Marketer"))
    assert client.get(url).status_code == 200
