"""Issue 14: a notification reads the same in the bell and on the Notifications page (the export, ready
with its row count, or failed and what to do), every time it shows says what it is the time of, and a
ready export offers its Download, in headless Chromium with a real Celery worker."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from exports.models import Export, ExportStatus, Notification
from tests.e2e.test_layout import sign_in
from tests.exports.factories import export_rows, read_csv

pytestmark = [pytest.mark.e2e]

SENTENCE = "Redemptions export ready: 4 rows"
# Each <time> of a notification, with the words just before it: "Requested" and "Ready", never alone.
LABELLED_TIMES = """item => [...item.querySelectorAll("time")].map(time => {
    const before = time.previousSibling ? time.previousSibling.textContent : "";
    return before.trim().split(/\\s+/).pop();
})"""


def _request_an_export(page: Page) -> None:
    page.get_by_role("button", name="Export…").click()
    dialog = page.locator("#export-dialog")
    dialog.get_by_role("button", name="Export", exact=True).click()
    expect(dialog.get_by_test_id("export-status")).to_have_text("Done", timeout=30_000)
    dialog.get_by_role("button", name="Close").click()


def test_the_bell_and_the_page_say_the_same_label_their_times_and_offer_the_download(
    live_server, live_worker, page: Page, role_user, artifact_dir
):
    staff = role_user("Staff")
    export_rows()
    base = live_server.url
    sign_in(page, base, "staff")
    page.goto(f"{base}/redemptions/")
    _request_an_export(page)
    expect(page.get_by_test_id("unread-count")).to_have_text(re.compile(r"^1\b"), timeout=20_000)
    assert Notification.objects.get(user=staff).message == SENTENCE  # the words the service stored

    page.get_by_role("button", name="Notifications").click()
    in_bell = page.locator("#vh-notification-list").get_by_test_id("notification")
    expect(in_bell).to_have_count(1)
    expect(in_bell.get_by_test_id("notification-sentence")).to_have_text(SENTENCE)
    expect(in_bell).to_contain_text(re.compile(r"Requested .+Ready .+ · unread", re.DOTALL))
    assert in_bell.evaluate(LABELLED_TIMES) == ["Requested", "Ready"]
    expect(in_bell.get_by_test_id("notification-download")).to_have_text("Download")
    expect(in_bell.get_by_test_id("notification-download")).to_be_visible()
    page.screenshot(path=artifact_dir / "bell.png")

    page.goto(f"{base}/exports/notifications/")
    on_page = page.locator("main").get_by_test_id("notification")
    expect(on_page).to_have_count(1)
    expect(on_page.get_by_test_id("notification-sentence")).to_have_text(SENTENCE)
    assert on_page.evaluate(LABELLED_TIMES) == ["Requested", "Ready"]
    download_button = on_page.get_by_test_id("notification-download")
    expect(download_button).to_be_visible()
    page.screenshot(path=artifact_dir / "notifications-page.png", full_page=True)
    with page.expect_download() as download:
        download_button.click()

    export = Export.objects.get()
    assert download.value.suggested_filename.endswith(f"{export.pk}.csv")
    assert len(read_csv(Path(download.value.path()).read_bytes())) == 1 + 4
    expect(page.get_by_test_id("unread-count")).to_be_hidden(timeout=20_000)  # read now


def test_a_notification_whose_export_is_not_downloadable_offers_no_download(
    live_server, page: Page, role_user, artifact_dir
):
    """A failed export has no file: its notification says what to do, labels its times, and offers none."""
    staff = role_user("Staff")
    export = Export.objects.create(
        user=staff, status=ExportStatus.ERROR, error="The export could not be written. Try again."
    )
    Notification.objects.create(user=staff, export=export, message="Redemptions export failed")
    base = live_server.url
    sign_in(page, base, "staff")
    page.goto(f"{base}/exports/notifications/")
    item = page.locator("main").get_by_test_id("notification")
    expect(item.get_by_test_id("notification-sentence")).to_have_text("Redemptions export failed")
    expect(item).to_contain_text("The export could not be written. Try again.")
    assert item.evaluate(LABELLED_TIMES) == ["Requested", "Failed"]
    expect(item.get_by_test_id("notification-download")).to_have_count(0)
    page.screenshot(path=artifact_dir / "failed.png", full_page=True)
