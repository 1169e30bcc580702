"""Issue 14, bugs 6 and 8, as the marketer/admin met them in headless Chromium: filter errors named by
labels, counts in the singular, a metadata value without its key, notifications that say what they are
and read at a click, the notifications page, the 405 page and the favicon."""

import re

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from playwright.sync_api import Page, expect

from exports.models import Export, ExportStatus, Notification
from tests.e2e.test_layout import sign_in
from tests.e2e.test_sessions_tab import open_session
from tests.factories import make_campaign
from tests.redemptions.factories import make_redemption

pytestmark = [pytest.mark.e2e]


def test_filter_errors_read_as_the_panel_labels_and_counts_read_as_english(
    live_server, page: Page, role_user, artifact_dir
):
    role_user("Admin")
    make_campaign(name="Only campaign")
    make_redemption(voucher_code="META-1", metadata={"source": "web"})
    base = live_server.url
    sign_in(page, base, "admin")

    page.goto(base + "/audit-log/?created_from=2026-02-30")  # a bookmark with a day that does not exist
    errors = page.get_by_test_id("filter-errors")
    expect(errors).to_contain_text("Date from: Enter a valid date.")
    expect(errors).not_to_contain_text("created_from")
    expect(page.get_by_label("From", exact=True)).to_have_attribute("aria-invalid", "true")
    page.screenshot(path=artifact_dir / "audit-log-error.png", full_page=True)

    page.goto(base + "/campaigns/?status=nonsense")
    expect(page.get_by_test_id("filter-errors")).to_contain_text("Status: Select a valid choice.")
    page.goto(base + "/campaigns/")
    expect(page.get_by_test_id("row-count")).to_have_text("1 campaign")

    page.goto(base + "/redemptions/")
    table = page.locator("#redemptions-table")
    expect(table.get_by_test_id("row-count")).to_have_text("1 redemption")
    page.get_by_label("Add filter").select_option(label="Metadata")
    value = page.get_by_label("Metadata value")
    expect(value).to_be_visible()
    value.fill("web")
    value.press("Enter")
    expect(page).to_have_url(re.compile(r"metadata_value=web"))
    expect(table.get_by_test_id("filter-errors")).to_contain_text("Metadata key: A metadata value needs its key")
    expect(table.get_by_test_id("row-count")).to_have_text("0 redemptions")
    page.screenshot(path=artifact_dir / "metadata-error.png", full_page=True)
    page.get_by_label("Metadata key").fill("source")
    page.get_by_label("Metadata key").press("Enter")
    expect(page).to_have_url(re.compile(r"metadata_key=source"))
    expect(table.get_by_test_id("filter-errors")).to_have_count(0)
    expect(table.get_by_test_id("row-count")).to_have_text("1 redemption")


def _finished_export(user, *, rows: int, filters: dict, minutes_ago: int) -> Export:
    export = Export.objects.create(
        user=user, exported_object="redemption", parameters={"filters": filters}, status=ExportStatus.DONE, rows=rows
    )
    export.file.save(f"{export.pk}.csv", ContentFile(b"id\n" + b"r_x\n" * rows))
    Export.objects.filter(pk=export.pk).update(created_at=timezone.now() - timezone.timedelta(minutes=minutes_ago))
    Notification.objects.create(user=user, export=export, message=f"Your redemptions export is ready: {rows} rows.")
    return export


def test_notifications_say_what_they_are_read_at_a_click_and_have_a_page(
    live_server, page: Page, role_user, artifact_dir
):
    admin = role_user("Admin")
    _finished_export(admin, rows=1, filters={"status": "FAILED"}, minutes_ago=30)
    _finished_export(admin, rows=1234, filters={}, minutes_ago=5)
    base = live_server.url
    sign_in(page, base, "admin")
    badge = page.get_by_test_id("unread-count")
    expect(badge).to_have_text(re.compile(r"^2\b"))

    page.get_by_role("button", name="Notifications").click()
    items = page.get_by_test_id("notification")
    expect(items).to_have_count(2)
    newest, oldest = items.nth(0), items.nth(1)
    expect(newest).to_contain_text("Redemptions export ready: 1,234 rows")
    expect(oldest).to_contain_text("Redemptions export ready: 1 row")
    expect(oldest).to_contain_text("filtered by status")
    expect(newest).to_contain_text("unread")
    page.screenshot(path=artifact_dir / "menu.png", full_page=True)

    with page.expect_download() as download:
        newest.click()
    assert download.value.suggested_filename.endswith(".csv")
    expect(newest).not_to_contain_text("unread")  # the open menu says so at once
    expect(oldest).to_contain_text("unread")
    expect(badge).to_have_text(re.compile(r"^1\b"))
    page.screenshot(path=artifact_dir / "menu-after-click.png", full_page=True)

    page.goto(base + "/exports/notifications/")  # opened directly: a page of its own
    expect(page.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    expect(page.locator("header.vh-topbar")).to_have_count(1)
    expect(page.get_by_test_id("notification")).to_have_count(2)
    expect(page.get_by_test_id("notification").nth(0)).not_to_contain_text("unread")  # read on the server too
    expect(page.get_by_test_id("notification").nth(1)).to_contain_text("unread")
    page.screenshot(path=artifact_dir / "notifications-page.png", full_page=True)


def test_a_get_on_an_action_shows_a_405_page_and_the_site_has_a_favicon(
    live_server, page: Page, role_user, artifact_dir
):
    role_user("Admin")
    open_session("ssn_e2e_405", "E2E-405")
    base = live_server.url
    sign_in(page, base, "admin")

    response = page.goto(base + "/redemptions/sessions/ssn_e2e_405/release/")
    assert response is not None and response.status == 405
    assert response.headers["allow"] == "POST"
    expect(page.get_by_role("heading", name="This address is an action, not a page")).to_be_visible()
    expect(page.get_by_test_id("action-explained")).to_contain_text("This address is for a button on another page")
    expect(page.locator("main")).not_to_contain_text("not GET")
    expect(page.locator("header.vh-topbar")).to_have_count(1)
    page.screenshot(path=artifact_dir / "405.png", full_page=True)
    page.get_by_role("link", name="Back to the page").click()  # the session's page, where Release is
    expect(page).to_have_url(f"{base}/redemptions/sessions/ssn_e2e_405/")
    expect(page.get_by_role("button", name="Release")).to_be_visible()

    icon = page.locator('link[rel="icon"]')
    expect(icon).to_have_count(1)
    linked = page.request.get(base + icon.get_attribute("href"))
    assert linked.status == 200 and "svg" in linked.headers["content-type"]
    direct = page.request.get(base + "/favicon.ico")
    assert direct.status == 200 and "svg" in direct.headers["content-type"]
