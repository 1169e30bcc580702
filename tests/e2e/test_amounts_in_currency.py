"""Issue 14: every amount a person reads is in the installation's currency, a zero-decimal one (JPY)
included: the demo's validation rules on a campaign's Rules tab, and the Stacking Rules simulator, whose
order amount is read with the currency's own minor-unit exponent."""

import re

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from campaigns.models import Campaign
from demo.catalogue import MARKER_CAMPAIGN, MIN_REDEMPTIONS
from demo.loader import seed_demo
from tests.e2e.test_layout import sign_in
from tests.factories import make_voucher
from voucherhub.roles import ROLE_PERMISSIONS, sync_roles

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def yen(settings):
    settings.VOUCHERHUB_CURRENCY = "JPY"


def test_the_demo_rules_name_their_amounts_in_yen_on_the_campaign_and_in_the_simulator(
    live_server, page: Page, yen, transactional_db, artifact_dir
):
    if Group.objects.filter(name__in=ROLE_PERMISSIONS).count() < len(ROLE_PERMISSIONS):
        sync_roles(apps)  # a transactional test's flush empties the roles' groups
    seed_demo(redemptions=MIN_REDEMPTIONS, password="pw")
    black_friday = Campaign.objects.get(name=MARKER_CAMPAIGN)
    base = live_server.url
    sign_in(page, base, "marketer")

    page.goto(f"{base}/campaigns/{black_friday.pk}/")
    expect(page.get_by_text("orders from ¥10,000.")).to_be_visible()  # the description
    page.goto(f"{base}/campaigns/{black_friday.pk}/rules/")
    rule = page.locator("[data-rule]").first
    expect(rule).to_contain_text("Orders from ¥10,000")
    expect(rule.get_by_test_id("rule-conditions")).to_have_text("Order amount is at least ¥10,000.")
    expect(rule).to_contain_text("Message when it fails: “Black Friday codes need an order of ¥10,000”")
    expect(rule).not_to_contain_text("100.00")
    page.screenshot(path=artifact_dir / "rules.png", full_page=True)

    # The simulator says why a Black Friday code fails on a small order, with the rule's message in yen.
    code = black_friday.vouchers.filter(redemption_quantity__isnull=True).first() or black_friday.vouchers.first()
    page.goto(f"{base}/redemptions/stacking-rules/")
    simulator = page.locator("#simulator-panel")
    simulator.get_by_label("Codes and promotion tier ids").fill(code.code)
    simulator.get_by_label("Order amount").fill("5000")
    simulator.get_by_role("button", name="Simulate").click()
    expect(page.locator("#simulation-table")).to_contain_text("Black Friday codes need an order of ¥10,000")
    expect(page.locator("#simulator-result")).not_to_contain_text("100.00")


def test_the_simulator_reads_and_shows_yen_without_decimals(live_server, page: Page, role_user, yen, artifact_dir):
    role_user("Marketer")
    make_voucher(code="YEN500", discount_type="AMOUNT", percent_off=None, amount_off=500)  # ¥500 off
    base = live_server.url
    sign_in(page, base, "marketer")
    page.goto(f"{base}/redemptions/stacking-rules/")
    simulator = page.locator("#simulator-panel")
    expect(simulator).to_contain_text("In JPY, as on a receipt: 10000 is ¥10,000.")
    expect(simulator).not_to_contain_text("100.00")
    simulator.get_by_label("Codes and promotion tier ids").fill("YEN500")

    # A whole number is yen (no minor units): ¥1,200 less ¥500.
    simulator.get_by_label("Order amount").fill("1200")
    simulator.get_by_role("button", name="Simulate").click()
    totals = page.locator("#simulation-totals")
    expect(page.locator("#simulation-table").get_by_test_id("total-after")).to_have_text(["¥700"])
    expect(totals).to_contain_text("¥1,200")
    expect(totals).to_contain_text("¥500")
    page.screenshot(path=artifact_dir / "simulated.png", full_page=True)

    # With a decimal point it is still yen, not hundredths of one: "1200.00" is ¥1,200 too ...
    simulator.get_by_label("Order amount").fill("1200.00")
    simulator.get_by_role("button", name="Simulate").click()
    expect(page).to_have_url(re.compile(r"amount=1200\.00"))
    expect(totals).to_contain_text("¥1,200")
    # ... and a fraction of a yen is refused, saying why.
    simulator.get_by_label("Order amount").fill("1200.5")
    simulator.get_by_role("button", name="Simulate").click()
    expect(page.locator("#simulator-result").get_by_role("alert")).to_contain_text("JPY has no minor units")
