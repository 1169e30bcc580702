"""Exports in headless Chromium with a real Celery worker: request, watch, get notified, download."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from exports.models import Export, ExportStatus
from exports.notices import NOT_WRITTEN
from exports.writer import utc_text
from redemptions.models import Redemption
from tests.e2e.test_layout import sign_in
from tests.exports.factories import FORMULA, export_rows, read_csv

pytestmark = [pytest.mark.e2e]


def test_staff_exports_the_filtered_list_watches_it_and_downloads_it_from_the_bell(
    live_server, live_worker, page: Page, browser, role_user, artifact_dir
):
    staff = role_user("Staff")
    summer, _ = export_rows()
    base = live_server.url
    sign_in(page, base, "staff")
    page.goto(f"{base}/redemptions/?campaign={summer.pk}")  # a shared, bookmarked filter
    bell_count = page.get_by_test_id("unread-count")
    expect(bell_count).to_be_hidden()
    page.get_by_label("Status").select_option("SUCCEEDED")
    expect(page).to_have_url(re.compile(rf"campaign={summer.pk}.*status=SUCCEEDED|status=SUCCEEDED.*campaign="))
    table = page.locator("#redemptions-table")
    expect(table.get_by_test_id("row-count")).to_have_text(re.compile(r"\b2 redemptions\b"))
    listed_ids = [name for name in table.get_by_role("link").all_inner_texts() if name.startswith(("r_", "rf_"))]
    page.evaluate("window.__notReloaded = true")

    _export_three_fields_and_watch_it_finish(page, artifact_dir)
    expect(bell_count).to_have_text(re.compile(r"^1\b"), timeout=20_000)  # polled, no reload
    assert page.evaluate("window.__notReloaded") is True
    page.screenshot(path=artifact_dir / "done.png", full_page=True)
    page.locator("#export-dialog").get_by_role("button", name="Close").click()

    page.get_by_role("button", name="Notifications").click()
    notification = page.get_by_test_id("notification").first
    expect(notification).to_contain_text("ready: 2 rows")
    page.screenshot(path=artifact_dir / "bell.png", full_page=True)
    with page.expect_download() as download:
        notification.click()
    table_rows = read_csv(Path(download.value.path()).read_bytes())

    export = Export.objects.get()
    assert export.user == staff and export.status == ExportStatus.DONE
    expected = Redemption.objects.filter(campaign=summer, status="SUCCEEDED").order_by("-created_at", "-id")
    assert sorted(r.pk for r in expected) == sorted(listed_ids)
    assert table_rows == [["date", "voucher_code", "metadata.note"]] + [
        [utc_text(r.created_at), r.voucher_code, _escaped(r.metadata.get("note", ""))] for r in expected
    ]
    assert [utc_text(expected[0].created_at), "SUMMER-1", "'" + FORMULA] in table_rows
    expect(bell_count).to_be_hidden(timeout=20_000)  # read now

    # The same link for anyone else: 403, even with the token; a superuser may download it.
    role_user("Staff", username="other-staff")
    role_user(None, superuser=True)
    link = f"{base}/exports/{export.pk}/download/?token={export.token}"
    assert _download_as(browser, base, "other-staff", link, 403) is None
    assert _download_as(browser, base, "superuser", link, 200) == table_rows


def _export_three_fields_and_watch_it_finish(page: Page, artifact_dir) -> None:
    """The Export dialog shows the list's filters; date, voucher code and one metadata key are exported."""
    page.get_by_role("button", name="Export…").click()
    dialog = page.locator("#export-dialog")
    expect(dialog.get_by_test_id("export-filters")).to_contain_text("Campaign: Summer sale")
    expect(dialog.get_by_test_id("export-filters")).to_contain_text("Status: Succeeded")
    expect(dialog.get_by_label("Customer ID", exact=True)).to_have_count(0)  # customer data: not for Staff
    for label in ("ID", "Object", "Promotion tier", "Result"):
        dialog.get_by_label(label, exact=True).uncheck()
    expect(dialog.get_by_label("Voucher code", exact=True)).to_be_checked()
    expect(dialog.get_by_label("Date", exact=True)).to_be_checked()
    dialog.get_by_label("Metadata: note").check()
    page.screenshot(path=artifact_dir / "dialog.png", full_page=True)
    dialog.get_by_role("button", name="Export", exact=True).click()
    expect(dialog.get_by_test_id("export-progress")).to_be_visible()
    expect(dialog.get_by_test_id("export-status")).to_have_text("Done", timeout=30_000)


