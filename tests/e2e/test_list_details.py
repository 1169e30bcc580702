"""Issue 14, bug 2: a row's link on any list opens the detail as a page of its own (one top bar, the
section's tabs, no list filters above it), also after the table was sorted in place; Back returns to the
list. In headless Chromium."""

import re

import pytest
from playwright.sync_api import Page, expect

from auditlog.models import RequestLog
from redemptions.models import Validation
from tests.api.conftest import JsonClient
from tests.auditlog.test_pages import redeem_with_secrets
from tests.e2e.test_layout import sign_in
from tests.e2e.test_sessions_tab import open_session
from tests.factories import make_campaign
from voucherhub.services import create_api_key

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def rows(transactional_db, role_user):
    """One row on each list whose rows link to a detail page, and an Admin who may open them all."""
    role_user("Admin")
    open_session("ssn_e2e_nav", "E2E-NAV-LOCK")
    key, token = create_api_key(name="Web shop")
    shop = JsonClient(type("Credentials", (), {"app_id": key.app_id, "token": token})())
    redeemed = redeem_with_secrets(shop, "E2E-NAV-REDEEM", "e2e")
    assert redeemed.status_code == 200
    log = RequestLog.objects.get(pk=redeemed["X-Request-Id"])
    return {
        "validation": Validation.objects.get(session_key="ssn_e2e_nav"),
        "log": log,
        "redemption": redeemed.json()["redemptions"][0]["id"],
        "campaign": make_campaign(name="Nav campaign"),
    }


# (list URL, its table, the row link's URL from the rows, the section's tabs, the tab the detail belongs
# to, what the detail page shows)
LISTS = {
    "validations": (
        "/redemptions/validations/",
        "#validation-table",
        lambda r: f"/redemptions/validations/{r['validation'].pk}/",
        "Redemptions tabs",
        "Validations",
        lambda r: f"Validation {r['validation'].pk}",
    ),
    "sessions": (
        "/redemptions/sessions/",
        "#session-table",
        lambda r: "/redemptions/sessions/ssn_e2e_nav/",
        "Redemptions tabs",
        "Sessions",
        lambda r: "Session ssn_e2e_nav",
    ),
    "redemptions": (
        "/redemptions/",
        "#redemptions-table",
        lambda r: f"/redemptions/{r['redemption']}/",
        "Redemptions tabs",
        "Redemptions",
        lambda r: r["redemption"],
    ),
    "logs": (
        "/audit-log/",
        "#log-table",
        lambda r: f"/audit-log/logs/{r['log'].pk}/",
        "Audit log tabs",
        "Logs",
        lambda r: "POST /v1/redemptions",
    ),
    "events": (
        "/audit-log/events/",
        "#event-table",
        lambda r: f"/audit-log/logs/{r['log'].pk}/",
        "Audit log tabs",
        "Logs",
        lambda r: "POST /v1/redemptions",
    ),
    "campaigns": (
        "/campaigns/",
        "#campaign-table",
        lambda r: f"/campaigns/{r['campaign'].pk}/",
        None,
        None,
        lambda r: "Nav campaign",
    ),
}


@pytest.mark.parametrize("name", LISTS)
def test_a_rows_link_opens_the_detail_as_a_page_of_its_own(live_server, page: Page, rows, artifact_dir, name):
    list_path, table_id, detail_path, tabs_name, tab, shows = LISTS[name]
    base = live_server.url
    sign_in(page, base, "admin")
    page.goto(base + list_path)
    table = page.locator(table_id)
    link = table.locator(f'tbody a[href="{detail_path(rows)}"]').first
    expect(link).to_be_visible()

    # Sorting swaps the table in place (the page is not reloaded) and keeps the rows' links plain links.
    page.evaluate("window.__notReloaded = true")
    table.locator("thead a").first.click()
    expect(page).to_have_url(re.compile(re.escape(base + list_path) + r"\?.*sort="))
    expect(link).to_be_visible()
    assert page.evaluate("window.__notReloaded") is True

    link.click()
    expect(page).to_have_url(base + detail_path(rows))
    expect(page.locator("body")).to_contain_text(shows(rows))
    expect(page.locator("header.vh-topbar")).to_have_count(1)  # one top bar, one bell: not nested
    expect(page.get_by_role("button", name=re.compile("Notifications"))).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    expect(page.locator(table_id)).to_have_count(0)
    expect(page.get_by_role("search")).to_have_count(0)  # no list filters above the detail
    if tabs_name:
        current = page.get_by_role("navigation", name=tabs_name).get_by_role("link", name=tab, exact=True)
        expect(current).to_have_attribute("aria-current", re.compile("page|location"))
    page.screenshot(path=artifact_dir / f"{name}-detail.png", full_page=True)

    page.go_back()
    expect(page).to_have_url(re.compile(re.escape(base + list_path) + r"\?.*sort="))
    expect(page.locator(table_id).locator(f'tbody a[href="{detail_path(rows)}"]').first).to_be_visible()
    expect(page.locator("header.vh-topbar")).to_have_count(1)
