"""The Campaigns section in headless Chromium: a marketer opens a campaign from the list, sees its charts
drawn with their data points, switches tabs by URL (HTMX swap, URL pushed, back works), and follows the
Redemptions tab inside the campaign, reads its Analytics, and moves and zooms the calendar."""

import json
import re

import pytest
from playwright.sync_api import Page, expect

from campaigns.models import CampaignType
from redemptions.services.redemption import redeem
from redemptions.services.requests import RollbackRequest
from redemptions.services.rollback import rollback_redemption
from tests.e2e.test_layout import sign_in
from tests.factories import make_campaign, make_gift_card, make_voucher, stack
from tests.redemptions.factories import make_redemption
from voucherhub.caller import Caller

pytestmark = [pytest.mark.e2e]

CALLER = Caller.system("e2e")


def order(amount: int) -> dict:
    return {"amount": amount, "items": [{"sku_id": "sku-1", "quantity": 1, "price": amount}]}


@pytest.fixture
def data(transactional_db):
    coupons = make_campaign(name="Spring coupons", metadata={"channel": "newsletter"})
    other = make_campaign(name="Autumn coupons")
    for i in range(3):
        make_voucher(code=f"SPRING-{i}", campaign=coupons)
    make_voucher(code="AUTUMN-1", campaign=other)
    outcomes = [
        redeem(
            stack(redeemables=[{"object": "voucher", "id": f"SPRING-{i}"}], order=order(10_000 * (i + 1))),
            caller=CALLER,
        )
        for i in range(3)
    ]
    rollback_redemption(RollbackRequest(outcomes[2].redemptions[0].pk), caller=CALLER)
    make_redemption(campaign=coupons, days_ago=3, voucher_code="SPRING-0")
    autumn = redeem(stack(redeemables=[{"object": "voucher", "id": "AUTUMN-1"}], order=order(5_000)), caller=CALLER)
    gift = make_campaign(name="Gift cards", campaign_type=CampaignType.GIFT_VOUCHERS)
    make_gift_card(code="GIFT-1", amount=5_000, campaign=gift)
    redeem(
        stack(redeemables=[{"object": "voucher", "id": "GIFT-1", "gift": {"credits": 1_500}}], order=order(1_500)),
        caller=CALLER,
    )
    return {"coupons": coupons, "gift": gift, "spring": outcomes, "autumn": autumn.redemptions[0]}


def test_a_marketer_opens_a_campaign_sees_its_charts_switches_tabs_and_follows_redemptions(
    live_server, page: Page, role_user, artifact_dir, data
):
    role_user("Marketer")
    base = live_server.url
    coupons = data["coupons"]
    sign_in(page, base, "marketer")
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Campaigns").click()
    expect(page).to_have_url(f"{base}/campaigns/")
    row = page.locator(f"#row-{coupons.pk}")
    expect(row).to_contain_text("Spring coupons")
    expect(row.get_by_test_id("campaign-status")).to_have_text("Active")
    page.screenshot(path=artifact_dir / "list.png", full_page=True)

    # A filter writes itself into the URL and swaps only the table.
    page.evaluate("window.__notReloaded = true")
    page.get_by_label("Type").select_option("GIFT_VOUCHERS")
    expect(page).to_have_url(re.compile(r"/campaigns/\?.*type=GIFT_VOUCHERS"))
    expect(page.locator(f"#row-{coupons.pk}")).to_have_count(0)
    expect(page.locator(f"#row-{data['gift'].pk}")).to_be_visible()
    assert page.evaluate("window.__notReloaded") is True
    page.get_by_role("link", name="Clear").click()
    expect(page).to_have_url(f"{base}/campaigns/")

    # Open the campaign from the list.
    page.locator(f"#row-{coupons.pk}").get_by_role("link", name="Spring coupons").click()
    expect(page).to_have_url(f"{base}/campaigns/{coupons.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Spring coupons")
    _the_charts_carry_the_figures(page, artifact_dir)
    _tabs_are_urls(page, base, coupons, artifact_dir)
    _redemptions_stay_inside_the_campaign(page, base, coupons, data, artifact_dir)
    _analytics_draws_the_campaigns_charts(page, base, coupons, artifact_dir)


