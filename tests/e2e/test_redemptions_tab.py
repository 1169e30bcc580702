"""The Redemptions tab in headless Chromium: filters swap only the table and live in the URL; Rollback."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_layout import sign_in
from tests.factories import make_campaign, make_customer
from tests.redemptions.test_dashboard_redemptions import make_redemption, redeemed

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
    page.evaluate("document.querySelector('#redemption-filters').dataset.kept = 'yes'")
    page.get_by_label("Status").select_option("FAILED")
    expect(page).to_have_url(re.compile(r"/redemptions/\?.*status=FAILED"))
    expect(table.get_by_role("link", name=data["ok"].pk)).to_have_count(0)
    expect(table.get_by_role("link", name=data["failed"].pk)).to_be_visible()
    assert page.evaluate("window.__notReloaded") is True
    assert page.evaluate("document.querySelector('#redemption-filters').dataset.kept") == "yes"
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
    expect(page.get_by_test_id("redemption-status")).to_have_text("SUCCEEDED")
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
    expect(page.locator("#redemption-filters")).to_have_count(0)  # a page of its own, not swapped into the list
    expect(page.get_by_test_id("redemption-status")).to_have_text("SUCCEEDED")
    expect(page.get_by_text("redemption.succeeded")).to_be_visible()

    page.evaluate("window.__notReloaded = true")
    page.get_by_role("button", name="Roll back…").click()
    page.get_by_label(re.compile("Reason for rolling back")).fill("Customer returned the order")
    page.screenshot(path=artifact_dir / "rollback-form.png", full_page=True)
    page.get_by_role("button", name="Confirm rollback").click()

    expect(page.get_by_test_id("redemption-status")).to_have_text("ROLLED_BACK")
    expect(page.get_by_role("status")).to_contain_text("Rolled back")
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
    from redemptions.services import rollback_redemption
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
    expect(row).to_contain_text("SUCCEEDED")
    row.get_by_role("button", name=f"Roll back {redemption.pk}").click()
    row.get_by_label(f"Reason for rolling back {redemption.pk}").fill("Returned in store")
    page.screenshot(path=artifact_dir / "row-rollback-form.png", full_page=True)
    row.get_by_role("button", name="Confirm rollback").click()
    expect(row).to_contain_text("ROLLED_BACK")
    expect(row.get_by_role("status")).to_have_text("Rolled back.")
    expect(row.get_by_role("button", name=f"Roll back {redemption.pk}")).to_have_count(0)
    assert page.evaluate("window.__notReloaded") is True
    page.screenshot(path=artifact_dir / "row-rolled-back.png", full_page=True)

    # Rolled back elsewhere while the form was open: the engine's refusal shows in the row.
    other = page.locator(f"tr#row-{raced.pk}")
    other.get_by_role("button", name=f"Roll back {raced.pk}").click()
    other.get_by_label(f"Reason for rolling back {raced.pk}").fill("Too late")
    rollback_redemption(redemption_id=raced.pk, reason="elsewhere", caller=Caller.system("tests"))
    other.get_by_role("button", name="Confirm rollback").click()
    expect(other.get_by_role("alert")).to_contain_text("Rollback refused")
    expect(other).to_contain_text("ROLLED_BACK")
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
