"""Issue 14, the stacking simulator walked through in headless Chromium: an empty codes box, the running
total, and reasons read as sentences."""

import pytest
from playwright.sync_api import Page, expect

from stacking.models import Category, StackingRules
from stacking.reasons import SENTENCES
from tests.e2e.test_layout import sign_in
from tests.factories import make_voucher

pytestmark = [pytest.mark.e2e]


def test_the_simulator_says_what_is_missing_totals_row_by_row_and_explains_in_sentences(
    live_server, page: Page, role_user, artifact_dir
):
    role_user("Marketer")
    exclusive = Category.objects.create(name="Exclusive deals", hierarchy=1, stacking_rules_type="EXCLUSIVE")
    make_voucher(code="EXCL20", percent_off=20, category=exclusive)
    make_voucher(code="REG10", percent_off=10)
    make_voucher(code="FIVE", discount_type="AMOUNT", percent_off=None, amount_off=500)
    StackingRules.objects.update_or_create(
        pk=1, defaults={"redeemables_application_mode": "PARTIAL", "redeemables_sorting_rule": "CATEGORY_HIERARCHY"}
    )
    base = live_server.url
    sign_in(page, base, "marketer")
    page.goto(base + "/redemptions/stacking-rules/")
    simulator = page.locator("#simulator-panel")
    codes = simulator.get_by_label("Codes and promotion tier ids")

    # The amount is read as on a receipt: "100" is €100.00, as the help under the field says.
    expect(simulator.get_by_text("In EUR, as on a receipt: 100.00 is €100.00.")).to_be_visible()
    # An empty codes box: the form says what is missing, on the field itself.
    simulator.get_by_label("Order amount").fill("100")
    simulator.get_by_role("button", name="Simulate").click()
    errors = page.locator("#simulator-result").get_by_role("alert")
    expect(errors).to_contain_text("Codes and promotion tier ids: Enter at least one code or promotion tier id.")
    expect(codes).to_have_attribute("aria-invalid", "true")
    expect(simulator.get_by_text("Enter at least one code or promotion tier id.").first).to_be_visible()
    page.screenshot(path=artifact_dir / "empty.png", full_page=True)

    # Three codes: the exclusive one applies first (category hierarchy), the regular ones are excluded.
    codes.fill("FIVE\nREG10, EXCL20")
    simulator.get_by_role("button", name="Simulate").click()
    table = page.locator("#simulation-table")
    expect(table.locator('tr[data-redeemable="EXCL20"]')).to_contain_text("Applicable")
    totals = table.get_by_test_id("total-after")
    expect(totals).to_have_text(["€100.00", "€100.00", "€80.00"])  # after each row, top to bottom
    expect(page.locator("#simulation-totals")).to_contain_text("80.00")
    regular = table.locator('tr[data-redeemable="REG10"]')
    expect(regular).to_contain_text(SENTENCES["exclusion_rules_not_met"])
    expect(regular).not_to_contain_text("exclusion_rules_not_met")
    rules = page.get_by_test_id("simulation-rules")
    expect(rules).to_contain_text(SENTENCES["CATEGORY_HIERARCHY"])
    expect(rules).to_contain_text(SENTENCES["PARTIAL"])
    expect(page.locator("#simulator-result")).not_to_contain_text("category_hierarchy")

    # Without the exclusive one both regular ones apply, in the order sent: the total falls row by row.
    codes.fill("FIVE, REG10, GONE")
    simulator.get_by_role("button", name="Simulate").click()
    expect(table.locator('tr[data-redeemable="GONE"]')).to_contain_text(SENTENCES["resource_not_found"])
    expect(totals).to_have_text(["€95.00", "€85.00", "€85.00"])
    # Where each applied one stands in the stack, as a sentence.
    expect(table.locator('tr[data-redeemable="FIVE"]')).to_contain_text("Applied in position 1 of the stack.")
    expect(table.locator('tr[data-redeemable="REG10"]')).to_contain_text("Applied in position 2 of the stack.")
    expect(page.locator("#simulator-result")).not_to_contain_text("applied #")
    expect(page.locator("#simulation-totals")).to_contain_text("85.00")
    page.screenshot(path=artifact_dir / "simulator.png", full_page=True)
