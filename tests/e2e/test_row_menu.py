"""Row menus on the Redemptions tab in headless Chromium: an admin rolls back through a row's menu, a
marketer's menu has no Roll back, Copy id puts the whole id on the clipboard and says "Copied", the
keyboard opens and Escape closes a menu, and a stacked child's menu says why it is not rolled back alone."""

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.test_layout import sign_in
from tests.redemptions.factories import redeemed, stacked_redeemed

pytestmark = [pytest.mark.e2e]


def open_menu(row: Locator) -> Locator:
    """Opens a row's "⋯" menu and returns it."""
    row.get_by_role("button", name=re.compile(r"^Actions for ")).click()
    menu = row.get_by_role("menu")
    expect(menu).to_be_visible()
    return menu


def choose(row: Locator, item: str) -> None:
    """What a person does for a row's action: open its menu, click the item."""
    open_menu(row).get_by_role("menuitem", name=item).click()


def test_an_admin_rolls_back_a_succeeded_redemption_through_its_row_menu(
    live_server, page: Page, role_user, artifact_dir
):
    role_user("Admin")
    redemption = redeemed("E2E-MENU")
    base = live_server.url
    sign_in(page, base, "admin")
    page.goto(base + "/redemptions/")
    page.evaluate("window.__notReloaded = true")
    page.on("dialog", lambda dialog: dialog.accept())  # the "This cannot be undone" confirmation

    row = page.locator(f"tr#row-{redemption.pk}")
    expect(row).to_contain_text("Succeeded")
    expect(row.get_by_role("button", name=re.compile("Roll back"))).to_have_count(0)  # no red button on the row
    menu = open_menu(row)
    expect(menu.get_by_role("menuitem")).to_have_text(["Open", "Copy id", "Roll back…"])
    page.screenshot(path=artifact_dir / "admin-menu.png")
    menu.get_by_role("menuitem", name="Roll back…").click()
    expect(menu).to_be_hidden()
    form_row = page.locator(f"tr#rollback-row-{redemption.pk}")
    reason = form_row.get_by_label(f"Reason for rolling back {redemption.pk}")
    expect(reason).to_be_focused()
    reason.fill("Returned through the menu")
    form_row.get_by_role("button", name="Confirm rollback").click()

    expect(row).to_contain_text("Rolled back")
    expect(row.get_by_role("status")).to_have_text("Rolled back.")
    expect(form_row).to_have_count(0)
    expect(open_menu(row).get_by_role("menuitem")).to_have_text(["Open", "Copy id"])
    assert page.evaluate("window.__notReloaded") is True
    page.screenshot(path=artifact_dir / "rolled-back.png")


def test_a_marketers_row_menu_has_no_roll_back(live_server, page: Page, role_user, artifact_dir):
    role_user("Marketer")
    redemption = redeemed("E2E-MKT-MENU")
    base = live_server.url
    sign_in(page, base, "marketer")
    page.goto(base + "/redemptions/")
    row = page.locator(f"tr#row-{redemption.pk}")
    menu = open_menu(row)
    expect(menu.get_by_role("menuitem")).to_have_text(["Open", "Copy id"])
    expect(page.get_by_text("Roll back")).to_have_count(0)
    page.screenshot(path=artifact_dir / "marketer-menu.png")
    menu.get_by_role("menuitem", name="Open").click()
    expect(page).to_have_url(f"{base}/redemptions/{redemption.pk}/")


def test_copy_id_puts_the_whole_id_on_the_clipboard_and_says_copied(live_server, browser, role_user, artifact_dir):
    role_user("Marketer")
    redemption = redeemed("E2E-COPY")
    base = live_server.url
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    try:
        sign_in(page, base, "marketer")
        page.goto(base + "/redemptions/")
        row = page.locator(f"tr#row-{redemption.pk}")
        link = row.get_by_role("link", name=redemption.pk)
        expect(link).to_have_attribute("title", redemption.pk)

        row.get_by_role("button", name=f"Copy id {redemption.pk}").click()
        expect(row.get_by_text("Copied")).to_be_visible()
        assert page.evaluate("navigator.clipboard.readText()") == redemption.pk
        page.screenshot(path=artifact_dir / "copied.png")
        expect(row.get_by_text("Copied")).to_have_count(0, timeout=5000)  # the feedback goes away

        page.evaluate("navigator.clipboard.writeText('something else')")
        choose(row, "Copy id")
        expect(row.get_by_text("Copied")).to_be_visible()
        assert page.evaluate("navigator.clipboard.readText()") == redemption.pk

        # The detail page's id has the same button.
        page.goto(f"{base}/redemptions/{redemption.pk}/")
        page.evaluate("navigator.clipboard.writeText('something else')")
        summary = page.locator("#redemption-summary")
        summary.get_by_role("button", name=f"Copy id {redemption.pk}").click()
        expect(summary.get_by_text("Copied")).to_be_visible()
        assert page.evaluate("navigator.clipboard.readText()") == redemption.pk
    finally:
        context.close()