def _redemptions_stay_inside_the_campaign(page: Page, base: str, coupons, data, artifact_dir) -> None:
    # Redemptions: the section's list inside the campaign's page, its tabs still there.
    page.evaluate("window.__notReloaded = true")
    tabs = page.get_by_role("navigation", name="Campaign tabs")
    tabs.get_by_role("link", name="Redemptions").click()
    expect(page).to_have_url(f"{base}/campaigns/{coupons.pk}/redemptions/")
    expect(tabs.get_by_role("link", name="Redemptions")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Spring coupons")
    table = page.locator("#redemptions-table")
    for outcome in data["spring"]:
        expect(table.get_by_role("link", name=outcome.redemptions[0].pk)).to_be_visible()
    expect(table.get_by_role("link", name=data["autumn"].pk)).to_have_count(0)
    expect(page.get_by_test_id("row-count")).to_contain_text("4 redemptions")
    # The section's filters work here and keep the campaign's URL.
    page.get_by_label("Status", exact=True).select_option("ROLLED_BACK")
    expect(page).to_have_url(re.compile(rf"/campaigns/{coupons.pk}/redemptions/\?.*status=ROLLED_BACK"))
    expect(page.get_by_test_id("row-count")).to_contain_text("1 redemption")
    expect(table.get_by_role("link", name=data["spring"][2].redemptions[0].pk)).to_be_visible()
    assert page.evaluate("window.__notReloaded") is True
    page.screenshot(path=artifact_dir / "redemptions.png", full_page=True)


def _analytics_draws_the_campaigns_charts(page: Page, base: str, coupons, artifact_dir) -> None:
    page.get_by_role("navigation", name="Campaign tabs").get_by_role("link", name="Analytics").click()
    expect(page).to_have_url(f"{base}/campaigns/{coupons.pk}/analytics/")
    results = page.locator('[data-chart="chart-result"]')
    expect(results.locator('[data-bar="succeeded"]')).to_have_attribute("data-value", "3")
    expect(results.locator('[data-bar="rolled_back"]')).to_have_attribute("data-value", "1")
    fill = results.locator(".vh-bars-fill").first.bounding_box()
    assert fill and fill["width"] > 20  # a drawn bar, not only numbers
    expect(page.locator('[data-chart="chart-top"] [data-bar="SPRING-0"]')).to_have_attribute("data-value", "2")
    expect(page.locator('[data-chart="chart-failure"]').get_by_test_id("chart-none")).to_have_text(
        "None in this period."
    )
    value = page.locator('[data-chart="chart-value"]')
    expect(value.locator("svg polyline")).to_have_count(1)
    expect(page.get_by_role("heading", name="Discounts given per day")).to_be_visible()
    page.get_by_role("navigation", name="Period").get_by_role("link", name="365 days").click()
    expect(page).to_have_url(f"{base}/campaigns/{coupons.pk}/analytics/?days=365")
    expect(page.get_by_role("heading", name="Discounts given per week")).to_be_visible()
    page.screenshot(path=artifact_dir / "analytics.png", full_page=True)


def _the_charts_carry_the_figures(page: Page, artifact_dir) -> None:
    # The charts are drawn: an SVG line per series with one point per day, carrying the figures (a coupon
    # campaign's publications are its fifth series).
    activity = page.locator('[data-chart="chart-activity"]')
    expect(activity.locator("svg polyline")).to_have_count(5)
    succeeded = activity.locator('g[data-series="redemptions_succeeded"] circle')
    expect(succeeded).to_have_count(30)
    values = [int(v) for v in succeeded.evaluate_all("nodes => nodes.map(n => n.dataset.value)")]
    assert sum(values) == 4 and values[-1] == 3  # three today (one later rolled back), one three days ago
    assert values[-4] == 1
    rollbacks = activity.locator('g[data-series="rollbacks"] circle')
    assert sum(int(v) for v in rollbacks.evaluate_all("nodes => nodes.map(n => n.dataset.value)")) == 1
    # Today's redemption and its rollback coincide: each line is narrower than the one drawn before it,
    # so the later never hides the earlier.
    widths = activity.locator("svg polyline").evaluate_all("nodes => nodes.map(n => +n.getAttribute('stroke-width'))")
    assert widths == sorted(widths, reverse=True) and len(set(widths)) == 5
    data_block = json.loads(page.locator("#chart-activity").text_content())
    assert data_block["redemptions_succeeded"] == values
    box = activity.locator("svg").bounding_box()
    assert box and box["width"] > 200 and box["height"] > 50  # really drawn, not hidden
    expect(page.locator('[data-figure="orders"]')).to_have_attribute("data-value", "2")
    expect(page.locator('[data-figure="order_value"]')).to_have_text("€300.00")  # 100.00 + 200.00 standing
    expect(page.locator('[data-figure="vouchers"]')).to_have_attribute("data-value", "3")
    vouchers_chart = page.locator('[data-chart="chart-vouchers"] g[data-series="vouchers_created"]')
    expect(vouchers_chart).to_have_attribute("data-total", "3")
    page.screenshot(path=artifact_dir / "overview.png", full_page=True)


def _tabs_are_urls(page: Page, base: str, coupons, artifact_dir) -> None:
    # Tabs are URLs: a click swaps the body (no reload) and pushes the URL.
    page.evaluate("window.__notReloaded = true")
    tabs = page.get_by_role("navigation", name="Campaign tabs")
    tabs.get_by_role("link", name="Vouchers").click()
    expect(page).to_have_url(f"{base}/campaigns/{coupons.pk}/vouchers/")
    expect(page.locator("[data-code]")).to_have_count(3)
    assert page.evaluate("window.__notReloaded") is True
    tabs = page.get_by_role("navigation", name="Campaign tabs")
    tabs.get_by_role("link", name="Metadata").click()
    expect(page).to_have_url(f"{base}/campaigns/{coupons.pk}/metadata/")
    expect(page.locator('[data-key="channel"]')).to_contain_text("newsletter")
    page.go_back()
    expect(page).to_have_url(f"{base}/campaigns/{coupons.pk}/vouchers/")
    expect(page.locator("[data-code]")).to_have_count(3)
    # A direct load of a tab's URL renders the same tab.
    page.goto(f"{base}/campaigns/{coupons.pk}/activity/")
    expect(page.get_by_role("navigation", name="Campaign tabs").get_by_role("link", name="Activity")).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.locator("[data-type]").first).to_be_visible()
    page.screenshot(path=artifact_dir / "activity.png", full_page=True)


