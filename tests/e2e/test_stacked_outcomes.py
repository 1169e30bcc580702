"""Issue 14, a stacked redemption read in the Redemptions list and on its detail pages: a failed stack has
its "Stacked · N" parent like a successful one and each attempt says its own outcome; a stack's discounts
and its gift credits are shown apart; a gift-card campaign speaks of credits."""

import pytest
from playwright.sync_api import Page, expect

from campaigns.models import CampaignType
from redemptions.models import Redemption
from redemptions.services.redemption import NOT_REDEEMED, redeem
from redemptions.services.validation import validate
from stacking.reasons import SENTENCES
from tests.e2e.test_layout import sign_in
from tests.factories import make_campaign, make_gift_card, make_voucher, stack
from tests.redemptions.factories import make_tier
from voucherhub.caller import Caller

pytestmark = [pytest.mark.e2e]

BALANCE = SENTENCES["gift_amount_exceeded"]


def _redeem(*redeemables: dict, amount: int = 10_000):
    return redeem(stack(redeemables=list(redeemables), order={"amount": amount}), caller=Caller.system("shop"))


@pytest.fixture
def catalogue(transactional_db):
    gift = make_campaign(name="Gift cards", campaign_type=CampaignType.GIFT_VOUCHERS)
    make_voucher(code="SAVE10", percent_off=10, campaign=make_campaign(name="Coupons"))
    make_voucher(code="SAVE-ALL", discount_type="AMOUNT", percent_off=None, amount_off=10_000)
    make_gift_card(code="CARD", amount=5_000, campaign=gift)
    make_gift_card(code="SPARE", amount=5_000, campaign=gift)
    tier = make_tier(name="Spring 5%", percent_off=5)
    return {"gift": gift, "tier": tier}


def test_a_failed_stack_has_its_parent_and_each_attempt_says_its_own_outcome(
    live_server, page: Page, role_user, artifact_dir, catalogue
):
    role_user("Admin")
    outcome = _redeem(
        {"object": "voucher", "id": "SAVE10"},
        {"object": "promotion_tier", "id": catalogue["tier"].pk},
        {"object": "voucher", "id": "CARD", "gift": {"credits": 9_000}},  # more than its €50.00
    )
    assert outcome.error is not None and outcome.parent is not None
    parent = outcome.parent
    attempts = {row.voucher_code or "tier": row for row in outcome.failed}
    base = live_server.url
    sign_in(page, base, "admin")

    page.goto(base + "/redemptions/")
    table = page.locator("#redemptions-table")
    parent_row = table.locator(f"#row-{parent.pk}")
    expect(parent_row.get_by_test_id("stacked")).to_have_text("Stacked · 3")
    expect(parent_row).to_contain_text("Failed")
    card_row = table.locator(f"#row-{attempts['CARD'].pk}")
    expect(card_row).to_contain_text(BALANCE)
    expect(card_row.get_by_test_id("not-redeemed")).to_have_count(0)
    for name in ("SAVE10", "tier"):
        row = table.locator(f"#row-{attempts[name].pk}")
        expect(row.get_by_test_id("not-redeemed")).to_have_text(f"{NOT_REDEEMED}.")
        expect(row).to_contain_text("The call failed: " + BALANCE)
    page.screenshot(path=artifact_dir / "list.png", full_page=True)

    # The parent's page lists the stack, each attempt with its own outcome.
    parent_row.get_by_role("link", name=parent.pk).click()
    expect(page).to_have_url(f"{base}/redemptions/{parent.pk}/")
    section = page.get_by_role("region", name="Stacked redemption")
    expect(section).to_contain_text("Stacked · 3")
    expect(section.locator(f'[data-child="{attempts["CARD"].pk}"]')).to_contain_text(BALANCE)
    expect(section.locator(f'[data-child="{attempts["SAVE10"].pk}"]')).to_contain_text(NOT_REDEEMED)
    expect(section.locator(f'[data-child="{attempts["SAVE10"].pk}"]')).not_to_contain_text(f"FAILED · {BALANCE}")
    expect(page.get_by_test_id("redemption-failure")).to_contain_text(BALANCE)
    page.screenshot(path=artifact_dir / "parent.png", full_page=True)

    # A discount code of that stack: not redeemed because of the card, and part of the stack.
    section.get_by_role("link", name=attempts["SAVE10"].pk).click()
    expect(page).to_have_url(f"{base}/redemptions/{attempts['SAVE10'].pk}/")
    expect(page.get_by_test_id("redemption-failure")).to_contain_text(NOT_REDEEMED)
    expect(page.get_by_role("region", name="Stacked redemption")).to_contain_text(f"Part of {parent.pk}")
    page.screenshot(path=artifact_dir / "child.png", full_page=True)


