"""Nothing a person reads in one piece breaks onto two lines, measured in Chromium at 1440x900 on the small
demo: a date and its clock, a voucher code, an id, a channel's words, "Technical details"; and a long value
cut with an ellipsis keeps its whole text in its title (an id also on its copy button)."""

import pytest
from django.db.models import Count
from playwright.sync_api import Page, expect

from auditlog.models import Event
from tests.e2e.test_every_page import pages

pytestmark = [pytest.mark.e2e]

# Elements that are one line: a time (date and clock), a voucher code, an id, a channel's words (its kind,
# "Dashboard user"), an event's "Technical details".
ONE_LINE = "main time, main td code, main .vh-id, main .vh-col-channel .vh-channel-kind, main .vh-technical > summary"
# How many lines an element takes: the distinct line tops of its text (a Range's rectangles).
LINES = """el => { const range = document.createRange(); range.selectNodeContents(el);
  const half = parseFloat(getComputedStyle(el).fontSize) / 2; const tops = [];
  for (const rect of range.getClientRects()) {
    if (rect.width > 0 && !tops.some(top => Math.abs(top - rect.top) < half)) tops.push(rect.top);
  }
  return tops.length; }"""
# [text, lines] of every such element on the page that takes more than one line.
WRAPPED = f"""sel => [...document.querySelectorAll(sel)]
  .map(el => [el.textContent.trim(), ({LINES})(el)]).filter(([, lines]) => lines > 1)"""
# [text, title] of every cut value (wider than its box) whose title is not its whole text.
CUT_WITHOUT_TITLE = """() => [...document.querySelectorAll("main .vh-truncate, main .vh-id")]
  .filter(el => el.scrollWidth > el.clientWidth + 1)
  .filter(el => (el.getAttribute("title") || "") !== el.textContent.trim())
  .map(el => [el.textContent.trim(), el.getAttribute("title")])"""

# Whether a table is wider than its card, so that its last columns hide behind a sideways scroll.
SCROLLS_SIDEWAYS = """() => [...document.querySelectorAll("main .table-responsive")]
  .some(el => el.scrollWidth > el.clientWidth + 1)"""


def sign_in_wide(page: Page, base: str, username: str) -> None:
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(base + "/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(base + "/")


def test_dates_codes_and_ids_stay_on_one_line_on_every_page(live_server, page: Page, demo_shop, artifact_dir):
    sign_in_wide(page, live_server.url, "admin")
    wrapped, cut, sideways = {}, {}, []
    for *_, path in pages():
        page.goto(live_server.url + path)
        expect(page.locator("main")).to_be_visible()
        if found := page.evaluate(WRAPPED, ONE_LINE):
            wrapped[path] = found
        if found := page.evaluate(CUT_WITHOUT_TITLE):
            cut[path] = found
        if page.evaluate(SCROLLS_SIDEWAYS):
            sideways.append(path)
    assert not wrapped, f"broken onto two lines: {wrapped}"
    assert not cut, f"cut without the whole value in the title: {cut}"
    assert not sideways, f"a table wider than its card (the room for one-line dates came from elsewhere): {sideways}"


def test_redemptions_list_shows_campaigns_and_emails_whole_and_ids_copy_whole(
    live_server, browser, demo_shop, artifact_dir
):
    context = browser.new_context(
        viewport={"width": 1440, "height": 900}, permissions=["clipboard-read", "clipboard-write"]
    )
    page = context.new_page()
    try:
        sign_in_wide(page, live_server.url, "admin")
        page.goto(live_server.url + "/redemptions/")
        table = page.locator("#redemptions-table")
        expect(table.locator("tbody tr").first).to_be_visible()
        page.screenshot(path=artifact_dir / "redemptions.png", full_page=True)

        # One line per date: each date cell is as tall as one line of its text.
        lines = table.locator("tbody td.vh-col-date time").evaluate_all(f"els => els.map({LINES})")
        assert lines and set(lines) == {1}, lines

        # The demo's campaign names and e-mails fit their columns whole.
        cut = page.evaluate(
            """() => [...document.querySelectorAll(
                 "#redemptions-table td.vh-col-text .vh-truncate, #redemptions-table td.vh-col-customer .vh-truncate")]
               .filter(el => el.scrollWidth > el.clientWidth + 1).map(el => el.textContent)"""
        )
        assert not cut, cut

        # An id shortened by its column is whole in its title, and its copy button copies it whole.
        first = table.locator("tbody tr").first.locator("td.vh-col-id")
        whole = first.locator(".vh-id").get_attribute("title")
        assert whole and whole.startswith(("r_", "rf_")) and first.locator(".vh-id").inner_text() == whole
        first.get_by_role("button", name=f"Copy id {whole}").click()
        expect(first.get_by_text("Copied")).to_be_visible()
        assert page.evaluate("navigator.clipboard.readText()") == whole
    finally:
        context.close()


def test_validations_list_never_breaks_a_voucher_code(live_server, page: Page, demo_shop, artifact_dir):
    sign_in_wide(page, live_server.url, "admin")
    page.goto(live_server.url + "/redemptions/validations/")
    codes = page.locator("#validation-table td code")
    expect(codes.first).to_be_visible()
    page.screenshot(path=artifact_dir / "validations.png", full_page=True)
    lines = codes.evaluate_all(f"els => els.map(el => [el.textContent, ({LINES})(el)])")
    assert lines and all(count == 1 for _, count in lines), lines
    assert any("-" in code for code, _ in lines)  # the demo's codes have hyphens: WELCOME-46R644


# [width of the opened raw event, width of its table]
RAW_EVENT_WIDTH = """() => { const pre = document.querySelector("main [data-testid=technical-row] pre");
  return [pre.getBoundingClientRect().width, pre.closest("table").getBoundingClientRect().width]; }"""


def test_event_lists_keep_ids_codes_and_channels_whole_and_open_the_raw_event_full_width(
    live_server, page: Page, demo_shop, artifact_dir
):
    sign_in_wide(page, live_server.url, "admin")
    busiest = Event.objects.exclude(campaign_id="").values("campaign_id").annotate(n=Count("id")).order_by("-n")[0]
    lists = {"audit-events": "/audit-log/events/", "activity": f"/campaigns/{busiest['campaign_id']}/activity/"}
    for name, path in lists.items():
        page.goto(live_server.url + path)
        sentences = page.locator("main tbody").get_by_test_id("event-sentence")
        expect(sentences.first).to_be_visible()
        # Request-log and object ids, codes in sentences, "Dashboard user", "Technical details": one line each.
        assert not page.evaluate(WRAPPED, ONE_LINE), (name, page.evaluate(WRAPPED, ONE_LINE))
        assert page.locator("main td.vh-col-channel").count() > 0
        assert not page.evaluate(SCROLLS_SIDEWAYS), name
        assert not page.evaluate(CUT_WITHOUT_TITLE), name

        # Opened, the raw event takes the table's width in a row under its row; closed, that row goes.
        summary = page.locator("main tbody tr").first.get_by_text("Technical details")
        summary.click()
        raw = page.get_by_test_id("technical-row")
        expect(raw.locator("pre")).to_be_visible()
        expect(raw).to_contain_text("Event ")
        width, table = page.evaluate(RAW_EVENT_WIDTH)
        assert width > 0.9 * table, (name, width, table)
        page.screenshot(path=artifact_dir / f"{name}.png", full_page=True)
        summary.click()
        expect(raw).to_have_count(0)