def test_the_calendar_and_a_gift_cards_transactions_tab(live_server, page: Page, role_user, artifact_dir, data):
    role_user("Marketer")
    base = live_server.url
    sign_in(page, base, "marketer")
    page.goto(f"{base}/campaigns/")
    page.get_by_role("navigation", name="Campaigns tabs").get_by_role("link", name="Calendar").click()
    expect(page).to_have_url(f"{base}/campaigns/calendar/")
    bar = page.locator(f'[data-campaign="{data["coupons"].pk}"]')
    expect(bar).to_be_visible()
    assert bar.bounding_box()["width"] > 10
    _no_axis_label_is_clipped(page)
    page.screenshot(path=artifact_dir / "calendar.png", full_page=True)
    # Move a quarter on, zoom out to a year: each a URL; the campaign without dates runs through them all.
    window = page.get_by_role("navigation", name="Calendar window")
    window.get_by_role("link", name="Next quarter").click()
    expect(page).to_have_url(re.compile(r"/campaigns/calendar/\?zoom=quarter&from=\d{4}-\d{2}$"))
    expect(page.get_by_test_id("calendar-today")).to_have_count(0)  # today is in the quarter before
    window = page.get_by_role("navigation", name="Calendar window")
    window.get_by_role("link", name="Year").click()
    expect(page).to_have_url(re.compile(r"zoom=year&from="))
    expect(page.locator(".vh-calendar-tick")).to_have_count(12)
    expect(bar).to_be_visible()
    _no_axis_label_is_clipped(page)
    page.screenshot(path=artifact_dir / "calendar-year.png", full_page=True)
    page.go_back()
    expect(page).to_have_url(re.compile(r"zoom=quarter"))
    expect(page.locator(".vh-calendar-tick")).to_have_count(3)
    page.get_by_role("navigation", name="Calendar window").get_by_role("link", name="Month").click()
    expect(page.locator(".vh-calendar-tick")).to_have_count(5)  # weeks from the 1st
    _no_axis_label_is_clipped(page)
    page.goto(f"{base}/campaigns/calendar/?zoom=decade")
    expect(page.get_by_test_id("calendar-message")).to_contain_text("is not a zoom")
    bar = page.locator(f'[data-campaign="{data["coupons"].pk}"]')
    bar.click()
    expect(page).to_have_url(f"{base}/campaigns/{data['coupons'].pk}/")

    page.goto(f"{base}/campaigns/{data['gift'].pk}/")
    expect(page.locator('[data-figure="gift_value_spent"]')).to_have_text("€15.00")
    page.get_by_role("navigation", name="Campaign tabs").get_by_role("link", name="Transactions").click()
    expect(page).to_have_url(f"{base}/campaigns/{data['gift'].pk}/transactions/")
    expect(page.locator("[data-amount]")).to_have_count(1)
    expect(page.locator("[data-amount]")).to_have_attribute("data-amount", "-1500")
    page.screenshot(path=artifact_dir / "transactions.png", full_page=True)


