"""A loyalty program's tabs in headless Chromium, as each role: an Admin opens the program, its Loyalty
cards tab, a card, and adds points with a reason (a mistake first: no reason); the change shows on the
card, in the Transactions tab and on the member's profile. A Marketer reads the cards without the members'
names and has no points form; Staff do not reach the program."""

import pytest
from playwright.sync_api import Page, expect

from loyalty.services.programs import add_member, create_program
from tests.e2e.test_layout import sign_in
from tests.factories import make_customer
from voucherhub.caller import Caller

pytestmark = [pytest.mark.e2e]

CALLER = Caller.system("e2e")


@pytest.fixture
def club(transactional_db):
    program = create_program(caller=CALLER, name="Coffee Club", points=100)
    ann = make_customer(source_id="ann-1", name="Ann Archer", email="ann@example.com")
    card = add_member(caller=CALLER, program=program.pk, customer={"id": ann.pk})
    return {"program": program, "code": card.code, "ann": ann}


def test_an_admin_adds_points_to_a_members_card_with_a_reason(live_server, page: Page, role_user, artifact_dir, club):
    role_user("Admin")
    base, program, code = live_server.url, club["program"], club["code"]
    sign_in(page, base, "admin")
    page.goto(f"{base}/campaigns/{program.pk}/")
    page.get_by_role("link", name="Loyalty cards").click()
    expect(page).to_have_url(f"{base}/campaigns/{program.pk}/loyalty-cards/")
    row = page.locator(f'tr[data-card="{code}"]')
    expect(row).to_contain_text("Ann Archer")
    expect(row).to_contain_text("100")
    page.screenshot(path=artifact_dir / "cards.png", full_page=True)

    row.get_by_role("link", name=code).click()
    expect(page.get_by_test_id("card-balance")).to_have_text("100")
    page.get_by_label("Points").fill("25")
    page.get_by_role("button", name="Change points").click()
    expect(page.get_by_role("alert")).to_contain_text("This field is required.")
    expect(page.get_by_test_id("card-balance")).to_have_text("100")

    page.get_by_label("Points").fill("25")
    page.get_by_label("Reason").fill("Apology for a cold coffee")
    page.get_by_role("button", name="Change points").click()
    expect(page.get_by_role("status")).to_contain_text("Points changed.")
    expect(page.get_by_test_id("card-balance")).to_have_text("125")
    expect(page.locator("#card-changes")).to_contain_text("Apology for a cold coffee")
    page.screenshot(path=artifact_dir / "card.png", full_page=True)

    page.get_by_role("link", name="Transactions", exact=True).click()
    expect(page.locator('tr[data-points="25"]')).to_contain_text("Apology for a cold coffee")
    page.goto(f"{base}/customers/{club['ann'].pk}/")
    expect(page.get_by_test_id("customer-loyalty")).to_contain_text("Coffee Club")
    expect(page.get_by_test_id("customer-loyalty")).to_contain_text("125")


def test_a_marketer_reads_cards_without_names_and_staff_do_not_reach_the_program(
    live_server, page: Page, role_user, artifact_dir, club
):
    role_user("Marketer")
    role_user("Staff")
    base, program, code = live_server.url, club["program"], club["code"]
    sign_in(page, base, "marketer")
    page.goto(f"{base}/campaigns/{program.pk}/loyalty-cards/")
    row = page.locator(f'tr[data-card="{code}"]')
    expect(row).to_contain_text("Member")
    expect(row).not_to_contain_text("Ann Archer")
    row.get_by_role("link", name=code).click()
    expect(page.get_by_test_id("card-balance")).to_have_text("100")
    expect(page.get_by_role("button", name="Change points")).to_have_count(0)
    page.screenshot(path=artifact_dir / "marketer-card.png", full_page=True)

    page.context.clear_cookies()
    sign_in(page, base, "staff")
    response = page.goto(f"{base}/campaigns/{program.pk}/loyalty-cards/")
    assert response is not None and response.status == 403


