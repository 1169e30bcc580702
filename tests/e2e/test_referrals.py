"""A referral program's pages in headless Chromium, as each role: an Admin reads the overview (program in
numbers, the conversion event, the top referrers), adds a reward tier in the Rewards tab (a mistake first:
no reward chosen), and finds the referrer and the referee in their tabs. A Marketer reads the numbers and
the tiers without customers' names or the tier form, and cannot open the Referrers tab; Staff do not reach
the program."""

import re

import pytest
from playwright.sync_api import Page, expect

from campaigns.services.campaigns import create_campaign
from campaigns.services.publications import publish
from campaigns.services.requests import Discount, PublicationRequest, ReferralSettings, VoucherTemplate
from customers.services import CustomEvent, track_custom_event
from loyalty.models import Reward
from tests.e2e.test_layout import sign_in
from tests.factories import make_campaign, make_customer, make_voucher
from voucherhub.caller import Caller

pytestmark = [pytest.mark.e2e]

CALLER = Caller.system("e2e")


@pytest.fixture
def friends(transactional_db):
    program = create_campaign(
        caller=CALLER,
        name="Bring a friend",
        campaign_type="REFERRAL_PROGRAM",
        voucher=VoucherTemplate(discount=Discount(type="PERCENT", percent_off=10)),
        vouchers_count=2,
        referral=ReferralSettings(conversion_event_type="custom_event", custom_event="signed_up"),
    )
    ann = make_customer(source_id="ann-1", name="Ann Archer", email="ann@example.com")
    make_customer(source_id="bob-1", name="Bob Baker", email="bob@example.com")
    code = publish(PublicationRequest(customer={"id": ann.pk}, campaign=program.pk), caller=CALLER).vouchers[0].code
    track_custom_event(
        CustomEvent(name="signed_up", customer={"source_id": "bob-1"}, referral_code=code), caller=CALLER
    )
    thanks = make_campaign(name="Thank-you coupons")
    make_voucher(code="THANKS-1", campaign=thanks)
    Reward.objects.create(name="Thank-you coupon", type="CAMPAIGN", campaign=thanks)
    return {"program": program, "code": code}


def test_an_admin_reads_the_program_and_adds_a_reward_tier(live_server, page: Page, role_user, artifact_dir, friends):
    role_user("Admin")
    base, program = live_server.url, friends["program"]
    sign_in(page, base, "admin")
    page.goto(f"{base}/campaigns/{program.pk}/")
    numbers = page.get_by_test_id("referral-numbers")
    expect(numbers.locator('[data-figure="referrers"]')).to_have_attribute("data-value", "1")
    expect(numbers.locator('[data-figure="referees"]')).to_have_attribute("data-value", "1")
    expect(page.get_by_test_id("conversion-event")).to_contain_text("Custom event signed_up")
    expect(page.get_by_test_id("top-referrers")).to_contain_text("Ann Archer")
    page.screenshot(path=artifact_dir / "overview.png", full_page=True)

    page.get_by_role("link", name="Rewards", exact=True).click()
    expect(page.locator("#referral-workflow")).to_contain_text("signed_up")
    page.get_by_label("After referrals").fill("1")
    page.get_by_role("button", name="Add tier").click()
    expect(page.locator("#add-tier")).to_contain_text("This field is required.")
    page.get_by_label("Reward").select_option(label="Thank-you coupon")
    page.get_by_label("After referrals").fill("3")
    page.get_by_role("button", name="Add tier").click()
    expect(page.get_by_role("status")).to_contain_text("The reward tier was added.")
    expect(page.locator("#referral-tiers")).to_contain_text("Thank-you coupon")
    page.screenshot(path=artifact_dir / "rewards.png", full_page=True)

    page.get_by_label("Campaign tabs").get_by_role("link", name="Distributions").click()
    expect(page).to_have_title(re.compile(r"^Distributions · Bring a friend"))
    expect(page.locator("#publication-table")).to_contain_text(friends["code"])
    page.get_by_role("link", name="Referrers").click()
    expect(page.locator("#referrers-table-el")).to_contain_text("Ann Archer")
    page.get_by_label("Campaign tabs").get_by_role("link", name="Referees").click()
    expect(page.locator("#referees-table-el")).to_contain_text("Bob Baker")
    expect(page.locator("#referees-table-el")).to_contain_text(friends["code"])
    page.screenshot(path=artifact_dir / "referees.png", full_page=True)


def test_a_marketer_reads_numbers_without_names_and_staff_do_not_reach_the_program(
    live_server, page: Page, role_user, artifact_dir, friends
):
    role_user("Marketer")
    role_user("Staff")
    base, program = live_server.url, friends["program"]
    sign_in(page, base, "marketer")
    page.goto(f"{base}/campaigns/{program.pk}/")
    expect(page.get_by_test_id("referral-numbers").locator('[data-figure="referees"]')).to_have_attribute(
        "data-value", "1"
    )
    expect(page.get_by_test_id("top-referrers")).to_contain_text("Your role does not show customers.")
    expect(page.get_by_role("link", name="Referrers")).to_have_count(0)
    page.get_by_role("link", name="Rewards", exact=True).click()
    expect(page.get_by_role("button", name="Add tier")).to_have_count(0)
    response = page.goto(f"{base}/campaigns/{program.pk}/referrers/")
    assert response is not None and response.status == 403
    page.screenshot(path=artifact_dir / "marketer-overview.png", full_page=True)

    page.context.clear_cookies()
    sign_in(page, base, "staff")
    response = page.goto(f"{base}/campaigns/{program.pk}/")
    assert response is not None and response.status == 403
