"""A loyalty program's tabs in headless Chromium, as each role: an Admin opens the program, its Loyalty
cards tab, a card, and adds points with a reason (a mistake first: no reason); the change shows on the
card, in the Points tab and on the member's profile. A Marketer reads the cards without the members'
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

    page.get_by_role("link", name="Points", exact=True).click()
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
