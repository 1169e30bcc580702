"""The Customers section in headless Chromium, as each role: an Admin finds a customer in the list, opens
their profile, switches to the Activity tab (HTMX swap, URL pushed), narrows it to one campaign and a day,
and follows an event's campaign; a Marketer and Staff see no Customers section and are refused its URLs; a
Marketer reads a campaign's publications (and its distribution overview) without the customers."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from campaigns.models import Segment
from redemptions.services.redemption import redeem
from tests.e2e.test_layout import sign_in
from tests.factories import make_campaign, make_customer, make_voucher, stack
from voucherhub.caller import Caller

pytestmark = [pytest.mark.e2e]

CALLER = Caller.system("e2e")
ORDER = {"amount": 2_000, "items": [{"sku_id": "sku-1", "quantity": 1, "price": 2_000}]}


@pytest.fixture
def shop(transactional_db):
    spring = make_campaign(name="Spring coupons")
    autumn = make_campaign(name="Autumn coupons")
    ann = make_customer(source_id="ann-1", name="Ann Archer", email="ann@example.com", metadata={"tier": "gold"})
    make_customer(source_id="bob-1", name="Bob Baker", email="bob@example.com")
    make_voucher(code="SPRING-1", campaign=spring, holder=ann)
    make_voucher(code="AUTUMN-1", campaign=autumn)
    for code in ("SPRING-1", "AUTUMN-1"):
        redeem(
            stack(redeemables=[{"object": "voucher", "id": code}], customer={"id": ann.pk}, order=ORDER), caller=CALLER
        )
    Segment.objects.create(name="Gold members", type="auto-update", filter={"tier": "gold"})
    return {"ann": ann, "spring": spring, "autumn": autumn}


def test_an_admin_finds_a_customer_opens_their_profile_and_reads_their_activity_by_campaign(
    live_server, page: Page, role_user, artifact_dir, shop
):
    role_user("Admin")
    base, ann = live_server.url, shop["ann"]
    sign_in(page, base, "admin")
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Customers").click()
    expect(page).to_have_url(f"{base}/customers/")
    expect(page.get_by_test_id("row-count")).to_contain_text("2 customers")

    page.evaluate("window.__notReloaded = true")
    page.get_by_label("Customer", exact=True).fill("ann@example.com")
    page.get_by_label("Customer", exact=True).press("Enter")
    expect(page).to_have_url(re.compile(r"/customers/\?.*customer=ann%40example.com"))
    expect(page.get_by_test_id("row-count")).to_contain_text("1 customer")
    page.screenshot(path=artifact_dir / "list.png", full_page=True)
    page.get_by_role("link", name="Ann Archer").click()

    expect(page).to_have_url(f"{base}/customers/{ann.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ann Archer")
    expect(page.get_by_test_id("customer-segments")).to_contain_text("Gold members")
    expect(page.get_by_test_id("customer-vouchers").locator("tr[data-code]")).to_have_count(1)
    expect(page.get_by_test_id("customer-redemptions").locator('[data-figure="succeeded"]')).to_have_text("2")
    page.screenshot(path=artifact_dir / "profile.png", full_page=True)

    tabs = page.get_by_role("navigation", name="Customer tabs")
    page.evaluate("window.__notReloaded = true")
    tabs.get_by_role("link", name="Activity").click()
    expect(page).to_have_url(f"{base}/customers/{ann.pk}/activity/")
    expect(tabs.get_by_role("link", name="Activity")).to_have_attribute("aria-current", "page")
    events = page.locator("#customer-events-table-el tbody tr")
    expect(events).to_have_count(2)
    expect(events.first).to_contain_text("AUTUMN-1")
    assert page.evaluate("window.__notReloaded") is True

    page.get_by_label("Campaign", exact=True).select_option(label="Spring coupons")
    expect(page).to_have_url(re.compile(rf"/customers/{ann.pk}/activity/\?.*campaign={shop['spring'].pk}"))
    expect(events).to_have_count(1)
    expect(events.first).to_contain_text("SPRING-1")
    today = timezone.localdate().isoformat()
    page.get_by_label("From", exact=True).fill(today)
    page.get_by_label("From", exact=True).press("Enter")
    expect(page).to_have_url(re.compile(rf"occurred_from={today}"))
    expect(events).to_have_count(1)
    page.screenshot(path=artifact_dir / "activity.png", full_page=True)

    page.get_by_role("link", name="Clear all").click()
    expect(page).to_have_url(f"{base}/customers/{ann.pk}/activity/")
    expect(events).to_have_count(2)
    events.first.get_by_role("link", name="Autumn coupons").click()
    expect(page).to_have_url(f"{base}/campaigns/{shop['autumn'].pk}/")


@pytest.mark.parametrize("role", ["Marketer", "Staff"])
def test_roles_without_customer_data_see_no_customers_section_and_are_refused_its_pages(
    live_server, page: Page, role_user, artifact_dir, shop, role
):
    role_user(role)
    base, ann = live_server.url, shop["ann"]
    sign_in(page, base, role.lower())
    expect(page.get_by_role("navigation", name="Sections").get_by_role("link", name="Customers")).to_have_count(0)
    for path in ("/customers/", f"/customers/{ann.pk}/", f"/customers/{ann.pk}/activity/"):
        response = page.goto(base + path)
        assert response is not None and response.status == 403, path
        expect(page.get_by_text("ann@example.com")).to_have_count(0)
    page.screenshot(path=artifact_dir / f"refused-{role.lower()}.png", full_page=True)


def test_a_marketer_reads_a_campaigns_publications_without_the_customers(
    live_server, page: Page, role_user, artifact_dir
):
    from campaigns.services.publications import publish
    from campaigns.services.requests import PublicationRequest

    role_user("Marketer")
    spring = make_campaign(name="Spring coupons")
    for i in range(2):
        make_voucher(code=f"PUB-{i}", campaign=spring)
    ann = make_customer(source_id="ann-p", name="Ann Archer", email="ann@example.com")
    publish(
        PublicationRequest(customer={"id": ann.pk}, campaign=spring.pk, count=2, channel="Newsletter"), caller=CALLER
    )
    publish(PublicationRequest(customer={"id": ann.pk}, campaign=spring.pk), caller=CALLER)  # none left
    base = live_server.url
    sign_in(page, base, "marketer")
    page.goto(f"{base}/campaigns/{spring.pk}/")
    expect(page.get_by_test_id("distribution").locator('[data-figure="vouchers_published"]')).to_have_text("2")
    page.get_by_role("navigation", name="Campaign tabs").get_by_role("link", name="Publications").click()
    expect(page).to_have_url(f"{base}/campaigns/{spring.pk}/publications/")
    rows = page.locator("#publications-table-el tbody tr")
    expect(rows).to_have_count(2)
    expect(page.get_by_text("No free code left.")).to_be_visible()
    expect(page.get_by_text("Ann Archer")).to_have_count(0)
    page.get_by_label("Result").select_option("SUCCESS")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("PUB-0")
    page.screenshot(path=artifact_dir / "publications.png", full_page=True)
