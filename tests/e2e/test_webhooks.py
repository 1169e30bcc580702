"""Settings > Webhooks in headless Chromium: an Admin adds an endpoint (a refused URL first, with its form
error), copies the secret shown once, sends a test event that a real receiver gets, opens the delivery with
its attempt, replays it; a Marketer has no Webhooks tab and no way in."""

import pytest
from playwright.sync_api import Page, expect

from outbound.events import WEBHOOK_EVENTS
from outbound.models import Webhook
from tests.e2e.test_layout import sign_in

pytestmark = [pytest.mark.e2e]


def test_an_admin_adds_an_endpoint_sends_a_test_event_and_replays_it(
    live_server, page: Page, role_user, artifact_dir, httpserver, settings
):
    httpserver.expect_request("/hooks").respond_with_data("received")
    role_user("Admin")
    base = live_server.url
    sign_in(page, base, "admin")
    page.goto(f"{base}/settings/webhooks/")
    expect(page.get_by_role("link", name="Webhooks")).to_be_visible()
    expect(page.get_by_text("No webhooks yet.")).to_be_visible()

    settings.WEBHOOK_ALLOWED_HOSTS = frozenset()
    page.get_by_label("Endpoint URL").fill("https://10.0.0.5/hooks")
    page.get_by_label("redemption.succeeded").check()
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.get_by_text("The URL points to an internal address (10.0.0.5)")).to_be_visible()
    page.screenshot(path=artifact_dir / "refused.png", full_page=True)

    settings.WEBHOOK_ALLOWED_HOSTS = frozenset({"localhost"})
    page.get_by_label("Endpoint URL").fill(httpserver.url_for("/hooks"))
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.get_by_text("Webhook created")).to_be_visible()
    expect(page.get_by_test_id("new-webhook-secret")).to_contain_text("whsec_")
    page.screenshot(path=artifact_dir / "created.png", full_page=True)

    page.get_by_role("link", name=httpserver.url_for("/hooks")).click()
    page.get_by_role("button", name="Send test event").click()
    expect(page.get_by_text("Test event queued")).to_be_visible()
    page.reload()
    row = page.get_by_test_id("delivery-row").first
    expect(row).to_contain_text("webhook.test")
    expect(row).to_contain_text("Delivered")
    expect(row).to_contain_text("HTTP 200")
    page.screenshot(path=artifact_dir / "log.png", full_page=True)
    assert len(httpserver.log) == 1

    row.get_by_role("link", name="Details").click()
    expect(page.get_by_test_id("attempt-row")).to_contain_text("HTTP 200")
    expect(page.get_by_test_id("delivery-body")).to_contain_text('"type": "webhook.test"')
    page.get_by_test_id("replay").click()
    expect(page.get_by_text("queued again, with the same event id")).to_be_visible()
    page.reload()
    expect(page.get_by_test_id("attempt-row")).to_have_count(2)
    page.screenshot(path=artifact_dir / "delivery.png", full_page=True)
    ids = {request.headers["webhook-id"] for request, _ in httpserver.log}
    assert len(httpserver.log) == 2 and len(ids) == 1


def test_an_admin_chooses_a_whole_group_of_events_with_one_click(
    live_server, page: Page, role_user, artifact_dir, httpserver, settings
):
    campaign_events = sorted(name for name in WEBHOOK_EVENTS if name.startswith("campaign."))
    role_user("Admin")
    base = live_server.url
    sign_in(page, base, "admin")
    page.goto(f"{base}/settings/webhooks/")
    group = page.locator("[data-vh-event-group]").filter(has=page.get_by_label("campaign.created"))
    boxes = group.locator('input[type="checkbox"]')
    expect(boxes).to_have_count(len(campaign_events))

    page.get_by_role("button", name="Choose every campaign event").click()
    for name in campaign_events:
        expect(page.get_by_label(name, exact=True)).to_be_checked()
    page.get_by_role("button", name="Clear every campaign event").click()  # all chosen: the button clears them
    for name in campaign_events:
        expect(page.get_by_label(name, exact=True)).not_to_be_checked()
    page.get_by_role("button", name="Choose every campaign event").click()
    page.get_by_label("campaign.created", exact=True).uncheck()  # one left out: the button chooses again
    expect(page.get_by_role("button", name="Choose every campaign event")).to_be_visible()
    page.screenshot(path=artifact_dir / "group.png", full_page=True)

    settings.WEBHOOK_ALLOWED_HOSTS = frozenset({"localhost"})
    page.get_by_label("Endpoint URL").fill(httpserver.url_for("/hooks"))
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.get_by_text("Webhook created")).to_be_visible()
    webhook = Webhook.objects.get()
    assert sorted(webhook.events) == [name for name in campaign_events if name != "campaign.created"]


@pytest.mark.parametrize("role", ["Marketer", "Staff"])
def test_a_marketer_or_staff_has_no_webhooks_tab_and_no_way_in(live_server, page: Page, role_user, role):
    role_user(role)
    base = live_server.url
    sign_in(page, base, role.lower())
    response = page.goto(f"{base}/settings/webhooks/")
    assert response.status == 403
    page.goto(f"{base}/settings/")
    expect(page.get_by_role("link", name="Webhooks")).to_have_count(0)
