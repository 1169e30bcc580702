"""Issue 14, gap 5: every list behaves as the Redemptions tab does, in headless Chromium. A person changes a
filter and the table follows without a button or a reload, the address bar carries the filter, "Clear
filters" in the empty state clears it, Back brings it back; 25 rows a page until they pick another size."""

import re

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from campaigns.models import CampaignType
from tests.e2e.test_layout import sign_in
from tests.factories import make_campaign, make_gift_card, make_voucher
from tests.redemptions.factories import body, voucher
from voucherhub.services import create_api_key

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def data(transactional_db):
    """A gift-card campaign with a card, and a validation with a LOCK session sent through the API (so the
    lists of validations, sessions, request logs and events have a row each)."""
    cards = make_campaign(name="Gift cards", campaign_type=CampaignType.GIFT_VOUCHERS)
    make_gift_card(code="CARD-1", campaign=cards)
    key, token = create_api_key(name="Shop")
    response = Client().post(
        "/v1/validations",
        body(voucher("CARD-1"), amount=1_000, session={"type": "LOCK", "key": "ssn_e2e_lists"}),
        content_type="application/json",
        headers={"X-App-Id": key.app_id, "X-App-Token": token},
    )
    assert response.status_code == 200, response.content
    return {"cards": cards}


# name: (path, the filter's label, a value no row has, its URL parameter, the rows' noun)
LISTS = {
    "validations": ("/redemptions/validations/", "Session key", "ssn_nobody", "session_key", "validations"),
    "sessions": ("/redemptions/sessions/", "Voucher code", "NO-SUCH-CODE", "voucher", "sessions"),
    "request logs": ("/audit-log/", "Method", "DELETE", "method", "request logs"),
    "events": ("/audit-log/events/", "Kind", "segment.", "type", "events"),
    "exports": ("/audit-log/exports/", "Status", "ERROR", "status", "exports"),
    "campaigns": ("/campaigns/", "Type", "PROMOTION", "type", "campaigns"),
    "vouchers": ("/campaigns/{cards}/vouchers/", "Code", "NO-SUCH-CODE", "code", "vouchers"),
    "transactions": ("/campaigns/{cards}/transactions/", "Voucher code", "NO-SUCH-CODE", "voucher", "balance changes"),
    "activity": ("/campaigns/{cards}/activity/", "Event", "export.created", "type", "events"),
}


@pytest.mark.parametrize("name", LISTS)
def test_a_filter_change_updates_the_table_and_the_url_clear_filters_and_back_restore(
    live_server, page: Page, role_user, artifact_dir, data, name
):
    path, label, value, param, noun = LISTS[name]
    path = path.format(cards=data["cards"].pk)
    role_user(None, superuser=True)
    base = live_server.url
    sign_in(page, base, "superuser")
    page.goto(base + path)
    page.evaluate("window.__notReloaded = true")
    expect(page.get_by_role("button", name="Apply")).to_have_count(0)
    expect(page.get_by_label("Rows per page")).to_have_value("25")
    field = page.get_by_label(label, exact=True)
    empty = page.get_by_text(f"No {noun} match these filters")
    expect(empty).to_have_count(0)

    if field.evaluate("element => element.tagName") == "SELECT":
        field.select_option(value)
    else:
        field.fill(value)
        field.press("Tab")  # leaving the field is the change: no button, no Enter
    expect(page).to_have_url(re.compile(rf"[?&]{param}={re.escape(value)}"))
    expect(empty).to_be_visible()
    assert page.evaluate("window.__notReloaded") is True  # the table was swapped, the page kept
    page.screenshot(path=artifact_dir / "filtered-empty.png", full_page=True)

    page.get_by_role("link", name="Clear filters").click()
    expect(page).to_have_url(base + path)
    expect(page.get_by_label(label, exact=True)).to_have_value("")
    expect(empty).to_have_count(0)

    page.go_back()
    expect(page).to_have_url(re.compile(rf"[?&]{param}={re.escape(value)}"))
    expect(page.get_by_label(label, exact=True)).to_have_value(value)
    expect(empty).to_be_visible()
    expect(page.locator("header.vh-topbar")).to_have_count(1)
    page.screenshot(path=artifact_dir / "after-back.png", full_page=True)


def test_lists_show_25_rows_a_page_and_another_size_on_request(live_server, page: Page, role_user, artifact_dir):
    coupons = make_campaign(name="Coupons")
    for n in range(27):
        make_voucher(code=f"BULK-{n:02d}", campaign=coupons)
        make_campaign(name=f"Bulk {n:02d}")
    role_user("Marketer")
    base = live_server.url
    sign_in(page, base, "marketer")
    for path, table in ((f"/campaigns/{coupons.pk}/vouchers/", "#voucher-table"), ("/campaigns/", "#campaign-table")):
        page.goto(base + path)
        rows = page.locator(f"{table} tbody tr")
        size = page.get_by_label("Rows per page")
        expect(size).to_have_value("25")
        expect(rows).to_have_count(25)
        expect(page.locator(table).get_by_role("link", name="Next")).to_be_visible()
        size.select_option("50")
        expect(page).to_have_url(re.compile(r"per_page=50"))
        expect(rows).to_have_count(27 if table == "#voucher-table" else 28)
        page.go_back()
        expect(page).to_have_url(base + path)
        expect(size).to_have_value("25")
        expect(rows).to_have_count(25)
    page.screenshot(path=artifact_dir / "campaigns-25-rows.png", full_page=True)


def test_add_filter_on_the_audit_log_shows_the_channel_filter_and_back_keeps_it(
    live_server, page: Page, role_user, artifact_dir, data
):
    role_user("Marketer")
    base = live_server.url
    sign_in(page, base, "marketer")
    page.goto(base + "/audit-log/")
    table = page.locator("#log-table")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(1)  # the validation's call
    expect(page.get_by_label("Channel", exact=True)).to_have_count(0)
    page.evaluate("window.__notReloaded = true")

    page.get_by_label("Add filter").select_option(label="Channel")
    channel = page.get_by_label("Channel", exact=True)
    expect(channel).to_be_focused()
    channel.fill("Another shop")
    channel.press("Tab")
    expect(page).to_have_url(re.compile(r"channel=Another(%20|\+)shop"))
    expect(page.get_by_text("No request logs match these filters")).to_be_visible()
    channel.fill("Shop")
    channel.press("Tab")
    expect(page).to_have_url(re.compile(r"channel=Shop"))
    expect(rows).to_have_count(1)
    assert page.evaluate("window.__notReloaded") is True
    page.screenshot(path=artifact_dir / "channel-added.png", full_page=True)

    page.go_back()
    expect(page).to_have_url(re.compile(r"channel=Another(%20|\+)shop"))
    expect(page.get_by_label("Channel", exact=True)).to_have_value("Another shop")
    expect(page.get_by_text("No request logs match these filters")).to_be_visible()
