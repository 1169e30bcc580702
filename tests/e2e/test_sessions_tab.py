"""The Sessions tab in headless Chromium: an admin releases a session in place; a marketer cannot."""

import re

import pytest
from playwright.sync_api import Page, expect

from redemptions.services.validation import validate
from tests.e2e.test_row_menu import choose, open_menu
from tests.factories import make_voucher, stack
from tests.redemptions.factories import body, voucher
from voucherhub.caller import Caller

pytestmark = [pytest.mark.e2e]


def open_session(key: str, code: str) -> None:
    make_voucher(code=code)
    request = body(voucher(code), session={"type": "LOCK", "key": key})
    fields = {k: request.get(k) for k in ("redeemables", "order", "customer", "session")}
    assert validate(stack(**fields), caller=Caller.system("tests")).session is not None


def sign_in(page: Page, base_url: str, username: str, next_path: str) -> None:
    page.goto(base_url + next_path)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(base_url + next_path)


def test_admin_releases_a_session_and_sees_released_without_a_reload(live_server, page: Page, role_user, artifact_dir):
    role_user("Admin")
    open_session("ssn_e2e_admin", "E2E-LOCK")
    base = live_server.url
    sign_in(page, base, "admin", "/redemptions/sessions/")

    row = page.locator("tr#session-ssn_e2e_admin")
    expect(row).to_contain_text("Active")
    expect(row).to_contain_text("E2E-LOCK")
    page.screenshot(path=artifact_dir / "sessions-before.png", full_page=True)

    page.evaluate("window.__notReloaded = true")
    page.on("dialog", lambda dialog: dialog.accept())
    choose(row, "Release")
    expect(row).to_contain_text("Released")
    expect(open_menu(row).get_by_role("menuitem")).to_have_text(["Open", "Copy key"])  # nothing left to release
    page.keyboard.press("Escape")
    assert page.evaluate("window.__notReloaded") is True  # swapped in place, no reload
    expect(page).to_have_url(base + "/redemptions/sessions/")
    page.screenshot(path=artifact_dir / "sessions-released.png", full_page=True)

    page.get_by_label("Status").select_option("RELEASED")
    # Empty filters may be left out of the pushed URL.
    expect(page).to_have_url(
        re.compile(re.escape(base) + r"/redemptions/sessions/\?status=RELEASED(&voucher=&customer=)?&per_page=25$")
    )
    expect(page.locator("tr#session-ssn_e2e_admin")).to_be_visible()
    assert page.evaluate("window.__notReloaded") is True
    page.get_by_label("Status").select_option("ACTIVE")
    expect(page.get_by_text("No sessions match")).to_be_visible()
    page.screenshot(path=artifact_dir / "sessions-filtered-empty.png", full_page=True)
    assert (artifact_dir / "sessions-released.png").stat().st_size > 0


def test_marketer_sees_sessions_but_no_release_button(live_server, page: Page, role_user, artifact_dir):
    role_user("Marketer")
    open_session("ssn_e2e_marketer", "E2E-MKT")
    base = live_server.url
    sign_in(page, base, "marketer", "/redemptions/sessions/")

    row = page.locator("tr#session-ssn_e2e_marketer")
    expect(row).to_contain_text("Active")
    expect(open_menu(row).get_by_role("menuitem")).to_have_text(["Open", "Copy key"])
    expect(page.get_by_text("Release", exact=True)).to_have_count(0)
    page.keyboard.press("Escape")
    # Customer data is for Admins: no Customer filter, no Customer column (as on the Redemptions tab).
    expect(page.get_by_label("Customer")).to_have_count(0)
    expect(page.get_by_role("columnheader", name="Customer")).to_have_count(0)
    page.screenshot(path=artifact_dir / "sessions-marketer.png", full_page=True)

    page.get_by_role("link", name="Validations").click()
    expect(page).to_have_url(base + "/redemptions/validations/")
    expect(page.get_by_text("Validations are kept 30 days")).to_be_visible()
    expect(page.get_by_label("Customer")).to_have_count(0)
    expect(page.get_by_role("columnheader", name="Customer")).to_have_count(0)
    page.screenshot(path=artifact_dir / "validations-marketer.png", full_page=True)
    assert (artifact_dir / "sessions-marketer.png").stat().st_size > 0
