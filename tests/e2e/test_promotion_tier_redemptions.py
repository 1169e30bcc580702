"""Issue 14: a promotion tier's redemption shows its tier wherever a voucher would be, in headless Chromium."""

import re

import pytest
from playwright.sync_api import Page, expect

from campaigns.models import CampaignType
from redemptions.services.redemption import redeem
from tests.e2e.test_layout import sign_in
from tests.factories import make_campaign, stack
from tests.redemptions.factories import make_tier
from voucherhub.caller import Caller

pytestmark = [pytest.mark.e2e]


def _tier_redemption():
    promotion = make_campaign(name="Spring promotion", campaign_type=CampaignType.PROMOTION)
    tier = make_tier(campaign=promotion, name="Spend 100, get 10%")
    outcome = redeem(
        stack(redeemables=[{"object": "promotion_tier", "id": tier.pk}], order={"amount": 10_000}),
        caller=Caller.system("test"),
    )
    assert outcome.error is None, outcome.error
    return promotion, tier, outcome.redemptions[0]


def test_a_marketer_sees_the_tier_in_the_list_and_the_detail_and_follows_it_to_the_tiers_tab(
    live_server, page: Page, role_user, artifact_dir
):
    role_user("Marketer")
    promotion, tier, redemption = _tier_redemption()
    base = live_server.url
    sign_in(page, base, "marketer")

    page.goto(f"{base}/redemptions/")
    row = page.locator(f"#row-{redemption.pk}")
    voucher_cell = row.get_by_test_id("redeemable-tier")
    # The Voucher column reads the tier (no "—"), marked as a tier.
    expect(row.locator("td").filter(has=page.get_by_test_id("redeemable-tier"))).to_have_text(
        re.compile(r"^\s*Tier\s*Spend 100, get 10%\s*$")
    )
    expect(voucher_cell.get_by_role("link", name="Spend 100, get 10%")).to_have_attribute(
        "href", f"/campaigns/{promotion.pk}/tiers/#tier-{tier.pk}"
    )
    page.screenshot(path=artifact_dir / "list.png", full_page=True)

    row.get_by_role("link", name=redemption.pk).click()
    expect(page).to_have_url(f"{base}/redemptions/{redemption.pk}/")
    summary = page.get_by_role("region", name="Redemption summary")
    expect(summary.get_by_text("Promotion tier", exact=True)).to_be_visible()
    expect(summary.get_by_test_id("redemption-voucher")).to_have_text(re.compile(r"^\s*Tier\s*Spend 100, get 10%\s*$"))
    page.screenshot(path=artifact_dir / "detail.png", full_page=True)

    summary.get_by_role("link", name="Spend 100, get 10%").click()
    expect(page).to_have_url(f"{base}/campaigns/{promotion.pk}/tiers/#tier-{tier.pk}")
    expect(page.locator(f"#tier-{tier.pk}")).to_contain_text("Spend 100, get 10%")
    expect(page.locator(f"#tier-{tier.pk}")).to_contain_text("Whole order")  # what the discount applies to, in words


def test_staff_sees_the_tier_name_without_a_link_to_a_tab_they_cannot_open(live_server, page: Page, role_user):
    role_user("Staff")
    _, _, redemption = _tier_redemption()
    base = live_server.url
    sign_in(page, base, "staff")
    page.goto(f"{base}/redemptions/{redemption.pk}/")
    voucher = page.get_by_test_id("redemption-voucher")
    expect(voucher).to_have_text(re.compile(r"^\s*Tier\s*Spend 100, get 10%\s*$"))
    expect(voucher.get_by_role("link")).to_have_count(0)