def test_a_stack_shows_its_discount_and_its_gift_credits_apart_and_a_gift_campaign_speaks_of_credits(
    live_server, page: Page, role_user, artifact_dir, catalogue
):
    role_user("Admin")
    paid = _redeem(
        {"object": "voucher", "id": "SAVE10"}, {"object": "voucher", "id": "CARD", "gift": {"credits": 3_000}}
    )
    covered = _redeem({"object": "voucher", "id": "SAVE-ALL"}, {"object": "voucher", "id": "SPARE"})  # nothing left
    assert paid.error is None and covered.error is None
    base = live_server.url
    sign_in(page, base, "admin")

    # The stack's row: €10.00 of discount and €30.00 of gift credits, not one €40.00 "discount".
    page.goto(base + "/redemptions/")
    row = page.locator(f"#row-{paid.parent.pk}")
    expect(row.get_by_test_id("amount-discount")).to_have_text("€10.00 discount")
    expect(row.get_by_test_id("amount-credits")).to_have_text("€30.00 gift credits")
    row.get_by_role("link", name=paid.parent.pk).click()
    expect(page.get_by_test_id("redemption-discount")).to_have_text("€10.00")
    expect(page.get_by_test_id("redemption-credits")).to_have_text("€30.00")
    expect(page.get_by_test_id("order-discount")).to_have_text("€10.00")
    expect(page.get_by_test_id("order-credits")).to_have_text("€30.00")
    page.screenshot(path=artifact_dir / "stack.png", full_page=True)

    # The gift-card campaign: its Redemptions tab shows the credits each card gave (€0.00 for the card
    # whose stack had paid the order already), and its Budget the credits used, not discounts.
    gift = catalogue["gift"]
    page.goto(f"{base}/campaigns/{gift.pk}/redemptions/")
    card = Redemption.objects.get(voucher_code="CARD", result="SUCCESS")
    spare = Redemption.objects.get(voucher_code="SPARE", result="SUCCESS")
    expect(page.locator(f"#row-{card.pk}").get_by_test_id("amount-credits")).to_have_text("€30.00")
    expect(page.locator(f"#row-{card.pk}")).to_contain_text("gift credits")
    expect(page.locator(f"#row-{spare.pk}").get_by_test_id("amount-credits")).to_have_text("€0.00")
    page.screenshot(path=artifact_dir / "gift-redemptions.png", full_page=True)
    page.goto(f"{base}/campaigns/{gift.pk}/")
    budget = page.get_by_test_id("budget")
    expect(budget).to_contain_text("Credits used")
    expect(budget.locator('[data-figure="gift_value_spent"]')).to_have_text("€30.00")
    expect(budget).not_to_contain_text("Discounts given")
    page.screenshot(path=artifact_dir / "gift-dashboard.png", full_page=True)
    page.get_by_role("navigation", name="Campaign tabs").get_by_role("link", name="Analytics").click()
    expect(page.locator('[data-chart="chart-top"]')).to_contain_text("€30.00 in gift credits")
    expect(page.locator('[data-chart="chart-top"]')).not_to_contain_text("discount")


def test_a_validation_shows_its_discount_and_its_gift_credits_apart(
    live_server, page: Page, role_user, artifact_dir, catalogue
):
    role_user("Marketer")
    redeemables = [
        {"object": "voucher", "id": "SAVE10"},
        {"object": "voucher", "id": "CARD", "gift": {"credits": 2_000}},
    ]
    outcome = validate(stack(redeemables=redeemables, order={"amount": 10_000}), caller=Caller.system("shop"))
    assert outcome.validation.discount_amount == 3_000  # the API's order discount counts the credits
    base = live_server.url
    sign_in(page, base, "marketer")
    page.goto(f"{base}/redemptions/validations/{outcome.validation.pk}/")
    expect(page.get_by_test_id("validation-discount")).to_have_text("€10.00")
    expect(page.get_by_test_id("validation-credits")).to_have_text("€20.00")
    page.screenshot(path=artifact_dir / "validation.png", full_page=True)
