"""Issue 14, bug 1: after Back or Forward, every list's filter panel shows exactly the filters in the URL,
the table agrees with it, and the next filter change keeps them. In headless Chromium."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_layout import sign_in
from tests.e2e.test_redemptions_tab import data  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.e2e]


def query(page: Page) -> dict[str, list[str]]:
    """The filters in the address bar (the Redemptions panel always sends its page size)."""
    return {k: v for k, v in parse_qs(urlsplit(page.url).query).items() if k != "per_page"}


def test_back_and_forward_on_the_redemptions_tab_restore_the_panel_with_the_table(
    live_server,
    page: Page,
    role_user,
    artifact_dir,
    data,  # noqa: F811
):
    role_user("Admin")
    base = live_server.url
    sign_in(page, base, "admin")
    page.goto(base + "/redemptions/")
    table = page.locator("#redemptions-table")
    status = page.get_by_label("Status")
    code = page.get_by_label("Voucher code")
    failed, ok = data["failed"].pk, data["ok"].pk

    code.fill("NOPE-9")
    code.press("Enter")
    expect(page).to_have_url(re.compile(r"voucher_code=NOPE-9"))
    status.select_option(label="Failed")
    expect(page).to_have_url(re.compile(r"status=FAILED"))
    expect(table.get_by_role("link", name=failed)).to_be_visible()
    status.select_option(label="Succeeded")
    expect(page).to_have_url(re.compile(r"status=SUCCEEDED"))
    expect(table.get_by_text("No redemptions match")).to_be_visible()

    page.go_back()
    expect(page).to_have_url(re.compile(r"status=FAILED"))
    assert query(page) == {"status": ["FAILED"], "voucher_code": ["NOPE-9"]}
    expect(status).to_have_value("FAILED")
    expect(code).to_have_value("NOPE-9")
    expect(table.get_by_role("link", name=failed)).to_be_visible()
    expect(table.get_by_role("link", name=ok)).to_have_count(0)
    page.screenshot(path=artifact_dir / "after-back.png", full_page=True)

    # The next change keeps the filters Back restored.
    page.get_by_label("Rows per page").select_option("50")
    expect(page).to_have_url(re.compile(r"per_page=50"))
    assert query(page) == {"status": ["FAILED"], "voucher_code": ["NOPE-9"]}
    expect(table.get_by_role("link", name=failed)).to_be_visible()

    page.go_back()
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"status="))
    assert query(page) == {"voucher_code": ["NOPE-9"]}
    expect(status).to_have_value("")
    expect(code).to_have_value("NOPE-9")
    expect(table.get_by_role("link", name=failed)).to_be_visible()
    page.go_forward()
    expect(page).to_have_url(re.compile(r"status=FAILED"))
    expect(status).to_have_value("FAILED")
    expect(code).to_have_value("NOPE-9")
    page.go_back()
    page.go_back()
    expect(page).to_have_url(base + "/redemptions/")
    expect(status).to_have_value("")
    expect(code).to_have_value("")
    expect(table.get_by_role("link", name=ok)).to_be_visible()
    expect(page.locator("header.vh-topbar")).to_have_count(1)
    page.screenshot(path=artifact_dir / "back-to-start.png", full_page=True)


# Every other list: (URL, a select filter's label, two of its options, a text filter's label, a value).
LISTS = {
    "validations": ("/redemptions/validations/", "Valid", ("true", "false"), "Session key", "ssn_x"),
    "sessions": ("/redemptions/sessions/", "Status", ("ACTIVE", "RELEASED"), "Voucher code", "CODE-1"),
    "logs": ("/audit-log/", "Method", ("POST", "GET"), "Path starts with", "v1-path"),
    "events": ("/audit-log/events/", "Rows per page", ("50", "100"), "Kind", "redemption."),
    "exports": ("/audit-log/exports/", "Status", ("DONE", "ERROR"), "From", "2026-01-02"),
    "campaigns": ("/campaigns/", "Status", ("active", "expired"), "Rows per page", "50"),
}


@pytest.mark.parametrize("name", LISTS)
def test_back_and_forward_restore_every_lists_filter_panel(live_server, page: Page, role_user, artifact_dir, name):
    path, select_label, (first, second), other_label, other_value = LISTS[name]
    role_user(None, superuser=True)
    base = live_server.url
    sign_in(page, base, "superuser")
    page.goto(base + path)
    select = page.get_by_label(select_label, exact=True)
    other = page.get_by_label(other_label, exact=True)

    if other.evaluate("element => element.tagName") == "SELECT":
        other.select_option(other_value)
    else:
        other.fill(other_value)
        other.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(other_value)))
    select.select_option(first)
    expect(page).to_have_url(re.compile(f"={re.escape(first)}"))
    select.select_option(second)
    expect(page).to_have_url(re.compile(f"={re.escape(second)}"))

    page.go_back()
    expect(page).to_have_url(re.compile(f"={re.escape(first)}"))
    expect(select).to_have_value(first)
    expect(other).to_have_value(other_value)
    page.screenshot(path=artifact_dir / f"{name}-after-back.png", full_page=True)
    page.go_forward()
    expect(page).to_have_url(re.compile(f"={re.escape(second)}"))
    expect(select).to_have_value(second)
    expect(other).to_have_value(other_value)
    page.go_back()
    page.go_back()
    expect(page).to_have_url(re.compile(re.escape(other_value)))
    expect(select).not_to_have_value(first)
    expect(other).to_have_value(other_value)
    expect(page.locator("header.vh-topbar")).to_have_count(1)