def _no_axis_label_is_clipped(page: Page) -> None:
    axis = page.locator(".vh-calendar-axis").bounding_box()
    ticks = page.locator(".vh-calendar-tick")
    expect(ticks.first).to_be_visible()
    for tick in ticks.all():
        box = tick.bounding_box()
        assert box["x"] >= axis["x"] - 1 and box["x"] + box["width"] <= axis["x"] + axis["width"] + 1
        assert tick.evaluate("node => node.scrollWidth <= node.clientWidth"), tick.text_content()


def test_a_campaign_generating_vouchers_shows_its_progress_then_its_failure(
    live_server, page: Page, role_user, artifact_dir, transactional_db
):
    from campaigns.models import Campaign, CreationStatus, GenerationStatus, Voucher, VoucherGenerationJob
    from campaigns.services.generation import fail_generation

    campaign = make_campaign(name="Big launch")
    # What a job part way through leaves (the worker is not part of this test: see test_voucher_generation).
    Voucher.objects.bulk_create(
        Voucher(code=f"BIG-{n}", campaign=campaign, discount_type="PERCENT", percent_off=5) for n in range(3_000)
    )
    Campaign.objects.filter(pk=campaign.pk).update(creation_status=CreationStatus.IN_PROGRESS)
    job = VoucherGenerationJob.objects.create(
        campaign=campaign, total=5_000, done=3_000, status=GenerationStatus.IN_PROGRESS
    )
    role_user("Marketer")
    base = live_server.url
    sign_in(page, base, "marketer")
    page.goto(f"{base}/campaigns/{campaign.pk}/")
    expect(page.get_by_role("status").filter(has_text="Generating")).to_have_text("Generating vouchers: 3,000 of 5,000")
    page.screenshot(path=artifact_dir / "generating.png", full_page=True)

    fail_generation(job.pk, message="Codes kept colliding")
    page.reload()
    expect(page.get_by_role("alert").filter(has_text="generation")).to_contain_text(
        "Voucher generation failed after 3,000 of 5,000: Codes kept colliding"
    )
    expect(page.get_by_text("Generating vouchers")).to_have_count(0)
    page.screenshot(path=artifact_dir / "generation-failed.png", full_page=True)