def test_the_keyboard_opens_a_row_menu_moves_in_it_and_escape_closes_it(live_server, page: Page, role_user):
    role_user("Admin")
    redemption = redeemed("E2E-KEYS")
    base = live_server.url
    sign_in(page, base, "admin")
    page.goto(base + "/redemptions/")
    row = page.locator(f"tr#row-{redemption.pk}")
    toggle = row.get_by_role("button", name=f"Actions for {redemption.pk}")
    toggle.focus()
    page.keyboard.press("Enter")
    menu = row.get_by_role("menu")
    expect(menu).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("ArrowDown")
    expect(menu.get_by_role("menuitem", name="Open")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(menu.get_by_role("menuitem", name="Copy id")).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(toggle).to_be_focused()
    expect(toggle).to_have_attribute("aria-expanded", "false")


def test_a_stacked_childs_menu_says_to_roll_back_the_parent(live_server, page: Page, role_user, artifact_dir):
    role_user("Admin")
    parent, children = stacked_redeemed("E2E-KID-A", "E2E-KID-B")
    base = live_server.url
    sign_in(page, base, "admin")
    page.goto(base + "/redemptions/")
    expect(page.locator(f"tr#row-{parent.pk}").get_by_test_id("stacked")).to_have_text("Stacked · 2")

    menu = open_menu(page.locator(f"tr#row-{children[0].pk}"))
    item = menu.get_by_role("menuitem", name="Roll back…")
    expect(item).to_be_disabled()
    reason = f"Part of the stacked redemption {parent.pk}; roll back the parent."
    expect(menu.get_by_text(reason)).to_be_visible()
    expect(item).to_have_accessible_description(reason)
    page.screenshot(path=artifact_dir / "stacked-child-menu.png")
    page.keyboard.press("Escape")

    # The parent's own menu rolls the whole stack back.
    page.on("dialog", lambda dialog: dialog.accept())
    parent_row = page.locator(f"tr#row-{parent.pk}")
    choose(parent_row, "Roll back…")
    form_row = page.locator(f"tr#rollback-row-{parent.pk}")
    form_row.get_by_label(f"Reason for rolling back {parent.pk}").fill("Whole order returned")
    form_row.get_by_role("button", name="Confirm rollback").click()
    expect(parent_row).to_contain_text("Rolled back")
    page.reload()
    expect(page.locator(f"tr#row-{children[0].pk}")).to_contain_text("Rolled back")


def test_validations_and_sessions_rows_have_the_same_menu_and_their_pages_copy_their_ids(
    live_server, browser, role_user, artifact_dir
):
    from tests.e2e.test_sessions_tab import open_session

    role_user("Marketer")
    open_session("ssn_e2e_copy/with-a-long-key-from-the-shop-0123456789", "E2E-COPY-LOCK")
    base = live_server.url
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    try:
        sign_in(page, base, "marketer")
        page.goto(base + "/redemptions/validations/")
        row = page.locator("#validations-table tbody tr, table tbody tr").first
        menu = open_menu(row)
        expect(menu.get_by_role("menuitem")).to_have_text(["Open", "Copy id"])
        menu.get_by_role("menuitem", name="Open").click()
        expect(page).to_have_url(re.compile(r"/redemptions/validations/[^/]+/$"))
        validation_id = page.url.rstrip("/").rsplit("/", 1)[1]
        page.get_by_role("button", name=f"Copy id {validation_id}").click()
        expect(page.get_by_text("Copied")).to_be_visible()
        assert page.evaluate("navigator.clipboard.readText()") == validation_id

        key = "ssn_e2e_copy/with-a-long-key-from-the-shop-0123456789"
        page.goto(base + "/redemptions/sessions/")
        session_row = page.locator("tbody tr", has_text="ssn_e2e_copy")
        expect(session_row.get_by_role("link", name=key)).to_have_attribute("title", key)
        choose(session_row, "Copy key")
        expect(session_row.get_by_text("Copied")).to_be_visible()
        assert page.evaluate("navigator.clipboard.readText()") == key
        page.screenshot(path=artifact_dir / "session-copied.png")
    finally:
        context.close()
