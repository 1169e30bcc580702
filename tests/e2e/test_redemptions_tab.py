"""The Redemptions tab in headless Chromium: filters swap only the table and live in the URL; Rollback."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.e2e.test_layout import sign_in
from tests.e2e.test_row_menu import choose, open_menu
from tests.factories import make_campaign, make_customer
from tests.redemptions.factories import make_redemption, redeemed

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def data(transactional_db):
    campaign = make_campaign(name="Summer sale")
    alice = make_customer(name="Alice Secret", email="alice@example.com")
    ok = make_redemption(voucher_code="SUMMER-1", campaign=campaign, customer=alice)
    failed = make_redemption(failed=True, voucher_code="NOPE-9", campaign=campaign, days_ago=1)
    return {"ok": ok, "failed": failed}


def test_a_filter_change_updates_only_the_table_and_the_url_and_a_reload_shows_the_same_rows(
    live_server, page: Page, role_user, artifact_dir, data
):
    role_user("Marketer")
    base = live_server.url
    sign_in(page, base, "marketer")
    page.goto(base + "/redemptions/")
    table = page.locator("#redemptions-table")
    expect(table.get_by_role("link", name=data["ok"].pk)).to_be_visible()
    expect(table.get_by_role("link", name=data["failed"].pk)).to_be_visible()
    page.screenshot(path=artifact_dir / "list.png", full_page=True)

    # A mark on the page outlives an HTMX swap but not a reload: only the table was swapped.
    page.evaluate("window.__notReloaded = true")
    page.evaluate("document.querySelector('#list-filters').dataset.kept = 'yes'")
    page.get_by_label("Status").select_option("FAILED")
    expect(page).to_have_url(re.compile(r"/redemptions/\?.*status=FAILED"))
    expect(table.get_by_role("link", name=data["ok"].pk)).to_have_count(0)
    expect(table.get_by_role("link", name=data["failed"].pk)).to_be_visible()
    assert page.evaluate("window.__notReloaded") is True
    assert page.evaluate("document.querySelector('#list-filters').dataset.kept") == "yes"
    expect(table.get_by_test_id("row-count")).to_have_text(re.compile(r"1 redemption\b"))
    page.screenshot(path=artifact_dir / "filtered.png", full_page=True)

    page.reload()
    expect(page.get_by_label("Status")).to_have_value("FAILED")
    expect(table.get_by_role("link", name=data["failed"].pk)).to_be_visible()
    expect(table.get_by_role("link", name=data["ok"].pk)).to_have_count(0)

    # The tabs still work from here.
    page.get_by_role("navigation", name="Redemptions tabs").get_by_role("link", name="Validations").click()
    expect(page).to_have_url(f"{base}/redemptions/validations/")


def test_a_marketer_sees_no_customer_filter_and_no_rollback_button(live_server, page: Page, role_user, artifact_dir):
    role_user("Marketer")
    redemption = redeemed("E2E-MARKETER")
    base = live_server.url
    sign_in(page, base, "marketer")
    page.goto(base + "/redemptions/")
    expect(page.get_by_label("Status")).to_be_visible()
    expect(page.get_by_label("Customer")).to_have_count(0)
    expect(page.get_by_text("Ada Shopper")).to_have_count(0)
    page.get_by_role("link", name=redemption.pk).click()
    expect(page).to_have_url(f"{base}/redemptions/{redemption.pk}/")
    expect(page.get_by_test_id("redemption-status")).to_have_text("Succeeded")
    expect(page.get_by_role("button", name="Roll back…")).to_have_count(0)
    page.screenshot(path=artifact_dir / "marketer-detail.png", full_page=True)


def test_an_admin_rolls_back_a_redemption_and_it_shows_rolled_back_without_a_reload(
    live_server, page: Page, role_user, artifact_dir
):
    role_user("Admin")
    redemption = redeemed("E2E-ROLLBACK")
    base = live_server.url
    sign_in(page, base, "admin")
    page.goto(base + "/redemptions/")
    expect(page.get_by_label("Customer")).to_be_visible()
    page.get_by_role("link", name=redemption.pk).click()
    expect(page).to_have_url(f"{base}/redemptions/{redemption.pk}/")
    expect(page.locator("#list-filters")).to_have_count(0)  # a page of its own, not swapped into the list
    expect(page.get_by_test_id("redemption-status")).to_have_text("Succeeded")
    expect(page.get_by_test_id("event-sentence").first).to_contain_text("Voucher E2E-ROLLBACK redeemed for")
    expect(page.get_by_test_id("redemption-outcome")).to_have_text("Redeemed")

    page.evaluate("window.__notReloaded = true")
    page.get_by_role("button", name="Roll back…").click()
    page.get_by_label(re.compile("Reason for rolling back")).fill("Customer returned the order")
    page.screenshot(path=artifact_dir / "rollback-form.png", full_page=True)
    page.get_by_role("button", name="Confirm rollback").click()

    expect(page.get_by_test_id("redemption-status")).to_have_text("Rolled back")
    expect(page.get_by_role("status")).to_contain_text("Rolled back")
    expect(page.get_by_test_id("redemption-outcome")).to_have_text("Redeemed, then rolled back")
    expect(page.get_by_text("Reason: Customer returned the order")).to_be_visible()
    expect(page.get_by_role("button", name="Roll back…")).to_have_count(0)
    assert page.evaluate("window.__notReloaded") is True
    page.screenshot(path=artifact_dir / "rolled-back.png", full_page=True)

    page.goto(base + "/redemptions/?status=ROLLED_BACK")
    expect(page.locator("#redemptions-table").get_by_role("link", name=redemption.pk)).to_be_visible()


def test_add_filter_shows_one_more_filter_in_place_and_removing_it_rewrites_the_table_and_url(
    live_server, page: Page, role_user, artifact_dir, data
):
    role_user("Marketer")
    base = live_server.url
    sign_in(page, base, "marketer")
    page.goto(base + "/redemptions/")
    table = page.locator("#redemptions-table")
    expect(page.get_by_label("Failure code")).to_have_count(0)
    page.evaluate("window.__notReloaded = true")

    page.get_by_label("Add filter").select_option(label="Failure code")
    failure = page.get_by_label("Failure code")
    expect(failure).to_be_visible()
    expect(failure).to_be_focused()
    expect(page).to_have_url(base + "/redemptions/")  # nothing filtered yet
    failure.select_option("voucher_expired")
    expect(page).to_have_url(re.compile(r"/redemptions/\?.*failure_code=voucher_expired"))
    expect(table.get_by_role("link", name=data["failed"].pk)).to_be_visible()
    expect(table.get_by_role("link", name=data["ok"].pk)).to_have_count(0)
    assert page.evaluate("window.__notReloaded") is True
    page.screenshot(path=artifact_dir / "added-filter.png", full_page=True)

    page.reload()
    expect(page.get_by_label("Failure code")).to_have_value("voucher_expired")
    page.evaluate("window.__notReloaded = true")
    page.locator('[data-filter="failure_code"]').get_by_role("link", name="Remove filter").click()
    expect(page.get_by_label("Failure code")).to_have_count(0)
    expect(page).not_to_have_url(re.compile("failure_code"))
    expect(table.get_by_role("link", name=data["ok"].pk)).to_be_visible()
    expect(table.get_by_role("link", name=data["failed"].pk)).to_be_visible()
    assert page.evaluate("window.__notReloaded") is True
    page.screenshot(path=artifact_dir / "removed-filter.png", full_page=True)


def test_an_admin_rolls_back_from_a_list_row_and_the_row_updates_in_place(
    live_server, page: Page, role_user, artifact_dir
):
    from redemptions.services.requests import RollbackRequest
    from redemptions.services.rollback import rollback_redemption
    from voucherhub.caller import Caller

    role_user("Admin")
    redemption = redeemed("E2E-ROW")
    raced = redeemed("E2E-RACED")
    base = live_server.url
    sign_in(page, base, "admin")
    page.goto(base + "/redemptions/")
    page.evaluate("window.__notReloaded = true")
    page.on("dialog", lambda dialog: dialog.accept())  # the "This cannot be undone" confirmation

    row = page.locator(f"tr#row-{redemption.pk}")
    expect(row).to_contain_text("Succeeded")
    choose(row, "Roll back…")
    form_row = page.locator(f"tr#rollback-row-{redemption.pk}")  # a full-width row right under the row
    form_row.get_by_label(f"Reason for rolling back {redemption.pk}").fill("Returned in store")
    page.screenshot(path=artifact_dir / "row-rollback-form.png", full_page=True)
    form_row.get_by_role("button", name="Confirm rollback").click()
    expect(row).to_contain_text("Rolled back")
    expect(form_row).to_have_count(0)
    expect(row.get_by_role("status")).to_have_text("Rolled back.")
    expect(open_menu(row).get_by_role("menuitem", name="Roll back…")).to_have_count(0)
    page.keyboard.press("Escape")
    assert page.evaluate("window.__notReloaded") is True
    page.screenshot(path=artifact_dir / "row-rolled-back.png", full_page=True)

    # Rolled back elsewhere while the form was open: the engine's refusal shows in the row.
    other = page.locator(f"tr#row-{raced.pk}")
    choose(other, "Roll back…")
    other_form = page.locator(f"tr#rollback-row-{raced.pk}")
    other_form.get_by_label(f"Reason for rolling back {raced.pk}").fill("Too late")
    rollback_redemption(RollbackRequest(raced.pk, reason="elsewhere"), caller=Caller.system("tests"))
    other_form.get_by_role("button", name="Confirm rollback").click()
    expect(other.get_by_role("alert")).to_contain_text("Rollback refused")
    expect(other).to_contain_text("Rolled back")
    assert page.evaluate("window.__notReloaded") is True
    page.screenshot(path=artifact_dir / "row-rollback-refused.png", full_page=True)


def test_next_and_previous_pages_go_by_cursor_and_a_deep_page_reloads_the_same(
    live_server, page: Page, role_user, artifact_dir
):
    from datetime import timedelta

    from django.utils import timezone

    role_user("Marketer")
    now = timezone.now()
    made = [make_redemption(created_at=now - timedelta(minutes=i), voucher_code=f"PAGE-{i:02}") for i in range(25)]
    base = live_server.url
    sign_in(page, base, "marketer")
    page.goto(base + "/redemptions/?per_page=10")
    table = page.locator("#redemptions-table")
    expect(table.locator("tbody tr")).to_have_count(10)
    page.evaluate("window.__notReloaded = true")

    table.get_by_test_id("page-next").click()
    expect(page).to_have_url(re.compile(r"after="))
    expect(table.get_by_role("link", name=made[10].pk)).to_be_visible()
    table.get_by_test_id("page-next").click()
    expect(table.locator("tbody tr")).to_have_count(5)
    expect(table.get_by_role("link", name=made[24].pk)).to_be_visible()
    expect(table.get_by_test_id("page-next")).to_have_count(0)
    assert page.evaluate("window.__notReloaded") is True
    deep_url = page.url
    page.screenshot(path=artifact_dir / "last-page.png", full_page=True)

    page.reload()
    expect(page).to_have_url(deep_url)
    expect(table.locator("tbody tr")).to_have_count(5)
    expect(table.get_by_role("link", name=made[20].pk)).to_be_visible()
    table.get_by_test_id("page-previous").click()
    expect(table.get_by_role("link", name=made[10].pk)).to_be_visible()
    expect(table.get_by_role("link", name=made[19].pk)).to_be_visible()
    page.go_back()
    expect(page).to_have_url(deep_url)
    expect(table.get_by_role("link", name=made[20].pk)).to_be_visible()


def _fits(locator) -> bool:
    return locator.evaluate("el => el.scrollWidth <= el.clientWidth + 1")


def test_the_list_fits_a_1280_px_window_with_long_codes_and_the_rollback_form_in_its_own_row(
    live_server, page: Page, role_user, artifact_dir
):
    from dashboard.filters import DEFAULT_PAGE_SIZE

    role_user("Admin")
    campaign = make_campaign(name="Black Friday Mega Campaign 2026")
    shopper = make_customer(name="Maximiliane Oberhollenzer", email="maximiliane.oberhollenzer204@example.com")
    for i in range(DEFAULT_PAGE_SIZE + 2):
        make_redemption(
            failed=i % 3 == 0,
            voucher_code=f"WELCOME-EPB8EX{i:02}",
            campaign=campaign,
            customer=shopper,
            days_ago=i / 100,
        )
    redemption = redeemed("E2E-WIDE")
    page.set_viewport_size({"width": 1280, "height": 900})
    base = live_server.url
    sign_in(page, base, "admin")
    page.goto(base + "/redemptions/")
    table = page.locator("#redemptions-table")
    # One page size: the select says what the list shows.
    expect(page.get_by_label("Rows per page")).to_have_value(str(DEFAULT_PAGE_SIZE))
    expect(table.locator("tbody tr")).to_have_count(DEFAULT_PAGE_SIZE)

    assert table.evaluate("el => el.querySelector('table').offsetWidth <= el.clientWidth + 1")
    for container in table.locator(".table-container, .table-responsive").all():
        assert _fits(container)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # What a row gave, under a header that says what it is; a failed attempt gave nothing.
    expect(table.locator("thead th").nth(6)).to_have_text("Value given")
    failed = table.locator("tbody tr").filter(has=page.locator(".badge", has_text="Failed")).first
    expect(failed.locator("td").nth(6)).to_have_text("—")
    row = page.locator(f"tr#row-{redemption.pk}")
    button = row.get_by_role("button", name=f"Actions for {redemption.pk}")
    box = button.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 1280
    expect(table.locator("th", has_text="Channel")).to_be_in_viewport()
    # Ids stay on one line; the whole id is in the link's text and title.
    link = row.get_by_role("link", name=redemption.pk)
    assert link.evaluate("el => el.getClientRects().length") == 1
    expect(link).to_have_attribute("title", redemption.pk)
    # Failure reasons (sentences) wrap inside their column instead of being cut.
    code = table.locator("td.vh-col-failure .vh-reason").first
    assert _fits(code) and _fits(code.locator("xpath=ancestor::td"))
    page.screenshot(path=artifact_dir / "list-1280.png")

    choose(row, "Roll back…")
    form_row = page.locator(f"tr#rollback-row-{redemption.pk}")
    expect(form_row.get_by_role("button", name="Confirm rollback")).to_be_visible()
    confirm = form_row.get_by_role("button", name="Confirm rollback").bounding_box()
    card = table.bounding_box()
    assert confirm["x"] + confirm["width"] <= card["x"] + card["width"]
    reason = form_row.get_by_label(f"Reason for rolling back {redemption.pk}").bounding_box()
    assert reason["width"] > 400  # the whole table's width, not the last cell's
    assert table.evaluate("el => el.querySelector('table').offsetWidth <= el.clientWidth + 1")
    page.screenshot(path=artifact_dir / "list-1280-rollback-form.png")
    # Choosing Roll back… again closes the form; Cancel too.
    choose(row, "Roll back…")
    expect(form_row).to_have_count(0)
    choose(row, "Roll back…")
    expect(form_row).to_have_count(1)
    form_row.get_by_role("button", name="Cancel").click()
    expect(form_row).to_have_count(0)


def test_filters_put_only_non_empty_parameters_in_the_url(live_server, page: Page, role_user, data):
    role_user("Marketer")
    base = live_server.url
    sign_in(page, base, "marketer")
    page.goto(base + "/redemptions/")
    table = page.locator("#redemptions-table")
    page.get_by_label("Status").select_option("FAILED")
    expect(page).to_have_url(re.compile(r"/redemptions/\?.*status=FAILED"))
    expect(table.get_by_role("link", name=data["ok"].pk)).to_have_count(0)
    query = page.url.split("?", 1)[1]
    assert all(value for _, _, value in (part.partition("=") for part in query.split("&"))), query
    assert "voucher_code" not in query and "sort" not in query
    page.get_by_label("Voucher code").fill("NOPE-9")
    page.get_by_label("Voucher code").press("Enter")
    expect(page).to_have_url(re.compile(r"voucher_code=NOPE-9"))
    page.get_by_label("Voucher code").fill("")
    page.get_by_label("Voucher code").press("Enter")
    expect(page).not_to_have_url(re.compile(r"voucher_code"))
    expect(page).to_have_url(re.compile(r"status=FAILED"))
    expect(table.get_by_role("link", name=data["failed"].pk)).to_be_visible()


def test_a_redemptions_detail_links_its_campaign_and_keeps_the_redemptions_tab_highlighted(
    live_server, page: Page, role_user, artifact_dir
):
    role_user("Marketer")
    redemption = redeemed("E2E-DETAIL")
    page.set_viewport_size({"width": 1280, "height": 900})
    base = live_server.url
    sign_in(page, base, "marketer")
    page.goto(f"{base}/redemptions/{redemption.pk}/")
    tabs = page.get_by_role("navigation", name="Redemptions tabs")
    expect(tabs.get_by_role("link", name="Redemptions")).to_have_class(re.compile(r"\bactive\b"))
    expect(tabs.get_by_role("link", name="Validations")).not_to_have_class(re.compile(r"\bactive\b"))
    heading = page.get_by_role("heading", name=redemption.pk)
    assert heading.evaluate("el => el.getClientRects().length === 1 && el.offsetHeight < 40")
    page.screenshot(path=artifact_dir / "detail-1280.png", full_page=True)
    expect(page.get_by_test_id("redemption-voucher").get_by_role("link", name="E2E-DETAIL")).to_be_visible()
    page.get_by_test_id("redemption-campaign").get_by_role("link").click()
    expect(page).to_have_url(f"{base}/campaigns/{redemption.campaign_id}/")


def test_paging_through_rows_of_one_timestamp_shows_each_row_once_in_the_same_order_every_time(
    live_server, page: Page, role_user, artifact_dir
):
    """A stacked call's rows and calls in the same millisecond share their time: Next and Previous walk
    them by id, in the list's direction, and a reload shows them in the same order."""
    role_user("Marketer")
    moment = timezone.now()
    rows = [make_redemption(created_at=moment, voucher_code=f"SAME-{n:02}") for n in range(12)]
    base = live_server.url
    sign_in(page, base, "marketer")
    page.goto(base + "/redemptions/?per_page=10")
    table = page.locator("#redemptions-table")

    def shown() -> list[str]:
        expect(table.locator("tbody tr").first).to_be_visible()
        return [
            row_id.removeprefix("row-") for row_id in table.locator("tbody tr").evaluate_all("rs => rs.map(r => r.id)")
        ]

    first = shown()
    page.reload()
    assert shown() == first
    table.get_by_test_id("page-next").click()
    expect(table.get_by_test_id("page-previous")).to_be_visible()
    second = shown()
    assert first + second == [r.pk for r in sorted(rows, key=lambda r: r.pk, reverse=True)]
    page.screenshot(path=artifact_dir / "second-page.png", full_page=True)
    table.get_by_test_id("page-previous").click()
    expect(table.get_by_test_id("page-previous")).to_have_count(0)
    assert shown() == first
