"""A person signs in, finds their way around the layout, and signs out, in headless Chromium."""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e]


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(base_url + "/")
    expect(page).to_have_url(f"{base_url}/login/?next=/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base_url}/")


def test_marketer_signs_in_walks_to_the_validations_tab_and_signs_out(live_server, page: Page, role_user, artifact_dir):
    role_user("Marketer")
    base = live_server.url

    sign_in(page, base, "marketer")
    top_bar = page.locator("header.vh-topbar")
    expect(top_bar.get_by_role("link", name="VoucherHub")).to_be_visible()
    sections = page.get_by_role("navigation", name="Sections").get_by_role("link")
    expect(sections).to_have_text(["Campaigns", "Redemptions", "Audit log"])
    expect(top_bar.get_by_role("button", name="marketer")).to_be_visible()
    page.screenshot(path=artifact_dir / "home.png", full_page=True)

    page.get_by_role("link", name="Go to Redemptions").click()
    expect(page).to_have_url(f"{base}/redemptions/")
    tabs = page.get_by_role("navigation", name="Redemptions tabs").get_by_role("link")
    expect(tabs).to_have_text(["Redemptions", "Validations", "Sessions", "Stacking rules"])
    expect(tabs.filter(has_text="Redemptions")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("search", name="Redemption filters")).to_be_visible()
    page.screenshot(path=artifact_dir / "redemptions.png", full_page=True)

    tabs.filter(has_text="Validations").click()
    expect(page).to_have_url(f"{base}/redemptions/validations/")
    expect(tabs.filter(has_text="Validations")).to_have_attribute("aria-current", "page")
    expect(tabs.filter(has_text="Redemptions")).not_to_have_attribute("aria-current", "page")
    expect(page.get_by_text("Validations are kept 30 days")).to_be_visible()
    expect(page).to_have_title("Validations · Redemptions · VoucherHub")
    expect(sections.filter(has_text="Redemptions")).to_have_attribute("aria-current", "page")

    page.go_back()  # tabs are real history entries
    expect(page).to_have_url(f"{base}/redemptions/")
    expect(page.get_by_role("search", name="Redemption filters")).to_be_visible()
    page.go_forward()
    expect(page).to_have_url(f"{base}/redemptions/validations/")
    expect(page.get_by_text("Validations are kept 30 days")).to_be_visible()

    top_bar.get_by_role("button", name="marketer").click()
    menu = page.locator(".vh-user-menu")
    expect(menu).to_be_visible()
    expect(menu.get_by_text("Marketer", exact=True)).to_be_visible()
    expect(menu.get_by_role("link", name="Django admin")).to_have_count(0)  # not a staff user
    menu.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{base}/login/")
    expect(page.get_by_role("heading", name="Sign in to VoucherHub")).to_be_visible()

    shot = artifact_dir / "signed-out.png"
    page.screenshot(path=shot, full_page=True)
    assert shot.exists() and shot.stat().st_size > 0
    assert (artifact_dir / "home.png").stat().st_size > 0
    assert (artifact_dir / "redemptions.png").stat().st_size > 0

    page.goto(base + "/redemptions/")  # signed out for real
    expect(page).to_have_url(re.compile(r"/login/\?next=/redemptions/$"))


def test_staff_sees_only_the_redemptions_section_and_their_exports(live_server, page: Page, role_user, artifact_dir):
    role_user("Staff")
    base = live_server.url

    sign_in(page, base, "staff")
    sections = page.get_by_role("navigation", name="Sections").get_by_role("link")
    expect(sections).to_have_text(["Redemptions", "Exports"])
    top_bar = page.locator("header.vh-topbar")
    expect(top_bar.get_by_role("link", name="Campaigns")).to_have_count(0)
    expect(top_bar.get_by_role("link", name="Audit log")).to_have_count(0)
    expect(page.get_by_text("No background worker has reported yet")).to_be_visible()

    page.goto(base + "/audit-log/")
    expect(page.get_by_role("heading", name="You don't have permission to open this page")).to_be_visible()
    shot = artifact_dir / "staff-403.png"
    page.screenshot(path=shot, full_page=True)
    assert shot.exists() and shot.stat().st_size > 0
    page.get_by_role("link", name="Back to home").click()
    expect(page).to_have_url(f"{base}/")