def test_an_admin_turns_a_rule_off_and_activates_pending_points_and_a_marketer_reads_rewards(
    live_server, page: Page, role_user, artifact_dir, club
):
    from campaigns.models import Order
    from loyalty.services.earning import earn_for_order
    from loyalty.services.earning_rules import create_rules
    from loyalty.services.rewards import assign, create_reward

    program, code = club["program"], club["code"]
    per_euro = {
        "type": "PROPORTIONAL",
        "calculation_type": "ORDER_AMOUNT",
        "order": {"amount": {"every": 100, "points": 1}},
    }
    rule = create_rules(caller=CALLER, program=program.pk, rules=[
        {"event": "order.paid", "loyalty": per_euro, "banner": "A point per euro", "pending_days": 14},
    ])[0]  # fmt: skip
    order = Order.objects.create(source_id="web-7", customer=club["ann"], amount=4_200, total_amount=4_200)
    earn_for_order(order, caller=CALLER)
    mug = create_reward(caller=CALLER, fields={"name": "Mug", "type": "MATERIAL", "product_id": "prod_mug", "stock": 3})
    assign(caller=CALLER, program=program.pk, items=[(mug.pk, 80)])
    role_user("Admin")
    role_user("Marketer")
    base = live_server.url

    sign_in(page, base, "admin")
    page.goto(f"{base}/campaigns/{program.pk}/")
    expect(page.locator('[data-figure="points_pending"]')).to_have_text("42")
    page.get_by_role("link", name="Earning rules").click()
    page.get_by_role("link", name="A point per euro").click()
    expect(page.get_by_test_id("rule-earns")).to_contain_text("1 point for every €1.00 of the order's amount")
    page.get_by_role("button", name="Turn the rule off").click()
    expect(page.get_by_role("status")).to_contain_text("members no longer earn by it")
    expect(page.get_by_test_id("rule-status")).to_have_text("Off")

    page.get_by_role("link", name="Pending points").click()
    page.locator('tr[data-points="42"]').get_by_role("link", name=code).click()
    page.get_by_role("button", name="Activate now").click()
    expect(page.get_by_role("alert")).to_contain_text("This field is required.")
    page.get_by_label("Reason").fill("Parcel delivered early")
    page.get_by_role("button", name="Activate now").click()
    expect(page.locator(".alert-success")).to_contain_text("42 pending points of card")
    page.screenshot(path=artifact_dir / "pending.png", full_page=True)
    page.goto(f"{base}/campaigns/{program.pk}/loyalty-cards/{code}/")
    expect(page.get_by_test_id("card-balance")).to_have_text("142")
    assert rule.pk

    page.context.clear_cookies()
    sign_in(page, base, "marketer")
    page.goto(f"{base}/campaigns/{program.pk}/rewards/")
    expect(page.locator("#rewards-table-el")).to_contain_text("Mug")
    expect(page.locator("#rewards-table-el")).to_contain_text("80 points")
    page.screenshot(path=artifact_dir / "rewards.png", full_page=True)
    page.get_by_role("link", name="Reward redemptions").click()
    expect(page.get_by_text("No rewards redeemed yet")).to_be_visible()
    page.goto(f"{base}/campaigns/{program.pk}/pending-points/")
    expect(page.get_by_role("button", name="Activate now")).to_have_count(0)
    page.get_by_role("link", name="Tiers").click()
    expect(page.get_by_text("No tiers yet")).to_be_visible()
    page.get_by_role("link", name="Points expiration").click()
    expect(page.get_by_text("No points are due to expire")).to_be_visible()


def test_an_admin_finds_a_participant_and_exports_the_programs_transactions(
    live_server, live_worker, page: Page, role_user, artifact_dir, club
):
    """Participants names the members (Admins may see customers); the Transactions tab's Export builds the
    points changes the tab shows in a real worker, the dialog naming the tab's filters."""
    from exports.models import Export, ExportStatus
    from tests.exports.factories import export_csv

    admin = role_user("Admin")
    base, program, code = live_server.url, club["program"], club["code"]
    sign_in(page, base, "admin")
    page.goto(f"{base}/campaigns/{program.pk}/")
    expect(page.get_by_role("heading", name="Cards created")).to_be_visible()
    page.get_by_role("link", name="Participants").click()
    row = page.locator(f'tr[data-card="{code}"]')
    expect(row).to_contain_text("Ann Archer")
    expect(row).to_contain_text("ann@example.com")
    page.screenshot(path=artifact_dir / "participants.png", full_page=True)

    page.get_by_role("link", name="Transactions", exact=True).click()
    expect(page.locator('tr[data-points="100"]')).to_have_count(1)
    page.get_by_role("button", name="Export…").click()
    dialog = page.locator("#export-dialog")
    expect(dialog.get_by_test_id("export-filters")).to_contain_text("Campaign: Coffee Club")
    dialog.get_by_role("button", name="Export", exact=True).click()
    expect(dialog.get_by_test_id("export-status")).to_have_text("Done", timeout=30_000)
    page.screenshot(path=artifact_dir / "transactions-export.png", full_page=True)
    export = Export.objects.get()
    assert export.user == admin and export.status == ExportStatus.DONE
    rows = export_csv(export)
    assert "amount" in rows[0] and "amount_minor" not in rows[0]  # points, not money
    assert len(rows) == 2 and program.pk in rows[1]
