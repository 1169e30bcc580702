"""The Audit log in headless Chromium: filter the request logs of real /v1/ calls, open one, see events."""

import re

import pytest
from playwright.sync_api import Page, expect

from auditlog.models import RequestLog
from tests.api.conftest import JsonClient
from tests.auditlog.test_pages import SECRET, redeem_with_secrets
from tests.e2e.test_layout import sign_in
from voucherhub.services import create_api_key

pytestmark = [pytest.mark.e2e]


def test_a_marketer_filters_the_logs_and_reads_a_calls_bodies_without_its_secrets(
    live_server, page: Page, role_user, artifact_dir
):
    role_user("Marketer")
    key, token = create_api_key(name="Web shop")
    shop = JsonClient(type("Credentials", (), {"app_id": key.app_id, "token": token})())
    redeemed = redeem_with_secrets(shop, "AUDIT-E2E", "e2e")
    listed = shop.get("/v1/vouchers", {"limit": 5})
    assert (redeemed.status_code, listed.status_code) == (200, 200)
    post_log = RequestLog.objects.get(pk=redeemed["X-Request-Id"])
    get_log = RequestLog.objects.get(pk=listed["X-Request-Id"])

    base = live_server.url
    sign_in(page, base, "marketer")
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Audit log").click()
    expect(page).to_have_url(f"{base}/audit-log/")
    table = page.locator("#log-table")
    expect(table).to_contain_text(post_log.pk)
    expect(table).to_contain_text(get_log.pk)

    page.evaluate("window.__notReloaded = true")
    page.get_by_label("Method").select_option("POST")
    expect(page).to_have_url(re.compile(r"method=POST"))
    expect(table).not_to_contain_text(get_log.pk)
    expect(table).to_contain_text(post_log.pk)
    page.get_by_label("Status").fill("2xx")
    page.get_by_label("Status").press("Enter")
    expect(page).to_have_url(re.compile(r"status=2xx"))
    expect(table).to_contain_text(post_log.pk)
    assert page.evaluate("window.__notReloaded") is True
    page.screenshot(path=artifact_dir / "logs.png", full_page=True)

    table.get_by_role("link", name="/v1/redemptions").click()
    expect(page).to_have_url(f"{base}/audit-log/logs/{post_log.pk}/")
    expect(page.get_by_test_id("log-request-body")).to_contain_text('"source": "e2e"')
    expect(page.get_by_test_id("log-request-body")).to_contain_text("[removed]")
    expect(page.get_by_test_id("log-response-body")).to_contain_text('"result": "SUCCESS"')
    expect(page.get_by_test_id("log-query")).to_contain_text("[removed]")
    # The call's events in words; the raw keys and data are for admins.
    expect(page.get_by_test_id("log-events")).to_contain_text("Voucher AUDIT-E2E redeemed")
    expect(page.get_by_test_id("log-events")).not_to_contain_text("redemption.succeeded")
    expect(page.get_by_test_id("technical-details")).to_have_count(0)
    # The events stand beside the bodies, and a long body scrolls in its card instead of stretching the page.
    events, request_body = page.get_by_test_id("log-events").bounding_box(), page.get_by_test_id("log-request-body")
    assert events["x"] + events["width"] <= request_body.bounding_box()["x"]
    assert request_body.evaluate("el => getComputedStyle(el).maxHeight") == "576px"
    expect(page.locator("body")).not_to_contain_text(SECRET)
    expect(page.locator("body")).not_to_contain_text(token)
    page.screenshot(path=artifact_dir / "log.png", full_page=True)

    page.goto(base + "/audit-log/events/")
    expect(page.locator("#event-table")).to_contain_text("Voucher AUDIT-E2E redeemed")
    expect(page.locator("#event-table")).not_to_contain_text("redemption.succeeded")
    page.locator("#event-table").get_by_role("link", name=post_log.pk).first.click()
    expect(page).to_have_url(f"{base}/audit-log/logs/{post_log.pk}/")


def test_staff_see_only_the_exports_tab_of_the_audit_log(live_server, page: Page, role_user):
    role_user("Staff")
    base = live_server.url
    sign_in(page, base, "staff")
    expect(page.get_by_role("navigation", name="Sections").get_by_role("link", name="Audit log")).to_have_count(0)
    page.goto(base + "/audit-log/exports/")
    tabs = page.get_by_role("navigation", name="Audit log tabs")
    expect(tabs.get_by_role("link")).to_have_text(["Exports"])
    response = page.goto(base + "/audit-log/")
    assert response.status == 403
