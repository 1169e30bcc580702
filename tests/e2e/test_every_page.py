"""Every dashboard page, as each role, on the small demo: a page the role may open renders without a
browser error and without a horizontal scroll bar at 1440x900; one it may not open says so. A full-page
screenshot of each lands in test-artifacts/<test>/<role>/ for a person to look through."""

import pytest
from playwright.sync_api import Page, expect

from auditlog.models import RequestLog
from campaigns.models import Campaign, CampaignType
from redemptions.models import Redemption, Validation
from sessions.models import ValidationSession

pytestmark = [pytest.mark.e2e]

CAMPAIGN_TABS = ("", "rules/", "redemptions/", "analytics/", "metadata/", "activity/")
FORBIDDEN = "You don't have permission to open this page"
# The sections each role may open (voucherhub.roles): the rest must answer with the 403 page.
MAY_OPEN = {
    "admin": {
        "home",
        "campaigns",
        "redemptions",
        "validations",
        "sessions",
        "stacking",
        "audit",
        "exports",
        "own",
        "keys",
    },
    "marketer": {"home", "campaigns", "redemptions", "validations", "sessions", "stacking", "audit", "exports", "own"},
    "staff": {"home", "redemptions", "exports", "own"},
}


def pages() -> list[tuple[str, str, str]]:
    """(section, screenshot name, path) of every page a person can reach from the navigation."""
    found = [
        ("home", "home", "/"),
        ("campaigns", "campaigns", "/campaigns/"),
        ("campaigns", "calendar", "/campaigns/calendar/"),
    ]
    kinds = {
        "coupons": Campaign.objects.filter(campaign_type=CampaignType.DISCOUNT_COUPONS).first(),
        "gift": Campaign.objects.filter(campaign_type=CampaignType.GIFT_VOUCHERS).first(),
        "promotion": Campaign.objects.filter(campaign_type=CampaignType.PROMOTION).first(),
    }
    for kind, campaign in kinds.items():
        extra = {"coupons": ("vouchers/",), "gift": ("vouchers/", "transactions/"), "promotion": ("tiers/",)}[kind]
        for tab in (*CAMPAIGN_TABS, *extra):
            name = f"campaign-{kind}-{tab.strip('/') or 'overview'}"
            found.append(("campaigns", name, f"/campaigns/{campaign.id}/{tab}"))
    stacked = Redemption.objects.filter(related_object_type="redemption").first()
    failed = Redemption.objects.filter(result="FAILURE").first()
    session = ValidationSession.objects.exclude(locks=None).first()
    found += [
        ("redemptions", "redemptions", "/redemptions/"),
        ("redemptions", "redemption-stacked", f"/redemptions/{stacked.id}/"),
        ("redemptions", "redemption-failed", f"/redemptions/{failed.id}/"),
        ("validations", "validations", "/redemptions/validations/"),
        ("validations", "validation", f"/redemptions/validations/{Validation.objects.first().id}/"),
        ("sessions", "sessions", "/redemptions/sessions/"),
        ("sessions", "session", f"/redemptions/sessions/{session.key}/"),
        ("stacking", "stacking-rules", "/redemptions/stacking-rules/"),
        ("audit", "audit-log", "/audit-log/"),
        ("audit", "request-log", f"/audit-log/logs/{RequestLog.objects.exclude(path='').first().id}/"),
        ("audit", "events", "/audit-log/events/"),
        ("exports", "exports", "/audit-log/exports/"),
        ("own", "notifications", "/exports/notifications/"),
        ("own", "settings", "/settings/"),
        ("keys", "api-keys", "/settings/api-keys/"),
    ]
    return found


@pytest.mark.parametrize("role", ["admin", "marketer", "staff"])
def test_every_page_renders_for_each_role_or_says_it_is_not_theirs(
    live_server, page: Page, demo_shop, artifact_dir, role
):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    page.on("console", lambda message: message.type == "error" and errors.append(f"{page.url}: {message.text}"))
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill(role)
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(live_server.url + "/")

    shots = artifact_dir / role
    shots.mkdir()
    wide = []
    for section, name, path in pages():
        response = page.goto(live_server.url + path)
        allowed = section in MAY_OPEN[role]
        assert response is not None and response.status == (200 if allowed else 403), (role, path)
        if allowed:
            expect(page.locator("main")).to_be_visible()
            expect(page.get_by_role("heading", name=FORBIDDEN)).to_have_count(0)
        else:
            expect(page.get_by_role("heading", name=FORBIDDEN)).to_be_visible()
            errors[:] = [error for error in errors if "status of 403" not in error]  # the page's own status
        page.screenshot(path=shots / f"{name}.png", full_page=True)
        if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
            wide.append(path)
    assert not wide, f"pages wider than the window: {wide}"
    assert not errors, errors
