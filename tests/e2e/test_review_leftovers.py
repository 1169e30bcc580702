"""What a demanding person checks last, in Chromium on the small demo: the bell names the zone of its
times; the very first page, before the browser's zone is known, is shown in the browser's zone; every id on
a detail page has a copy button; a page size the list does not offer is said, not silently replaced."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, Page, expect

from exports.models import Notification
from tests.e2e.test_every_page import pages
from tests.e2e.test_wrapping import sign_in_wide

pytestmark = [pytest.mark.e2e]

# The ids shown on the page (a prefix, "_" or "-", then the id's 22 hex digits), outside JSON bodies.
SHOWN_IDS = r"""() => { const main = document.querySelector("main").cloneNode(true);
  main.querySelectorAll("pre, script, .breadcrumb, .visually-hidden, .dropdown-menu").forEach(el => el.remove());
  // an id cut in its middle (.vh-id-head, .vh-id-tail) is one text again
  main.querySelectorAll(".vh-id").forEach(el => { el.textContent = el.textContent; });
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT), ids = new Set();
  while (walker.nextNode()) {
    (walker.currentNode.data.match(/\b[a-z]+[_-][0-9a-f]{22}\b/g) || []).forEach(id => ids.add(id));
  }
  return [...ids]; }"""
COPYABLE = "() => [...document.querySelectorAll('main .vh-copy-btn[data-copy]')].map(el => el.dataset.copy)"
DETAIL = re.compile(r"^/(redemptions/(validations/|sessions/)?|audit-log/logs/|campaigns/)[a-z]+[_-][0-9a-f]{22}/$")


def test_the_bells_list_names_the_zone_of_its_times(live_server, browser: Browser, demo_shop, artifact_dir):
    staff = get_user_model().objects.get(username="staff")
    Notification.objects.create(user=staff, message="Your export is ready")
    context = browser.new_context(timezone_id="Europe/Warsaw", viewport={"width": 1440, "height": 900})
    page = context.new_page()
    try:
        sign_in_wide(page, live_server.url, "staff")
        page.get_by_role("button", name="Notifications").click()
        expect(page.get_by_test_id("notification")).to_have_count(1)
        expect(page.get_by_test_id("notifications-time-zone")).to_have_text("Times in Europe/Warsaw · UTC on hover")
        page.screenshot(path=artifact_dir / "bell.png")
        page.goto(live_server.url + "/exports/notifications/")
        expect(page.get_by_test_id("time-zone")).to_have_text("Times in Europe/Warsaw · UTC on hover")
    finally:
        context.close()


def test_the_first_page_before_the_zone_cookie_shows_the_browsers_zone(
    live_server, browser: Browser, demo_shop, artifact_dir
):
    context = browser.new_context(timezone_id="Asia/Tokyo", viewport={"width": 1440, "height": 900})
    page = context.new_page()
    try:
        sign_in_wide(page, live_server.url, "marketer")
        context.clear_cookies(name="vh_tz")  # as a browser whose first page it is, signed in already
        page.goto(live_server.url + "/redemptions/")
        expect(page.get_by_test_id("time-zone")).to_have_text("Times in Asia/Tokyo")
        first = page.locator("#redemptions-table tbody time").first
        utc = first.get_attribute("title")  # "2026-12-05 05:21:49 UTC"
        assert utc and first.inner_text() != utc.removesuffix(" UTC")
        assert {cookie["name"]: cookie["value"] for cookie in context.cookies()}["vh_tz"] == "Asia/Tokyo"
    finally:
        context.close()


def test_every_id_on_a_detail_page_has_a_copy_button(live_server, page: Page, demo_shop, artifact_dir):
    sign_in_wide(page, live_server.url, "admin")
    missing, seen = {}, 0
    for _, name, path in pages():
        if not DETAIL.match(path):
            continue
        page.goto(live_server.url + path)
        expect(page.locator("main")).to_be_visible()
        shown, copyable = page.evaluate(SHOWN_IDS), set(page.evaluate(COPYABLE))
        seen += len(shown)
        if lost := [value for value in shown if value not in copyable]:
            missing[path] = lost
        page.screenshot(path=artifact_dir / f"{name}.png", full_page=True)
    assert seen > 10
    assert not missing, missing


def test_a_page_size_not_offered_is_said_and_the_nearest_shown(live_server, page: Page, demo_shop, artifact_dir):
    sign_in_wide(page, live_server.url, "marketer")
    page.goto(live_server.url + "/redemptions/?per_page=30")
    note = page.get_by_test_id("page-size-note")
    expect(note).to_have_text("“30” rows per page is not offered (10, 25, 50, 100): showing 25.")
    expect(page.get_by_label("Rows per page")).to_have_value("25")
    expect(page.locator("#redemptions-table tbody tr")).to_have_count(25)
    page.screenshot(path=artifact_dir / "per-page-30.png")

    page.goto(live_server.url + "/redemptions/?per_page=1000")
    expect(note).to_have_text("“1000” rows per page is not offered (10, 25, 50, 100): showing 100.")
    expect(page.get_by_label("Rows per page")).to_have_value("100")
    page.get_by_label("Rows per page").select_option("10")  # a size offered: the note goes
    expect(page.locator("#redemptions-table tbody tr")).to_have_count(10)
    expect(note).to_have_count(0)
