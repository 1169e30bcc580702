"""An admin on the Stacking Rules tab: a rejected settings form, then the simulator, in headless Chromium."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from stacking.models import Category, StackingRules
from tests.e2e.test_layout import sign_in
from tests.factories import make_voucher, now

pytestmark = [pytest.mark.e2e]


def test_admin_sees_form_errors_and_simulates_a_stack(live_server, page: Page, role_user, artifact_dir):
    role_user("Admin")
    exclusive = Category.objects.create(name="Exclusive deals", hierarchy=1, stacking_rules_type="EXCLUSIVE")
    make_voucher(code="EXCL20", percent_off=20, category=exclusive)
    make_voucher(code="REG10", percent_off=10)
    make_voucher(code="OLD", expiration_date=now() - timedelta(days=1))
    StackingRules.objects.update_or_create(pk=1, defaults={"redeemables_application_mode": "PARTIAL"})
    base = live_server.url

    sign_in(page, base, "admin")
    page.goto(base + "/redemptions/")
    page.get_by_role("navigation", name="Redemptions tabs").get_by_role("link", name="Stacking rules").click()
    expect(page).to_have_url(f"{base}/redemptions/stacking-rules/")

    panel = page.locator("#rules-panel")
    panel.get_by_label("Maximum applicable redeemables", exact=True).fill("40")
    panel.get_by_label("Maximum applicable exclusive redeemables").fill("9")
    panel.get_by_role("button", name="Save stacking rules").click()
    expect(panel.get_by_text("The settings were not saved")).to_be_visible()
    expect(panel.get_by_text("Ensure this value is less than or equal to 30.")).to_be_visible()
    expect(panel.get_by_text("Ensure this value is less than or equal to 5.")).to_be_visible()
    page.screenshot(path=artifact_dir / "rules-errors.png", full_page=True)
    assert StackingRules.objects.get().applicable_redeemables_limit == 5

    simulator = page.locator("#simulator-panel")
    simulator.get_by_label("Codes and promotion tier ids").fill("REG10\nEXCL20, OLD")
    simulator.get_by_label("Order amount").fill("100.00")
    simulator.get_by_role("button", name="Simulate").click()
    result = page.locator("#simulation-table")
    expect(result.locator('tr[data-redeemable="REG10"]')).to_contain_text("Skipped")
    excluded = "an exclusive redeemable in this stack excludes"  # a sentence, not exclusion_rules_not_met
    expect(result.locator('tr[data-redeemable="REG10"]')).to_contain_text(excluded)
    expect(result.locator('tr[data-redeemable="EXCL20"]')).to_contain_text("Applicable")
    expect(result.locator('tr[data-redeemable="OLD"]')).to_contain_text("The voucher or its campaign has expired.")
    expect(page.locator("#simulation-totals")).to_contain_text("80.00")
    # The result table fits its card: no column is cut off on the right.
    fits = page.locator('[data-testid="simulation-scroll"]').evaluate("el => el.scrollWidth <= el.clientWidth + 1")
    assert fits, "the simulator's table is wider than its card"
    card = page.locator("#simulator-panel").bounding_box()
    last_header = result.get_by_role("columnheader", name="Total after").bounding_box()
    assert last_header["x"] + last_header["width"] <= card["x"] + card["width"] + 1
    expect(page).to_have_url(
        re.compile(r"/redemptions/stacking-rules/\?redeemables=REG10.*&amount=100\.00")
    )  # bookmarkable
    page.screenshot(path=artifact_dir / "simulator.png", full_page=True)
    assert (artifact_dir / "simulator.png").stat().st_size > 0
