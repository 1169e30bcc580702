"""The viewer's world in headless Chromium (issue 14, gaps 1 and 2): a browser in New York sees times in
New York's zone with the zone named and UTC on hover, amounts with the currency's sign, dates on one
line; a zone chosen on the Settings page (from the user menu) wins over the browser's."""

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.test_layout import sign_in
from tests.e2e.test_wrapping import LINES
from tests.factories import make_campaign
from tests.redemptions.factories import make_redemption

pytestmark = [pytest.mark.e2e]

MOMENT = datetime(2026, 3, 10, 3, 30, 5, tzinfo=UTC)  # March 9th, 23:30:05 in New York (EDT)


@pytest.fixture
def redemption(transactional_db):
    campaign = make_campaign(name="Spring sale")
    return make_redemption(
        voucher_code="SPRING-NY", campaign=campaign, created_at=MOMENT, amount=10_678_600, order_amount=10_678_600
    )


def test_a_browser_in_new_york_sees_new_york_times_named_and_euro_amounts(
    live_server, browser: Browser, role_user, artifact_dir, redemption
):
    role_user("Marketer")
    base = live_server.url
    context = browser.new_context(timezone_id="America/New_York", locale="en-US")
    page = context.new_page()
    try:
        sign_in(page, base, "marketer")
        page.goto(base + "/redemptions/")
        table = page.locator("#redemptions-table")
        expect(table.get_by_test_id("time-zone")).to_have_text("Times in America/New_York")
        when = table.locator("time").first
        expect(when).to_have_text("Mar 9, 2026, 23:30:05")
        expect(when).to_have_attribute("title", "2026-03-10 03:30:05 UTC")
        # The date and the clock on one line, never two.
        assert when.evaluate("el => getComputedStyle(el).whiteSpace") == "nowrap"
        assert when.evaluate(LINES) == 1
        expect(table).to_contain_text("€106,786.00")
        page.screenshot(path=artifact_dir / "redemptions-new-york.png", full_page=True)

        # The date filter reads days in the same zone: "From March 10th" leaves out New York's March 9th.
        page.goto(base + "/redemptions/?created_from=2026-03-10")
        expect(table.get_by_test_id("row-count")).to_have_text(re.compile(r"\b0 redemptions\b"))
        page.goto(base + "/redemptions/?created_to=2026-03-09")
        expect(table.get_by_test_id("row-count")).to_have_text(re.compile(r"\b1 redemption\b"))

        page.goto(f"{base}/redemptions/{redemption.pk}/")
        expect(page.locator("dd time").first).to_have_text("Mar 9, 2026, 23:30:05")
        expect(page.get_by_test_id("time-zone")).to_have_text("Times in America/New_York · UTC on hover")
        expect(page.locator("#content")).to_contain_text("€106,786.00")

        # A zone of one's own, from the user menu.
        page.locator(".vh-user-toggle").click()
        expect(page.get_by_test_id("menu-time-zone")).to_have_text("· times in America/New_York")
        page.get_by_role("link", name=re.compile(r"^Settings")).click()
        expect(page).to_have_url(f"{base}/settings/")
        expect(page.get_by_test_id("time-zone-in-use")).to_contain_text("America/New_York (your browser's zone)")
        expect(page.get_by_text("A time zone (for example Europe/Warsaw or America/New_York)")).to_be_visible()
        expect(page.locator("main")).not_to_contain_text("IANA")
        page.get_by_role("combobox", name="Time zone").fill("Mars/Olympus_Mons")
        page.get_by_role("button", name="Save").click()
        expect(page.locator(".invalid-feedback")).to_have_text(
            "“Mars/Olympus_Mons” is not a time zone we know. Type a region and a city as in Europe/Warsaw, "
            "or pick one of the suggestions that appear as you type."
        )
        page.screenshot(path=artifact_dir / "settings-error.png", full_page=True)
        page.get_by_role("combobox", name="Time zone").fill("Asia/Tokyo")
        page.get_by_role("button", name="Save").click()
        expect(page.locator(".vh-messages")).to_contain_text("Times are now shown in Asia/Tokyo.")
        page.goto(base + "/redemptions/")
        expect(table.get_by_test_id("time-zone")).to_have_text("Times in Asia/Tokyo")
        expect(table.locator("time").first).to_have_text("Mar 10, 2026, 12:30:05")
        page.screenshot(path=artifact_dir / "redemptions-tokyo.png", full_page=True)
    finally:
        context.close()
