"""Issue 14: statuses and channels in words on every page, in headless Chromium, as a marketer reads them:
"Rolled back", not ROLLED_BACK; "Dashboard user" or "API" with the API key's or the user's name; the same
words in the filter options and in the campaign's Analytics chart. The CSV keeps the stored codes
(tests/exports/test_build.py)."""

import re

import pytest
from playwright.sync_api import Page, expect

from redemptions.models import RedemptionStatus
from tests.e2e.test_layout import sign_in
from tests.factories import make_campaign
from tests.redemptions.factories import make_redemption

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def rows(transactional_db):
    campaign = make_campaign(name="Summer sale")
    shop = make_redemption(
        voucher_code="SHOP-1", campaign=campaign, channel_type="API", channel_id="Web shop", amount=2_000
    )
    back = make_redemption(
        voucher_code="BACK-1",
        campaign=campaign,
        channel_type="API",
        channel_id="POS Warsaw",
        status=RedemptionStatus.ROLLED_BACK,
    )
    desk = make_redemption(voucher_code="DESK-1", campaign=campaign, channel_type="USER", channel_id="admin")
    failed = make_redemption(failed=True, voucher_code="NOPE-1", campaign=campaign, channel_id="Web shop")
    return {"campaign": campaign, "shop": shop, "back": back, "desk": desk, "failed": failed}


def test_a_marketer_reads_statuses_and_channels_in_words_on_the_list_the_detail_and_the_analytics(
    live_server, page: Page, role_user, artifact_dir, rows
):
    role_user("Marketer")
    base = live_server.url
    sign_in(page, base, "marketer")

    page.goto(base + "/redemptions/")
    table = page.locator("#redemptions-table")
    expect(table.locator(f"tr#row-{rows['back'].pk}")).to_contain_text("Rolled back")
    expect(table.locator(f"tr#row-{rows['back'].pk}")).to_contain_text("POS Warsaw")
    expect(table.locator(f"tr#row-{rows['desk'].pk}")).to_contain_text("Dashboard user")
    expect(table.locator(f"tr#row-{rows['failed'].pk}")).to_contain_text("Failed")
    for code in ("ROLLED_BACK", "SUCCEEDED", "FAILED", "USER"):
        expect(table).not_to_contain_text(code)
    page.screenshot(path=artifact_dir / "list.png", full_page=True)

    # The filter offers the same words, and a channel is found by its words too.
    status = page.get_by_label("Status")
    expect(status.locator("option")).to_have_text(["Any status", "Succeeded", "Failed", "Rolled back"])
    status.select_option(label="Rolled back")
    expect(page).to_have_url(re.compile(r"status=ROLLED_BACK"))
    expect(table.get_by_test_id("row-count")).to_have_text(re.compile(r"1 redemption\b"))
    page.goto(base + "/redemptions/?channel=Dashboard+user")
    expect(table.get_by_test_id("row-count")).to_have_text(re.compile(r"1 redemption\b"))
    expect(table.locator(f"tr#row-{rows['desk'].pk}")).to_be_visible()

    page.goto(f"{base}/redemptions/{rows['back'].pk}/")
    expect(page.get_by_test_id("redemption-status")).to_have_text("Rolled back")
    expect(page.get_by_test_id("channel")).to_have_text(re.compile(r"^API\s*POS Warsaw$"))
    page.screenshot(path=artifact_dir / "detail.png", full_page=True)

    # Analytics: each channel by its name, as the list shows it, not just API / User.
    page.goto(f"{base}/campaigns/{rows['campaign'].pk}/analytics/")
    chart = page.get_by_role("list", name="Redemptions by channel")
    expect(chart.get_by_role("listitem")).to_have_text(["Web shop", "POS Warsaw", "admin (Dashboard user)"])
    expect(chart.locator('[data-bar="API:Web shop"]')).to_have_attribute("data-value", "2")
    page.screenshot(path=artifact_dir / "analytics.png", full_page=True)
