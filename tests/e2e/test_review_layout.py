"""Layout as a person sees it in Chromium at 1440x900 on the small demo: the calendar's "Today" clear of
the axis labels, with a legend; the Sessions filters in one line; Staff's Exports page named Exports; the
Notifications card and the home page's cards using their row."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_wrapping import sign_in_wide

pytestmark = [pytest.mark.e2e]


def box(locator):
    return locator.evaluate(
        "el => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }"
    )


def overlaps(a, b) -> bool:
    return not (a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1])


def test_the_calendar_marks_today_clear_of_the_axis_and_has_a_legend(live_server, page: Page, demo_shop, artifact_dir):
    sign_in_wide(page, live_server.url, "marketer")
    page.goto(live_server.url + "/campaigns/calendar/")
    calendar = page.get_by_test_id("campaign-calendar")
    today = calendar.get_by_test_id("calendar-today")
    expect(today).to_have_text("Today")
    page.screenshot(path=artifact_dir / "calendar.png", full_page=True)
    ticks = calendar.locator(".vh-calendar-tick")
    assert ticks.count() >= 3
    today_box = box(today)
    assert not [ticks.nth(i).inner_text() for i in range(ticks.count()) if overlaps(today_box, box(ticks.nth(i)))]
    # Today's line runs down through the campaigns' rows, under its label.
    line = calendar.get_by_test_id("calendar-today-line")
    expect(line).to_be_visible()
    line_box = box(line)
    assert abs(line_box[0] - (today_box[0] + today_box[2]) / 2) < 40  # under the label (it may be shifted at an edge)
    assert line_box[3] >= box(calendar.locator(".vh-calendar-row").last)[3] - 1
    assert not [ticks.nth(i).inner_text() for i in range(ticks.count()) if overlaps(line_box, box(ticks.nth(i)))]

    legend = page.get_by_role("list", name="Legend")
    expect(legend.get_by_role("listitem")).to_have_text(["Active", "Scheduled", "Expired", "Today"])
    # Each colour of the legend is the colour of the bars of that status.
    colour = "el => getComputedStyle(el).backgroundColor"
    compared = 0
    for status in ("active", "scheduled", "expired"):
        bars = calendar.locator(f".vh-calendar-bar[data-status='{status}']")
        if bars.count():
            assert bars.first.evaluate(colour) == legend.locator(f".vh-calendar-{status}").evaluate(colour)
            compared += 1
    assert compared


def test_the_sessions_filters_stand_in_one_line(live_server, page: Page, demo_shop, artifact_dir):
    sign_in_wide(page, live_server.url, "admin")
    page.goto(live_server.url + "/redemptions/sessions/")
    panel = page.get_by_role("search", name=re.compile("session", re.I))
    customer = panel.get_by_label("Customer")
    expect(customer).to_have_attribute("placeholder", "Name, email or id")
    # The whole placeholder shows: its text is no wider than the field's room for it.
    assert customer.evaluate(
        """el => { const c = document.createElement('canvas').getContext('2d');
                   const s = getComputedStyle(el); c.font = `${s.fontSize} ${s.fontFamily}`;
                   const room = el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
                   return c.measureText(el.placeholder).width <= room; }"""
    )
    page.screenshot(path=artifact_dir / "sessions.png")
    tops = {
        name: round(box(panel.get_by_label(name))[1])
        for name in ("Status", "Voucher code", "Customer", "Rows per page")
    }
    assert len(set(tops.values())) == 1, tops


def test_staff_exports_page_is_titled_exports(live_server, page: Page, demo_shop, artifact_dir):
    sign_in_wide(page, live_server.url, "staff")
    nav = page.get_by_role("navigation").first
    nav.get_by_role("link", name="Exports").click()  # the top bar offers it by the tab's own name
    expect(page).to_have_url(live_server.url + "/audit-log/exports/")
    expect(nav.get_by_role("link", name="Exports")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", level=1)).to_have_text("Exports")
    expect(page).to_have_title("Exports · VoucherHub")
    expect(page.get_by_text("Audit log")).to_have_count(0)
    page.screenshot(path=artifact_dir / "exports-staff.png")

    page.context.clear_cookies()
    sign_in_wide(page, live_server.url, "marketer")  # who may open the Audit log sees it named
    page.goto(live_server.url + "/audit-log/exports/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    expect(page).to_have_title("Exports · Audit log · VoucherHub")


def test_notifications_and_home_cards_use_their_row(live_server, page: Page, demo_shop, artifact_dir):
    sign_in_wide(page, live_server.url, "staff")
    row_width = box(page.locator("#worker-status"))
    card = page.locator(".vh-stat-card")
    expect(card).to_have_count(1)
    card_box = box(card)
    assert abs(card_box[0] - row_width[0]) < 1 and abs(card_box[2] - row_width[2]) < 1, (card_box, row_width)
    page.screenshot(path=artifact_dir / "home-staff.png")

    page.goto(live_server.url + "/exports/notifications/")
    header, notifications = box(page.locator(".vh-page-header")), box(page.locator(".vh-notification-page"))
    assert abs(notifications[0] - header[0]) < 1 and abs(notifications[2] - header[2]) < 1, (notifications, header)
    page.screenshot(path=artifact_dir / "notifications.png")