def _download_as(browser, base: str, username: str, link: str, status: int) -> list | None:
    """GET the download link signed in as ``username``; asserts the status, returns the CSV's rows on 200."""
    context = browser.new_context()
    try:
        sign_in(context.new_page(), base, username)
        response = context.request.get(link)
        assert response.status == status, username
        return read_csv(response.body()) if status == 200 else None
    finally:
        context.close()


def _escaped(text: str) -> str:
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def test_a_failed_export_says_what_to_do_in_the_bell_and_the_exports_list_never_the_exception(
    live_server, live_worker, page: Page, browser, role_user, artifact_dir, settings, tmp_path
):
    role_user("Marketer")
    role_user("Admin")
    export_rows()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings.MEDIA_ROOT = str(blocker / "media")  # the worker cannot store the file: the task fails
    base = live_server.url
    sign_in(page, base, "marketer")
    page.goto(base + "/redemptions/")
    page.get_by_role("button", name="Export…").click()
    dialog = page.locator("#export-dialog")
    dialog.get_by_role("button", name="Export", exact=True).click()

    expect(dialog.get_by_test_id("export-status")).to_have_text("Error", timeout=30_000)
    expect(dialog.get_by_role("alert")).to_contain_text(f"The export failed. {NOT_WRITTEN}")
    expect(page.get_by_test_id("unread-count")).to_have_text(re.compile(r"^1\b"), timeout=20_000)
    assert Export.objects.get().status == ExportStatus.ERROR
    page.locator("#export-dialog").get_by_role("button", name="Close").click()

    page.get_by_role("button", name="Notifications").click()
    notification = page.get_by_test_id("notification").first
    expect(notification).to_contain_text("Redemptions export failed")
    expect(notification).to_contain_text(NOT_WRITTEN)
    expect(notification).not_to_contain_text("Error:")
    expect(notification).not_to_contain_text("Not a directory")
    page.screenshot(path=artifact_dir / "bell-failed.png", full_page=True)

    page.goto(base + "/audit-log/exports/")
    expect(page.locator("#export-table")).to_contain_text("Error")
    expect(page.locator("#export-table")).to_contain_text(NOT_WRITTEN)
    expect(page.locator("main")).not_to_contain_text("Not a directory")
    expect(page.locator("main")).not_to_contain_text("NotADirectoryError")
    page.screenshot(path=artifact_dir / "exports-list.png", full_page=True)

    # The exception is for whoever looks after the installation: the event's technical details, for admins.
    page.goto(base + "/audit-log/events/")
    expect(page.locator("main")).to_contain_text(f"Export failed: {NOT_WRITTEN}")
    expect(page.locator("main")).not_to_contain_text("NotADirectoryError")
    admin = browser.new_context().new_page()
    try:
        sign_in(admin, base, "admin")
        admin.goto(base + "/audit-log/events/")
        details = admin.get_by_test_id("technical-details").first
        details.locator("summary").click()
        # Opened, the raw event moves to a full-width row under its row (static/js/technical-details.js).
        expect(admin.get_by_test_id("technical-row").first).to_contain_text("NotADirectoryError")
        admin.screenshot(path=artifact_dir / "admin-events.png", full_page=True)
    finally:
        admin.context.close()


def test_the_export_dialog_closes_with_escape(live_server, page: Page, role_user):
    """Esc closes the dialog: right after it opens, from a field of its form, and after Export swapped the
    form for the progress (the focused button is gone then, the focus left on the page's body)."""
    role_user("Staff")
    export_rows()
    base = live_server.url
    sign_in(page, base, "staff")
    page.goto(f"{base}/redemptions/")
    dialog = page.locator("#export-dialog")
    backdrop = page.locator(".modal-backdrop")

    def open_dialog():
        page.get_by_role("button", name="Export…").click()
        expect(dialog).to_be_visible()
        expect(dialog.get_by_label("Voucher code", exact=True)).to_be_visible()  # the form has loaded

    def escape_closes():
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
        expect(backdrop).to_have_count(0)

    open_dialog()  # at once, while it may still be fading in
    escape_closes()

    open_dialog()
    dialog.get_by_label("Voucher code", exact=True).focus()
    escape_closes()

    open_dialog()
    dialog.get_by_role("button", name="Export", exact=True).click()
    expect(dialog.get_by_test_id("export-progress")).to_be_visible()
    page.wait_for_timeout(500)  # the opening animation is long over
    escape_closes()
