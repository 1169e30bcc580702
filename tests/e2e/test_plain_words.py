"""Issue 14: pages speak the marketer's language, in headless Chromium. A campaign's Activity and the
redemption's events are sentences (the raw event only for admins, under "Technical details"); a session
says what it does and how long it lasts; an order's lines are products; empty tabs say what they mean
instead of pointing at the API."""

import re

import pytest
from playwright.sync_api import Page, expect

from campaigns.models import CampaignType
from redemptions.models import Redemption
from tests.e2e.test_layout import sign_in
from tests.factories import api_call, make_campaign, make_voucher

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def shop(transactional_db):
    campaign = make_campaign(name="Spring sale")
    make_voucher(code="SPRING10", campaign=campaign, percent_off=10)
    make_voucher(code="HOLDME", campaign=campaign, percent_off=10)
    item = {"sku_id": "sku-sneakers-42", "product": {"name": "Trail Sneakers"}, "quantity": 1, "price": 20_000}
    answer = api_call(
        "/v1/redemptions",
        {"redeemables": [{"object": "voucher", "id": "SPRING10"}], "order": {"amount": 20_000, "items": [item]}},
    )
    api_call(
        "/v1/validations",
        {
            "redeemables": [{"object": "voucher", "id": "HOLDME"}],
            "order": {"amount": 5_000},
            "session": {"type": "LOCK", "key": "ssn_words", "ttl": 7, "ttl_unit": "DAYS"},
        },
    )
    return {"campaign": campaign, "redemption": Redemption.objects.get(pk=answer["redemptions"][0]["id"])}


def test_a_marketer_reads_events_sessions_and_orders_in_words_and_an_admin_can_open_the_raw_event(
    live_server, page: Page, browser, role_user, artifact_dir, shop
):
    role_user("Marketer")
    role_user("Admin")
    base = live_server.url
    activity = f"{base}/campaigns/{shop['campaign'].pk}/activity/"
    sign_in(page, base, "marketer")

    page.goto(activity)
    table = page.locator("#event-table")
    expect(table.get_by_test_id("event-sentence").filter(has_text="Voucher SPRING10 redeemed")).to_have_count(1)
    expect(table.get_by_test_id("event-sentence").filter(has_text="Session ssn_words locks HOLDME")).to_have_count(1)
    for jargon in ("redemption.succeeded", "session.created", "JSON", "Technical details"):
        expect(table).not_to_contain_text(jargon)
    page.screenshot(path=artifact_dir / "marketer-activity.png", full_page=True)
    # The filter names the events in words too.
    event_filter = page.get_by_label("Event", exact=True)
    expect(event_filter.locator("option", has_text=".")).to_have_count(0)
    event_filter.select_option(label="Redemption succeeded")
    expect(page).to_have_url(re.compile(r"type=redemption\.succeeded"))
    expect(table.get_by_test_id("event-sentence")).to_have_text(["Voucher SPRING10 redeemed for €20.00."])

    page.goto(f"{base}/redemptions/{shop['redemption'].pk}/")
    item = page.get_by_test_id("order-item")  # the product's name, its sku under it
    expect(item).to_have_text(re.compile(r"^Trail Sneakers\s*sku-sneakers-42$"))
    expect(item.locator(".text-secondary")).to_have_text("sku-sneakers-42")
    events = page.get_by_role("region", name="Events")
    expect(events.get_by_test_id("event-sentence").first).to_contain_text("Voucher SPRING10 redeemed")
    expect(events).not_to_contain_text("redemption.succeeded")
    expect(events.get_by_test_id("technical-details")).to_have_count(0)
    page.screenshot(path=artifact_dir / "marketer-redemption.png", full_page=True)

    page.goto(f"{base}/redemptions/sessions/ssn_words/")
    expect(page.get_by_test_id("session-kind")).to_have_text("Locks vouchers")
    expect(page.get_by_test_id("session-lifetime")).to_have_text("Expires after 7 days")
    expect(page.locator("#session-status")).to_have_text("Active")
    page.screenshot(path=artifact_dir / "marketer-session.png", full_page=True)

    admin = browser.new_context().new_page()
    sign_in(admin, base, "admin")
    admin.goto(activity)
    details = admin.locator("#event-table").get_by_test_id("technical-details").first
    expect(details.locator("pre")).not_to_be_visible()
    details.get_by_text("Technical details").click()
    raw = admin.locator("#event-table").get_by_test_id("technical-row")  # opened under its row, full width
    expect(raw.locator("pre")).to_be_visible()
    expect(raw).to_contain_text(".")  # the raw key, e.g. session.created
    admin.screenshot(path=artifact_dir / "admin-activity.png", full_page=True)
    admin.context.close()


def test_empty_tabs_say_what_they_mean_without_pointing_at_the_api(live_server, page: Page, role_user, artifact_dir):
    role_user("Marketer")
    promotion = make_campaign(name="Quiet promotion", campaign_type=CampaignType.PROMOTION)
    base = live_server.url
    sign_in(page, base, "marketer")
    expected = {
        "rules": "every order and every customer qualifies",
        "metadata": "This campaign has no custom attributes",
        "tiers": "This promotion has no tiers yet, so it gives no discount.",
    }
    for tab, text in expected.items():
        page.goto(f"{base}/campaigns/{promotion.pk}/{tab}/")
        body = page.locator("#section-body")
        expect(body).to_contain_text(text)
        for jargon in ("API", "/v1/", "POST", "PUT"):
            expect(body).not_to_contain_text(jargon)
        page.screenshot(path=artifact_dir / f"empty-{tab}.png", full_page=True)
